"""Every-service scan benchmark against the local AWS emulator (moto), for `make bench`.

Makes 10 resources of each kind below in one region, scans (they are all unmanaged: the state
declares one queue, so the scan lists every service for what nobody declared), grows each kind
to N (1,000 by default) and scans again. For each list call it prints how many calls the two
scans made, and for each type how many unmanaged resources the scan found: the claim is that
list calls grow as ceil(N / page size), not with N, and that every resource made is found (a
page lost would show as fewer). Calls that are one per resource by the API's design (a KMS
key's DescribeKey, a hosted zone's record list) grow with N and are named as such.

usage: services.py DRIFTSCAN_BINARY OUT_DIR [N]
"""
import concurrent.futures
import io
import json
import os
import sys
import time
import uuid
import zipfile

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scan import ACCOUNT, AWS, REGION, env_for, scan, start_moto  # noqa: E402

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]})
DOC = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})
RUN = f"bench-{uuid.uuid4().hex[:6]}"


def zipped():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("h.py", "def h(event, context):\n    return event\n")
    return buf.getvalue()


class Kinds:
    """One maker per kind: `make(kind, i)` creates its i-th resource. `expect` is the Terraform type
    the scan reports it as, counted to check that nothing was lost between pages."""

    def __init__(self, c, shared):
        self.c, self.s = c, shared
        self.table = [
            ("aws_sqs_queue", lambda i: c["sqs"].create_queue(QueueName=f"{RUN}-q{i}")),
            ("aws_sns_topic", lambda i: c["sns"].create_topic(Name=f"{RUN}-t{i}")),
            ("aws_dynamodb_table", lambda i: c["dynamodb"].create_table(
                TableName=f"{RUN}-d{i}", BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])),
            ("aws_cloudwatch_log_group", lambda i: c["logs"].create_log_group(logGroupName=f"/{RUN}/l{i}")),
            ("aws_ecr_repository", lambda i: c["ecr"].create_repository(repositoryName=f"{RUN}-r{i}")),
            ("aws_secretsmanager_secret", lambda i: c["secretsmanager"].create_secret(
                Name=f"{RUN}-s{i}", SecretString="bench")),
            ("aws_iam_role", lambda i: c["iam"].create_role(RoleName=f"{RUN}-role{i}", AssumeRolePolicyDocument=TRUST)),
            ("aws_iam_policy", lambda i: c["iam"].create_policy(PolicyName=f"{RUN}-p{i}", PolicyDocument=DOC)),
            ("aws_iam_user", lambda i: c["iam"].create_user(UserName=f"{RUN}-u{i}")),
            ("aws_s3_bucket", lambda i: c["s3"].create_bucket(Bucket=f"{RUN}-b{i}")),
            ("aws_kms_key", lambda i: c["kms"].create_key(Description=f"{RUN} {i}")),
            ("aws_db_instance", lambda i: c["rds"].create_db_instance(
                DBInstanceIdentifier=f"{RUN}-db{i}", DBInstanceClass="db.t3.micro", Engine="postgres",
                MasterUsername="bench", MasterUserPassword="bench-password", AllocatedStorage=20)),
            ("aws_lambda_function", lambda i: c["lambda"].create_function(
                FunctionName=f"{RUN}-f{i}", Runtime="python3.12", Role=shared["role"], Handler="h.h",
                Code={"ZipFile": shared["zip"]})),
            ("aws_lb_target_group", lambda i: c["elbv2"].create_target_group(
                Name=f"tg{i}-{RUN[-6:]}", Protocol="HTTP", Port=80, VpcId=shared["vpc"])),
            ("aws_launch_configuration", lambda i: c["autoscaling"].create_launch_configuration(
                LaunchConfigurationName=f"{RUN}-lc{i}", ImageId=shared["ami"], InstanceType="t3.micro")),
            ("aws_security_group", lambda i: c["ec2"].create_security_group(
                GroupName=f"{RUN}-sg{i}", Description="bench", VpcId=shared["vpc"])),
            ("aws_route53_zone", lambda i: c["route53"].create_hosted_zone(
                Name=f"z{i}.{RUN}.example.com", CallerReference=f"{RUN}-{i}")),
        ]

    def grow(self, have, n):
        """Brings every kind to n resources: kinds in parallel, each kind's in order (moto's EC2
        backend answers 500 to concurrent CreateSecurityGroup calls)."""
        def kind(make):
            for i in range(have, n):
                make(i)
        with concurrent.futures.ThreadPoolExecutor(len(self.table)) as pool:
            for j in [pool.submit(kind, make) for _, make in self.table]:
                j.result()


