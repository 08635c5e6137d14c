#!/usr/bin/env bash
# The demo: a local AWS emulator, a sample estate with its Terraform state, an untouched scan,
# out-of-band changes, and the scan that finds them. Run through `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."

root=$PWD
bin=$root/target/debug/driftscan
out=$root/demo-out
rm -rf "$out"
mkdir -p "$out"

port=$("$root/.venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$root/.venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$out/moto.log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true' EXIT

# Everything below talks to the emulator only, with throwaway credentials.
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN

for _ in $(seq 1 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$moto" 2>/dev/null || { cat "$out/moto.log" >&2; echo "demo: the emulator did not start" >&2; exit 1; }
  sleep 0.1
done

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
cd "$out"

step "1. Creating a sample estate in the emulator (us-east-1 and eu-west-1) and its Terraform state"
"$root/.venv/bin/python" "$root/tools/estate.py" create --out . >/dev/null
"$bin" state --state infra/terraform.tfstate --state 'envs/*/terraform.tfstate'

step "2. Scanning the untouched estate: expect no drift, exit code 0"
set +e
"$bin" scan --state infra/terraform.tfstate --state 'envs/*/terraform.tfstate' --db history.db
echo "exit code: $?"
set -e

step "3. Changing things out of band: console resize, 3 a.m. RDP rule, retag, DNS off, public subnet, bigger volume, a terminated replica, a hand-made instance"
"$root/.venv/bin/python" "$root/tools/estate.py" drift --out . \
  resize-instance open-rdp retag-vpc vpc-dns-off public-subnet grow-volume terminate-replica unmanaged-instance >/dev/null

step "4. Scanning again: every change, exit code 2"
set +e
"$bin" scan --state infra/terraform.tfstate --state 'envs/*/terraform.tfstate' --db history.db
echo "exit code: $?"
set -e

step "The history now holds both scans"
"$root/.venv/bin/python" - <<'PY'
import sqlite3
db = sqlite3.connect("history.db")
for row in db.execute("SELECT id, started_at, managed, drifted, deleted, unmanaged FROM scans ORDER BY id"):
    print("scan %s at %s: %s managed, %s drifted, %s deleted, %s unmanaged" % row)
PY
echo
echo "Files are in demo-out/ (state files, history.db). JSON: add --format json to the scan."
