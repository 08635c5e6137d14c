#!/usr/bin/env bash
# make audit-refresh: re-take the vendored RustSec snapshot that `make audit` falls back to.
# Needs git and a network that reaches GitHub (a developer's machine; CI cannot). Clones the
# advisory database, copies the advisories of every crate named in Cargo.lock into
# audit/advisory-db/crates/, lists those crates in audit/covered-crates.txt and writes
# audit/advisory-db/SNAPSHOT.md. Review `git diff audit/`, run `make audit`, commit audit/.
# AUDIT_DB_URL overrides where the database is cloned from.
set -euo pipefail
cd "$(dirname "$0")/.."

URL=${AUDIT_DB_URL:-https://github.com/rustsec/advisory-db.git}
OUT=audit/advisory-db
COVERED=audit/covered-crates.txt

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "audit-refresh: cloning $URL" >&2
git clone --quiet --depth 1 "$URL" "$tmp/db"
[ -d "$tmp/db/crates" ] || { echo "audit-refresh: $URL has no crates/ directory" >&2; exit 1; }
[ -f "$tmp/db/LICENSE.txt" ] || { echo "audit-refresh: $URL has no LICENSE.txt" >&2; exit 1; }
commit=$(git -C "$tmp/db" rev-parse HEAD)
commit_date=$(git -C "$tmp/db" log -1 --format=%cs)
today=$(date -u +%F)

names=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.lock | sort -u)

rm -rf "$tmp/out"
mkdir -p "$tmp/out/crates"
cp "$tmp/db/LICENSE.txt" "$tmp/out/"
with=0
files=0
for name in $names; do
    src="$tmp/db/crates/$name"
    [ -d "$src" ] || continue
    # Advisories only: not drafts (RUSTSEC-0000-*), not old .toml files.
    found=$(find "$src" -maxdepth 1 -type f -name 'RUSTSEC-*.md' ! -name 'RUSTSEC-0000-*' | sort)
    [ -n "$found" ] || continue
    mkdir -p "$tmp/out/crates/$name"
    while read -r f; do cp "$f" "$tmp/out/crates/$name/"; files=$((files + 1)); done <<<"$found"
    with=$((with + 1))
done
total=$(wc -l <<<"$names")

cat >"$tmp/out/SNAPSHOT.md" <<EOF
# RustSec advisory database: vendored snapshot

Taken: $today
Source: $URL (the \`crates/\` collection)
Source commit: $commit ($commit_date)
License: CC0-1.0 (see LICENSE.txt, copied from the repository). Advisories adapted from the
GitHub Security Advisory database say so in a \`license\` field of their front matter; their
\`url\` and \`aliases\` fields are the attribution, kept unchanged.

## Why it is here

\`make test\` audits \`Cargo.lock\` with cargo-audit (\`tools/audit.sh\`). cargo-audit reads this
database from its git repository on GitHub, which the CI machine cannot reach (it reaches
package registries only). \`tools/audit.sh\` tries the live database first and falls back to this
copy, offline.

## What it holds

For every crate named in \`Cargo.lock\` on the date above ($total names, listed in
\`audit/covered-crates.txt\`, the root crate included), the advisories the database has under
\`crates/<name>/\`, unchanged: $files advisories for $with of the crates; the others have none.
Not copied: drafts (\`RUSTSEC-0000-*\`), the \`rust/\` collection (the toolchain, not Cargo.lock)
and the rest of the repository, which cargo-audit does not need.

Written by \`tools/audit-refresh.sh\` (\`make audit-refresh\`).
EOF

{
    echo "# Crates whose advisories audit/advisory-db/ holds: every crate named in Cargo.lock, looked up"
    echo "# in the RustSec advisory database on the date in audit/advisory-db/SNAPSHOT.md, including those"
    echo "# with no advisory. tools/audit.sh fails when Cargo.lock names a crate missing here."
    echo "# One name a line; written by tools/audit-refresh.sh."
    echo "$names"
} >"$tmp/covered"

rm -rf "$OUT"
mv "$tmp/out" "$OUT"
mv "$tmp/covered" "$COVERED"
echo "audit-refresh: $files advisories for $with of $total crates, from $commit; now: make audit, git diff audit/, commit" >&2