def write_state(path, queue_url):
    """A state declaring one queue: the scan compares it and lists everything else as unmanaged."""
    name = queue_url.rsplit("/", 1)[1]
    attrs = {"id": queue_url, "url": queue_url, "name": name, "arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
             "fifo_queue": False, "delay_seconds": 0, "max_message_size": 262144,
             "message_retention_seconds": 345600, "receive_wait_time_seconds": 0,
             "visibility_timeout_seconds": 30, "policy": "", "redrive_policy": "", "tags": {}, "tags_all": {}}
    state = {"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "bench-services", "outputs": {},
             "resources": [{"mode": "managed", "type": "aws_sqs_queue", "name": "declared", "provider": AWS,
                            "instances": [{"schema_version": 0, "attributes": attrs, "sensitive_attributes": []}]}]}
    with open(path, "w") as f:
        json.dump(state, f)


def unmanaged_by_type(binary, endpoint, state):
    s = scan(binary, endpoint, state)
    counts = {}
    for kind, rtype, _, _ in s["keys"]:
        if kind == "unmanaged":
            counts[rtype] = counts.get(rtype, 0) + 1
    return s, counts


def main():
    binary, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    os.makedirs(out, exist_ok=True)
    proc, endpoint = start_moto()
    try:
        os.environ.update({k: v for k, v in env_for(endpoint).items() if k.startswith("AWS_")})
        names = ["sqs", "sns", "dynamodb", "logs", "ecr", "secretsmanager", "iam", "s3", "kms", "rds", "lambda",
                 "elbv2", "autoscaling", "ec2", "route53"]
        c = {k: boto3.client(k, endpoint_url=endpoint, region_name=REGION) for k in names}
        ec2 = c["ec2"]
        shared = {
            "zip": zipped(),
            "vpc": ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"],
            "ami": ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"],
            "role": c["iam"].create_role(RoleName=f"{RUN}-fn", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"],
        }
        queue = c["sqs"].create_queue(QueueName=f"{RUN}-declared")["QueueUrl"]
        state = os.path.join(out, "services.tfstate")
        write_state(state, queue)
        kinds = Kinds(c, shared)
        results, have = {}, 0
        for size in (10, n):
            started = time.monotonic()
            kinds.grow(have, size)
            have = size
            made_s = time.monotonic() - started
            s, counts = unmanaged_by_type(binary, endpoint, state)
            results[size] = {"calls": s["api_calls"], "by_op": s["by_op"], "unmanaged": counts,
                             "scan_s": s["wall_s"], "create_s": made_s, "changes": s["changes"]}
        small, big = results[10], results[n]
        ops = sorted(set(small["by_op"]) | set(big["by_op"]))
        # Each kind has at least `size` resources (moto and the run add a few of their own: the
        # declared queue's companions, the Lambda role, default groups); none may be missing.
        lost = {t: (small["unmanaged"].get(t, 0), big["unmanaged"].get(t, 0)) for t, _ in kinds.table
                if small["unmanaged"].get(t, 0) < 10 or big["unmanaged"].get(t, 0) < n}
        print(json.dumps({
            "kinds": len(kinds.table), "n": n, "calls_small": small["calls"], "calls": big["calls"],
            "by_op": {op: [small["by_op"].get(op, 0), big["by_op"].get(op, 0)] for op in ops},
            "unmanaged": {t: [small["unmanaged"].get(t, 0), big["unmanaged"].get(t, 0)] for t, _ in kinds.table},
            "lost": lost, "scan_s": big["scan_s"], "scan_small_s": small["scan_s"], "create_s": big["create_s"]}))
    finally:
        proc.kill()


if __name__ == "__main__":
    main()
