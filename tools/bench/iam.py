"""IAM scan benchmark against the local AWS emulator (moto), for `make bench`.

Makes 10 roles (each with an inline policy and an attachment), writes the state that declares
them, scans and counts the IAM calls; grows to N roles (1,000 by default), scans again. The
claim: IAM calls grow as ceil(N / 1000), not with N. Prints one JSON object.

usage: iam.py DRIFTSCAN_BINARY OUT_DIR [N]
"""
import json
import os
import sys

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scan import ACCOUNT, AWS, env_for, scan, start_moto  # noqa: E402

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]})
DOC = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})


def grow(iam, n, have, policy_arn):
    while len(have) < n:
        name = f"bench-{len(have)}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=DOC)
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
        have.append(name)


def write_state(path, roles, policy_arn):
    res = []

    def add(rtype, name, attrs):
        res.append({"mode": "managed", "type": rtype, "name": name, "provider": AWS,
                    "instances": [{"schema_version": 0, "attributes": attrs, "sensitive_attributes": []}]})
    add("aws_iam_policy", "shared", {"arn": policy_arn, "id": policy_arn, "name": "bench-shared", "path": "/",
                                     "description": "", "policy": DOC, "tags_all": {}})
    for r in roles:
        add("aws_iam_role", r, {"id": r, "name": r, "path": "/", "assume_role_policy": TRUST, "description": "",
                                "max_session_duration": 3600, "managed_policy_arns": [policy_arn],
                                "inline_policy": [{"name": "inline", "policy": DOC}], "tags_all": {},
                                "arn": f"arn:aws:iam::{ACCOUNT}:role/{r}"})
        add("aws_iam_role_policy", f"{r}_inline", {"id": f"{r}:inline", "role": r, "name": "inline", "policy": DOC})
        add("aws_iam_role_policy_attachment", f"{r}_shared",
            {"id": f"{r}-20261102090000000000000001", "role": r, "policy_arn": policy_arn})
    with open(path, "w") as f:
        json.dump({"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "bench-iam",
                   "outputs": {}, "resources": res}, f)


def iam_calls(by_op):
    names = ("GetAccountAuthorizationDetails", "ListRoles", "ListInstanceProfiles", "ListOpenIDConnectProviders",
             "GetOpenIDConnectProvider", "GetRole", "GetRolePolicy", "ListAttachedRolePolicies")
    return {k: v for k, v in by_op.items() if k in names}


def main():
    binary, out = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    os.makedirs(out, exist_ok=True)
    proc, endpoint = start_moto()
    try:
        os.environ.update({k: v for k, v in env_for(endpoint).items() if k.startswith("AWS_")})
        iam = boto3.client("iam", endpoint_url=endpoint)
        policy_arn = iam.create_policy(PolicyName="bench-shared", PolicyDocument=DOC)["Policy"]["Arn"]
        roles = []
        results = {}
        for size in (10, n):
            grow(iam, size, roles, policy_arn)
            state = os.path.join(out, f"iam-{size}.tfstate")
            write_state(state, roles, policy_arn)
            s = scan(binary, endpoint, state)
            calls = iam_calls(s["by_op"])
            results[size] = {"calls": sum(calls.values()), "by_op": calls, "changes": s["changes"], "wall_s": s["wall_s"]}
        small, big = results[10], results[n]
        print(json.dumps({"roles": n, "calls_small": small["calls"], "calls": big["calls"], "by_op": big["by_op"],
                          "calls_ratio": big["calls"] / small["calls"], "changes": big["changes"] + small["changes"],
                          "scan_s": big["wall_s"]}))
    finally:
        proc.kill()


if __name__ == "__main__":
    main()
