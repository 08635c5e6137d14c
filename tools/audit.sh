#!/usr/bin/env bash
# make audit: RustSec advisories against Cargo.lock, with cargo-audit (pinned in
# tools/requirements.txt, installed into .venv by `make venv`).
#
# Fails (non-zero) when:
#   - Cargo.lock names a crate that audit/covered-crates.txt does not list (the vendored
#     snapshot was never searched for it);
#   - the self-test fails: cargo-audit must report RUSTSEC-2022-0013 for the fixture lockfile
#     audit/fixtures/vulnerable.Cargo.lock, or the audit proves nothing;
#   - cargo-audit finds a vulnerability in Cargo.lock, or cannot run at all.
# "unmaintained", "unsound" and yanked-crate warnings are printed and do not fail.
#
# The database: the live one from GitHub when it can be fetched (within AUDIT_LIVE_TIMEOUT
# seconds), else the snapshot in audit/advisory-db/ (CI reaches package registries only), said
# on stderr. AUDIT_LIVE=0 skips the live attempt. LOCKFILE=path audits another lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_AUDIT=${CARGO_AUDIT:-.venv/bin/cargo-audit}
LOCKFILE=${LOCKFILE:-Cargo.lock}
LIVE=${AUDIT_LIVE:-1}
LIVE_TIMEOUT=${AUDIT_LIVE_TIMEOUT:-60}
SNAPSHOT=audit/advisory-db
COVERED=audit/covered-crates.txt
FIXTURE=audit/fixtures/vulnerable.Cargo.lock
FIXTURE_ID=RUSTSEC-2022-0013
# Past this age the snapshot still works, but a warning asks for a refresh.
STALE_DAYS=90

say() { echo "audit: $*" >&2; }

if [ ! -x "$CARGO_AUDIT" ]; then
    say "$CARGO_AUDIT not found; run 'make venv' (it installs cargo-audit from tools/requirements.txt)"
    exit 1
fi
for f in "$LOCKFILE" "$COVERED" "$FIXTURE" "$SNAPSHOT/SNAPSHOT.md"; do
    [ -f "$f" ] || { say "$f is missing"; exit 1; }
done

# Crate names of a lockfile, one a line, sorted.
lock_names() { sed -n 's/^name = "\(.*\)"$/\1/p' "$1" | sort -u; }

# Lists the crates of lockfile $1 that the snapshot was not searched for; non-zero if any.
uncovered() {
    local missing
    missing=$(comm -23 <(lock_names "$1") <(grep -v '^#' "$COVERED" | sed '/^$/d' | sort -u))
    [ -z "$missing" ] && return 0
    while read -r name; do
        say "the snapshot does not cover crate $name; refresh it: make audit-refresh (README, \"Dependency audit\")"
    done <<<"$missing"
    return 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Coverage, and a check that the coverage check itself catches a crate it does not know.
printf 'version = 3\n\n[[package]]\nname = "not-a-covered-crate-xyz"\nversion = "1.0.0"\n' >"$tmp/uncovered.lock"
if uncovered "$tmp/uncovered.lock" 2>/dev/null; then
    say "self-test failed: the coverage check accepted a crate missing from $COVERED"
    exit 1
fi
uncovered "$LOCKFILE" || exit 1

# 2. The database: live if it can be fetched, else the vendored snapshot.
db=""
stale=()
if [ "$LIVE" != 0 ]; then
    # Fetching with an empty lockfile separates "cannot fetch" from "found something".
    printf 'version = 3\n' >"$tmp/empty.lock"
    if timeout "$LIVE_TIMEOUT" "$CARGO_AUDIT" audit --quiet --no-yanked --db "$tmp/live" \
        --file "$tmp/empty.lock" >"$tmp/live.log" 2>&1; then
        db="$tmp/live"
        say "using the live RustSec advisory database, fetched now"
    else
        reason=$(grep -m1 -i 'error' "$tmp/live.log" || echo "timed out after ${LIVE_TIMEOUT}s")
        say "cannot fetch the live RustSec advisory database ($reason); using the vendored snapshot"
    fi
else
    say "AUDIT_LIVE=0: not trying the live RustSec advisory database; using the vendored snapshot"
fi
if [ -z "$db" ]; then
    taken=$(sed -n 's/^Taken: \([0-9-]*\).*/\1/p' "$SNAPSHOT/SNAPSHOT.md")
    age=$(( ($(date -u +%s) - $(date -u -d "$taken" +%s)) / 86400 ))
    say "snapshot $SNAPSHOT taken $taken ($age days ago), $(find "$SNAPSHOT/crates" -name '*.md' | wc -l) advisories"
    if [ "$age" -gt "$STALE_DAYS" ]; then
        say "WARNING: the snapshot is older than $STALE_DAYS days; refresh it (make audit-refresh) where GitHub is reachable"
    fi
    # A copy: cargo-audit may write lock files into its database directory.
    cp -r "$SNAPSHOT" "$tmp/snapshot"
    db="$tmp/snapshot"
    # Opened with --no-fetch; --stale because a vendored copy has no fetch time to be fresh by.
    stale=(--stale)
fi
run_audit() { "$CARGO_AUDIT" audit --db "$db" --no-fetch "${stale[@]}" "$@"; }

# 3. Self-test: a lockfile with a known vulnerable version must fail, naming its advisory.
if run_audit --no-yanked --color never --file "$FIXTURE" >"$tmp/fixture.log" 2>&1; then
    cat "$tmp/fixture.log" >&2
    say "self-test failed: cargo-audit passed $FIXTURE, which locks a version with $FIXTURE_ID"
    exit 1
fi
if ! grep -q "$FIXTURE_ID" "$tmp/fixture.log"; then
    cat "$tmp/fixture.log" >&2
    say "self-test failed: cargo-audit failed on $FIXTURE without reporting $FIXTURE_ID"
    exit 1
fi
say "self-test ok: $FIXTURE fails with $FIXTURE_ID"

# 4. The audit. Vulnerabilities exit non-zero; warnings only print.
if run_audit --file "$LOCKFILE"; then
    say "no known vulnerability in $LOCKFILE"
else
    rc=$?
    say "FAILED: cargo-audit reported vulnerabilities in $LOCKFILE (above), or could not run (exit $rc)"
    exit "$rc"
fi
