"""`driftscan watch` benchmark against the local AWS emulator (moto), for `make bench`.

Creates the sample estate (tools/estate.py) and an SQS queue, starts `driftscan watch` posting
to a Slack webhook served here on loopback, then:

- latency: N change events (default 200), one at a time, each an EventBridge message for a
  security group write by an actor of its own; the time from sending the message to the Slack
  post naming that actor arriving here, p50 and p95, with watch's default --window (1 s: each
  post is held that long so one cause over several polls is one alert);
- filtering: CloudTrail log objects in S3, mostly reads and services nobody declared (as an
  organisation's trail is), announced by S3 notifications; records filtered per second, from
  the first notification sent to the last record counted on /metrics.

Prints one JSON object.

usage: watch.py DRIFTSCAN_BINARY OUT_DIR [N] [WINDOW]   (WINDOW: watch's --window, its default if left out)
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scan import env_for, free_port, start_moto  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POSTS = []  # (arrival time, body)


class Slack(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        POSTS.append((time.monotonic(), body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def record(event_id, name, source, actor, req, read_only=False, age=5):
    t = (datetime.now(timezone.utc) - timedelta(seconds=age)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"eventVersion": "1.09", "eventTime": t, "eventSource": source, "eventName": name,
            "awsRegion": "us-east-1", "eventID": event_id, "readOnly": read_only, "eventType": "AwsApiCall",
            "userIdentity": {"type": "IAMUser", "arn": actor, "accountId": "123456789012"},
            "requestParameters": req, "responseElements": None, "recipientAccountId": "123456789012"}


def eventbridge(rec):
    return json.dumps({"version": "0", "id": rec["eventID"], "detail-type": "AWS API Call via CloudTrail",
                       "source": "aws.ec2", "account": "123456789012", "time": rec["eventTime"],
                       "region": "us-east-1", "resources": [], "detail": rec})


def metric(port, name):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith(f"driftscan_watch_{name} "):
            return float(line.split()[1])
    return 0.0


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main():
    binary, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    window = ["--window", sys.argv[4]] if len(sys.argv) > 4 else []
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    proc, endpoint = start_moto()
    env = env_for(endpoint)
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    watch = None
    try:
        made = subprocess.run([sys.executable, os.path.join(ROOT, "tools/estate.py"), "create", "--out", out],
                              env=env, capture_output=True, text=True, check=True)
        sg = json.loads(made.stdout)["sg_web"]
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="bench-watch")["QueueUrl"]
        slack_port = free_port()
        server = HTTPServer(("127.0.0.1", slack_port), Slack)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        metrics_port = free_port()
        wenv = dict(env, DRIFTSCAN_SLACK_WEBHOOK=f"http://127.0.0.1:{slack_port}/services/T0/B0/bench")
        log = open(os.path.join(out, "watch.log"), "w")
        watch = subprocess.Popen(
            [binary, "watch", "--queue", url, "--state", "infra/terraform.tfstate", "--state",
             "envs/*/terraform.tfstate", "--db", "history.db", "--notify", "all", "--wait", "20s",
             "--metrics-addr", f"127.0.0.1:{metrics_port}"] + window,
            cwd=out, env=wenv, stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(300):
            try:
                metric(metrics_port, "messages_received_total")
                break
            except Exception:
                time.sleep(0.1)
        boto3.client("ec2").authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

        latencies = []
        for i in range(n):
            actor = f"arn:aws:iam::123456789012:user/bench-{i:04d}"
            # Made as it is sent: an event older than the drift's first sighting would be taken as
            # that drift's cause and told as the drift (covered), not as a post of its own.
            rec = record(f"lat-{i}", "AuthorizeSecurityGroupIngress", "ec2.amazonaws.com", actor, {"groupId": sg},
                         age=0)
            seen = len(POSTS)
            t0 = time.monotonic()
            sqs.send_message(QueueUrl=url, MessageBody=eventbridge(rec))
            deadline = t0 + 30
            while not any(f"bench-{i:04d}" in b for _, b in POSTS[seen:]):
                if time.monotonic() > deadline:
                    raise SystemExit(f"watch: no Slack post for event {i} within 30 s; see {out}/watch.log")
                time.sleep(0.002)
            arrived = next(t for t, b in POSTS[seen:] if f"bench-{i:04d}" in b)
            latencies.append(arrived - t0)

        # An organisation's trail: reads, and writes to services nobody declared.
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="bench-trail")
        files, per_file = 10, 2000
        for f in range(files):
            recs = []
            for j in range(per_file):
                k = f * per_file + j
                if k % 2:
                    recs.append(record(f"r-{k}", "DescribeInstances", "ec2.amazonaws.com", "arn:aws:iam::1:user/x",
                                       {}, read_only=True))
                else:
                    recs.append(record(f"r-{k}", "StartQueryExecution", "athena.amazonaws.com",
                                       "arn:aws:iam::1:user/x", {"queryString": "SELECT 1"}))
            s3.put_object(Bucket="bench-trail", Key=f"AWSLogs/123456789012/CloudTrail/us-east-1/f{f}.json.gz",
                          Body=gzip.compress(json.dumps({"Records": recs}).encode()))
        before = metric(metrics_port, "events_ignored_total")
        t0 = time.monotonic()
        for f in range(files):
            key = f"AWSLogs/123456789012/CloudTrail/us-east-1/f{f}.json.gz"
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"Records": [
                {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                 "s3": {"bucket": {"name": "bench-trail"}, "object": {"key": key}}}]}))
        total = files * per_file
        deadline = t0 + 120
        while metric(metrics_port, "events_ignored_total") - before < total:
            if time.monotonic() > deadline:
                raise SystemExit(f"watch: the trail was not filtered within 120 s; see {out}/watch.log")
            time.sleep(0.01)
        filter_s = time.monotonic() - t0
        watch.terminate()
        code = watch.wait(timeout=30)
        print(json.dumps({
            "events": n, "p50_s": pct(latencies, 50), "p95_s": pct(latencies, 95), "max_s": max(latencies),
            "filtered": total, "filter_s": filter_s, "filtered_per_s": total / filter_s,
            "exit_on_sigterm": code,
        }))
    finally:
        if watch and watch.poll() is None:
            watch.kill()
        proc.kill()


if __name__ == "__main__":
    main()
