"""Scan benchmarks against the local AWS emulator (moto), for `make bench`.

Starts moto on a free loopback port, creates 60 instances, scans, grows the estate to N
instances (3,000 by default) with 100 security groups and volumes, scans again, then times a
plain boto3 script that only lists the same resources concurrently, and a scan through a proxy
that answers RequestLimitExceeded to one request in five. Prints one JSON object.

usage: scan.py DRIFTSCAN_BINARY OUT_DIR [N]
"""
import concurrent.futures
import http.server
import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.request

import boto3

REGION = "us-east-1"
ACCOUNT = "123456789012"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'

# What `driftscan scan` lists in a region: one paginated describe per family (see src/catalog.rs).
LISTS = [
    ("describe_instances", {"MaxResults": 1000}),
    ("describe_security_groups", {"MaxResults": 1000}),
    ("describe_security_group_rules", {"MaxResults": 1000}),
    ("describe_vpcs", {"MaxResults": 1000}),
    ("describe_subnets", {"MaxResults": 1000}),
    ("describe_volumes", {"MaxResults": 1000}),
    ("describe_addresses", {}),
    ("describe_route_tables", {"MaxResults": 100}),
    ("describe_internet_gateways", {"MaxResults": 1000}),
    ("describe_nat_gateways", {"MaxResults": 1000}),
    ("describe_network_interfaces", {"MaxResults": 1000}),
    ("describe_key_pairs", {}),
    ("describe_launch_templates", {"MaxResults": 200}),
    ("describe_network_acls", {"MaxResults": 1000}),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    port = free_port()
    # moto with two of its gaps filled, as the tests and the demo run it (tools/moto_server.py).
    moto = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "moto_server.py")
    proc = subprocess.Popen([sys.executable, moto, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
            return proc, endpoint
        except Exception:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto_server did not start")


def env_for(endpoint):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DRIFTSCAN_"))}
    env.update({"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "AKIDBENCH", "AWS_SECRET_ACCESS_KEY": "bench-secret",
                "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                "AWS_EC2_METADATA_DISABLED": "true"})
    return env


def grow(ec2, instances, groups, volumes, have):
    """Brings the estate to the given counts; `have` holds what exists."""
    ami = have.setdefault("ami", ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"])
    vpc = have.setdefault("vpc", ec2.describe_vpcs()["Vpcs"][0]["VpcId"])
    while len(have.setdefault("groups", [])) < groups:
        n = len(have["groups"])
        gid = ec2.create_security_group(GroupName=f"bench-{n}", Description="bench", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        have["groups"].append(gid)
    while len(have.setdefault("instances", [])) < instances:
        n = min(500, instances - len(have["instances"]))
        sg = have["groups"][len(have["instances"]) % len(have["groups"])]
        made = ec2.run_instances(ImageId=ami, MinCount=n, MaxCount=n, InstanceType="t3.micro",
                                 SecurityGroupIds=[sg])["Instances"]
        have["instances"].extend(made)
    while len(have.setdefault("volumes", [])) < volumes:
        have["volumes"].append(ec2.create_volume(AvailabilityZone=REGION + "a", Size=10)["VolumeId"])


def write_state(path, have):
    """A state that declares every instance, as Terraform would after creating them."""
    resources = []
    for n, i in enumerate(have["instances"]):
        attrs = {"id": i["InstanceId"], "arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{i['InstanceId']}",
                 "ami": i["ImageId"], "instance_type": i["InstanceType"], "subnet_id": i.get("SubnetId"),
                 "vpc_security_group_ids": [g["GroupId"] for g in i.get("SecurityGroups", [])],
                 "key_name": "", "iam_instance_profile": "", "monitoring": False,
                 "private_ip": i.get("PrivateIpAddress"), "tags": {}, "tags_all": {}}
        resources.append({"mode": "managed", "type": "aws_instance", "name": f"app{n}", "provider": AWS,
                          "instances": [{"schema_version": 1, "attributes": attrs, "sensitive_attributes": []}]})
    with open(path, "w") as f:
        json.dump({"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "bench",
                   "outputs": {}, "resources": resources}, f, indent=2)


def scan(binary, endpoint, state):
    start = time.monotonic()
    out = subprocess.run([binary, "scan", "--state", state, "--region", REGION, "--no-history", "--format", "json"],
                         env=env_for(endpoint), capture_output=True, text=True, cwd=os.path.dirname(state))
    wall = time.monotonic() - start
    if out.returncode not in (0, 2, 3):
        raise SystemExit(f"scan failed ({out.returncode}): {out.stderr}")
    report = json.loads(out.stdout)
    calls = report["summary"]["api_calls"]
    keys = sorted((c["kind"], c["type"], c["id"], c.get("attribute") or "") for c in report["changes"])
    return {"wall_s": wall, "api_calls": sum(calls.values()), "by_op": calls, "changes": len(keys),
            "unscanned": len(report["unscanned"]), "keys": keys}


def plain_list(endpoint):
    """The baseline: every list paginated, all at once, counting what came back."""
    env = env_for(endpoint)
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name=REGION)
    start = time.monotonic()
    ec2 = session.client("ec2", endpoint_url=endpoint)

    def one(op):
        name, kwargs = op
        n = 0
        pages = ec2.get_paginator(name).paginate(**kwargs) if ec2.can_paginate(name) else [getattr(ec2, name)()]
        for page in pages:
            n += sum(len(v) for v in page.values() if isinstance(v, list))
        return n

    with concurrent.futures.ThreadPoolExecutor(len(LISTS)) as pool:
        total = sum(pool.map(one, LISTS))
    return {"wall_s": time.monotonic() - start, "items": total}


class Throttler(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def throttling_proxy(upstream, every):
    """Forwards to `upstream`, answering every `every`-th request RequestLimitExceeded (HTTP 503)."""
    lock = threading.Lock()
    counts = {"n": 0, "throttled": 0, "forwarded": 0}
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>'
            '<Message>Request limit exceeded.</Message></Error></Errors><RequestID>bench</RequestID></Response>').encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                counts["n"] += 1
                throttle = counts["n"] % every == 0
                counts["throttled"] += throttle
                counts["forwarded"] += not throttle
            if throttle:
                self.send_response(503)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            req = urllib.request.Request(upstream + self.path, data=data, method="POST",
                                         headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
            with urllib.request.urlopen(req) as resp:
                payload = resp.read()
                self.send_response(resp.status)
                for k, v in resp.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = Throttler(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}", counts


def main():
    binary, out_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    os.makedirs(out_dir, exist_ok=True)
    proc, endpoint = start_moto()
    try:
        env = env_for(endpoint)
        ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=REGION,
                           aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                           aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
        have = {}
        state = os.path.join(out_dir, "bench.tfstate")
        grow(ec2, 60, 100, 20, have)
        write_state(state, have)
        small = scan(binary, endpoint, state)
        t = time.monotonic()
        grow(ec2, n, 100, n // 10, have)
        setup_s = time.monotonic() - t
        write_state(state, have)
        scan(binary, endpoint, state)  # warm the emulator's caches once, as for the script
        plain_list(endpoint)
        big = min((scan(binary, endpoint, state) for _ in range(3)), key=lambda r: r["wall_s"])
        plain = min((plain_list(endpoint) for _ in range(3)), key=lambda r: r["wall_s"])
        server, proxied, counts = throttling_proxy(endpoint, 5)
        throttled = scan(binary, proxied, state)
        server.shutdown()
        print(json.dumps({
            "instances_small": 60, "calls_small": small["api_calls"], "instances": n, "groups": 100, "volumes": n // 10,
            "calls": big["api_calls"], "calls_by_op": big["by_op"], "calls_ratio": big["api_calls"] / small["api_calls"],
            "scan_s": big["wall_s"], "plain_list_s": plain["wall_s"], "plain_items": plain["items"],
            "changes": big["changes"], "unscanned": big["unscanned"], "setup_s": setup_s,
            "throttled_requests": counts["throttled"], "throttled_calls": throttled["api_calls"],
            "throttled_same_result": throttled["keys"] == big["keys"] and throttled["unscanned"] == 0,
            "retries_counted": throttled["api_calls"] - big["api_calls"],
            "proxy_requests": counts["throttled"] + counts["forwarded"],
            "throttled_scan_s": throttled["wall_s"],
        }))
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
