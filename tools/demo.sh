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
# moto_server, with its GetBucketVersioning answer in S3's shape (see tools/moto_server.py).
"$root/.venv/bin/python" "$root/tools/moto_server.py" -H 127.0.0.1 -p "$port" >"$out/moto.log" 2>&1 &
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

step "1. Creating a sample estate in the emulator (EC2 in us-east-1 and eu-west-1, IAM, S3 and KMS) and its Terraform state"
"$root/.venv/bin/python" "$root/tools/estate.py" create --out . >/dev/null
"$root/.venv/bin/python" "$root/tools/estate_iam.py" create --out . >/dev/null
"$root/.venv/bin/python" "$root/tools/estate_storage.py" create --out . >/dev/null
states=(--state infra/terraform.tfstate --state 'envs/*/terraform.tfstate' --state iam/terraform.tfstate
  --state storage/terraform.tfstate)
"$bin" state "${states[@]}"

scan() { "$bin" scan "${states[@]}" --db history.db "$@"; }

step "2. Scanning the untouched estate: expect no drift, exit code 0"
set +e
scan --now 2026-11-02T08:00:00Z
echo "exit code: $?"
set -e

step "3. Learning four weeks of ordinary work from CloudTrail logs (office hours, two engineers)"
"$root/.venv/bin/python" "$root/tools/trail.py" routine --estate . --out trail
"$bin" learn --cloudtrail trail --db history.db --now 2026-11-30T00:00:00Z

step "4. Changing things out of band: console resize, a Sunday 3 a.m. RDP rule by an unknown user, a role's trust policy widened at 03:40, admin attached, retag, DNS off, public subnet, bigger volume, a terminated replica, a hand-made instance and user, a bucket's public access block off, key rotation off"
"$root/.venv/bin/python" "$root/tools/estate.py" drift --out . \
  resize-instance open-rdp retag-vpc vpc-dns-off public-subnet grow-volume terminate-replica unmanaged-instance >/dev/null
"$root/.venv/bin/python" "$root/tools/estate_iam.py" drift --out . trust-widened admin-attached user-created
"$root/.venv/bin/python" "$root/tools/estate_storage.py" drift --out . public-access-block-off key-rotation-disabled
"$root/.venv/bin/python" "$root/tools/trail.py" night --estate . --out trail
"$bin" learn --cloudtrail trail --db history.db --now 2026-12-07T09:00:00Z || true

step "5. Scanning again on Monday morning: every change, who made it when CloudTrail tells, exit code 3 (anomalous)"
set +e
scan --now 2026-12-07T10:00:00Z
echo "exit code: $?"
set -e

step "6. The report: every change recorded this week, anomalies and their reasons"
"$bin" report --db history.db --since 7d --now 2026-12-07T10:30:00Z
echo
echo "Files are in demo-out/ (state files, CloudTrail logs, history.db). JSON: add --format json."
