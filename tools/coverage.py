#!/usr/bin/env python3
"""Coverage of real-world Terraform states: the share of AWS resource instances of compared types.

Usage: python3 tools/coverage.py CORPUS_DIR [--driftscan PATH] [--top N]

Runs `driftscan state --state FILE --format json` on every *.tfstate file in CORPUS_DIR (issue 17,
"How it is checked") and prints:
  (a) the AWS resource instances (type starting `aws_`) in all files, how many are of types
      driftscan compares (`"compared": true`), and that share in percent;
  (b) the uncompared types by instance count, most first (all of them unless --top is given),
      with how many files hold each;
  (c) per file: AWS instances, compared, share.
A file driftscan refuses (non-zero exit, or output that is not its JSON) is listed with the
error line and left out of every figure. Non-AWS instances (other providers) are not counted.

The corpus itself is not in the repository: testdata/corpus-sources.txt names each file's
repository, commit and path. Standard library only; talks to no network.
"""
import argparse
import collections
import json
import os
import subprocess
import sys


def run(driftscan, path):
    """(resources, None) or (None, error line) for one state file."""
    try:
        proc = subprocess.run(
            [driftscan, "state", "--state", path, "--format", "json"],
            capture_output=True, text=True, errors="replace", timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    if proc.returncode != 0:
        lines = [l for l in proc.stderr.splitlines() if l.strip()]
        return None, lines[-1] if lines else f"exit status {proc.returncode}, no message"
    try:
        return json.loads(proc.stdout)["resources"], None
    except (ValueError, KeyError, TypeError) as e:
        return None, f"output is not driftscan's JSON: {e}"


def pct(part, whole):
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", help="folder of Terraform state files (*.tfstate)")
    ap.add_argument("--driftscan", default="target/debug/driftscan", help="driftscan binary")
    ap.add_argument("--top", type=int, default=0, help="show only the N most common uncompared types")
    args = ap.parse_args()

    files = sorted(f for f in os.listdir(args.corpus) if f.endswith(".tfstate"))
    if not files:
        sys.exit(f"coverage: no *.tfstate files in {args.corpus}")

    total = compared = 0
    uncompared = collections.Counter()      # type -> instances
    uncompared_files = collections.Counter()  # type -> files holding it
    per_file, refused = [], []
    for name in files:
        resources, err = run(args.driftscan, os.path.join(args.corpus, name))
        if err is not None:
            refused.append((name, err))
            continue
        n = c = 0
        seen = set()
        for r in resources:
            t = r.get("type") or ""
            if not t.startswith("aws_"):
                continue
            n += 1
            if r.get("compared") is True:
                c += 1
            else:
                uncompared[t] += 1
                seen.add(t)
        for t in seen:
            uncompared_files[t] += 1
        total += n
        compared += c
        per_file.append((name, n, c))

    print(f"Files measured: {len(per_file)} of {len(files)} ({len(refused)} refused)")
    print(f"AWS resource instances: {total}")
    print(f"  of compared types:    {compared}")
    print(f"  coverage:             {pct(compared, total)}")
    print()

    rows = uncompared.most_common(args.top or None)
    print(f"Uncompared types by instances ({len(uncompared)} types, {total - compared} instances)")
    width = max([len(t) for t, _ in rows] + [4])
    print(f"  {'type':<{width}}  {'instances':>9}  {'share':>6}  {'files':>5}")
    for t, k in rows:
        print(f"  {t:<{width}}  {k:>9}  {pct(k, total):>6}  {uncompared_files[t]:>5}")
    print()

    print("Per file")
    width = max(len(n) for n, _, _ in per_file) if per_file else 4
    print(f"  {'file':<{width}}  {'aws':>5}  {'compared':>8}  {'share':>6}")
    for name, n, c in per_file:
        print(f"  {name:<{width}}  {n:>5}  {c:>8}  {pct(c, n):>6}")

    if refused:
        print()
        print("Refused (left out of the figures)")
        for name, err in refused:
            print(f"  {name}: {err}")


if __name__ == "__main__":
    main()
