"""Fleet benchmark for `make bench`: many workspaces into one history, SQLite and PostgreSQL.

1. Makes N emulated accounts in one moto (an AssumeRole into account 2000000000NN gives that
   account's credentials), each with a few security groups, one of them declared in a state of
   its own, and a config with one workspace per account (`role_arn` into it).
2. Scans every workspace with `--parallel 1` and `--parallel 8`, into a SQLite file and into a
   PostgreSQL database (a server of its own: initdb in a temporary folder, a free loopback
   port), each run into a fresh history; wall time of each, and the scans each history holds.
3. `report --since 30d --format json` on the same 1,000,000-change history in both backends: the
   SQLite file `examples/bench history` writes, then `history copy` into PostgreSQL; best of 3.

usage: fleet.py DRIFTSCAN_BINARY BENCH_BINARY OUT_DIR [WORKSPACES] [CHANGES]
Prints one JSON line last.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scan import AWS, REGION, env_for, free_port, start_moto  # noqa: E402

USER = "driftscan"


def start_postgres():
    """A PostgreSQL server of the bench's own, trusting loopback (no password to pass around).
    PostgreSQL refuses to run as root: as root the cluster belongs to `nobody`, as in the tests."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        raise SystemExit("fleet bench: no PostgreSQL server (make postgresql)")
    root = tempfile.mkdtemp(prefix="driftscan-bench-pg")
    as_server = []
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "nobody:nogroup", root], check=True)
        os.chmod(root, 0o755)
        as_server = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
    data, port = os.path.join(root, "data"), free_port()
    subprocess.run([*as_server, os.path.join(bins[-1], "initdb"), "-D", data, "-U", USER, "--auth=trust", "-E",
                    "UTF8", "--no-locale"], check=True, capture_output=True)
    ctl = os.path.join(bins[-1], "pg_ctl")
    subprocess.run([*as_server, ctl, "-D", data, "-l", os.path.join(root, "log"), "-w", "-t", "60", "start", "-o",
                    f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=60"], check=True,
                   capture_output=True)
    psql = os.path.join(bins[-1], "psql")

    def create(db):
        subprocess.run([psql, "-h", "127.0.0.1", "-p", str(port), "-U", USER, "-d", "postgres", "-c",
                        f"CREATE DATABASE {db}"], check=True, capture_output=True)
        return f"postgres://{USER}@127.0.0.1:{port}/{db}?sslmode=disable"

    def stop():
        subprocess.run([*as_server, ctl, "-D", data, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)

    return stop, create


def make_accounts(endpoint, root, n):
    """N accounts, each with three groups, one declared; returns the config's text."""
    env = env_for(endpoint)
    sts = boto3.client("sts", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                       aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    blocks = []
    for i in range(n):
        account = f"2000000000{i:02d}"
        role = f"arn:aws:iam::{account}:role/driftscan"
        c = sts.assume_role(RoleArn=role, RoleSessionName="bench")["Credentials"]
        ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=c["AccessKeyId"],
                           aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        groups = [ec2.create_security_group(GroupName=f"fleet-{k}", Description="fleet", VpcId=vpc)["GroupId"]
                  for k in range(3)]
        attrs = {"id": groups[0], "name": "fleet-0", "description": "fleet", "vpc_id": vpc, "ingress": [],
                 "egress": [{"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 0, "to_port": 0,
                             "protocol": "-1", "ipv6_cidr_blocks": [], "prefix_list_ids": [],
                             "security_groups": [], "self": False}],
                 "arn": f"arn:aws:ec2:{REGION}:{account}:security-group/{groups[0]}", "owner_id": account,
                 "tags": {}, "tags_all": {}, "revoke_rules_on_delete": False, "name_prefix": ""}
        state = {"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": f"fleet-{i}", "outputs": {},
                 "resources": [{"mode": "managed", "type": "aws_security_group", "name": "app", "provider": AWS,
                                "instances": [{"schema_version": 1, "attributes": attrs,
                                               "sensitive_attributes": []}]}]}
        path = os.path.join(root, f"ws{i:02d}.tfstate")
        with open(path, "w") as f:
            json.dump(state, f)
        blocks.append(f'workspace "ws{i:02d}" {{\n  states   = ["{path}"]\n  role_arn = "{role}"\n'
                      f'  regions  = ["{REGION}"]\n}}\n')
    return "\n".join(blocks)


def scan_fleet(binary, endpoint, config, db, parallel):
    start = time.monotonic()
    out = subprocess.run([binary, "--config", config, "scan", "--parallel", str(parallel), "--db", db, "--quiet"],
                         env=env_for(endpoint), capture_output=True, text=True)
    took = time.monotonic() - start
    if out.returncode not in (0, 2, 3):
        raise SystemExit(f"fleet scan --parallel {parallel} into {db.split('?')[0]} failed: {out.stderr}")
    return took


def scans_in(binary, db):
    """Scans a history holds, from a report of everything (its coverage points)."""
    out = subprocess.run([binary, "report", "--db", db, "--since", "3650d", "--format", "json"], capture_output=True,
                         text=True, env={k: v for k, v in os.environ.items() if not k.startswith("DRIFTSCAN_")})
    if out.returncode != 0:
        raise SystemExit(f"report on {db.split('?')[0]} failed: {out.stderr}")
    return json.loads(out.stdout)["summary"]


def best_report(binary, db, out_file, runs=3):
    best = None
    for _ in range(runs):
        with open(out_file, "wb") as sink:
            start = time.monotonic()
            out = subprocess.run([binary, "report", "--db", db, "--since", "30d", "--format", "json"], stdout=sink,
                                 stderr=subprocess.PIPE)
            took = time.monotonic() - start
        if out.returncode != 0:
            raise SystemExit(f"report on {db.split('?')[0]} failed: {out.stderr.decode()}")
        best = took if best is None else min(best, took)
    return best


def main():
    binary, bench, out_dir = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    changes = int(sys.argv[5]) if len(sys.argv) > 5 else 1_000_000
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    root = tempfile.mkdtemp(prefix="fleet-", dir=out_dir)
    moto, endpoint = start_moto()
    stop_pg, create_db = start_postgres()
    result = {"workspaces": n, "changes": changes}
    try:
        config = os.path.join(root, "driftscan.hcl")
        with open(config, "w") as f:
            f.write(make_accounts(endpoint, root, n))
        for parallel in (1, 8):
            sqlite = os.path.join(root, f"fleet-p{parallel}.db")
            result[f"sqlite_p{parallel}_s"] = scan_fleet(binary, endpoint, config, sqlite, parallel)
            pg = create_db(f"fleet_p{parallel}")
            result[f"postgres_p{parallel}_s"] = scan_fleet(binary, endpoint, config, pg, parallel)
            result[f"changes_p{parallel}"] = [scans_in(binary, sqlite)["changes"], scans_in(binary, pg)["changes"]]

        made = subprocess.run([bench, "history", os.path.join(root, "history"), str(changes)], capture_output=True,
                              text=True)
        if made.returncode != 0:
            raise SystemExit(f"bench history failed: {made.stderr}")
        big = json.loads(made.stdout.strip().splitlines()[-1])["db"]
        pg_big = create_db("big")
        start = time.monotonic()
        copied = subprocess.run([binary, "history", "copy", "--from", big, "--to", pg_big], capture_output=True,
                                text=True)
        if copied.returncode != 0:
            raise SystemExit(f"history copy failed: {copied.stderr}")
        result["copy_s"] = time.monotonic() - start
        result["copied"] = copied.stdout.strip()
        result["report_sqlite_s"] = best_report(binary, big, os.path.join(root, "report-sqlite.json"))
        result["report_postgres_s"] = best_report(binary, pg_big, os.path.join(root, "report-pg.json"))
        with open(os.path.join(root, "report-sqlite.json")) as a, open(os.path.join(root, "report-pg.json")) as b:
            result["reports_equal"] = json.load(a)["summary"] == json.load(b)["summary"]
    finally:
        stop_pg()
        moto.kill()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
