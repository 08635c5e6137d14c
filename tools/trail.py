#!/usr/bin/env python3
"""CloudTrail logs for the demo's sample estate, written as AWS delivers them.

`routine` writes four weeks of ordinary work from START: two engineers changing security
groups, instances and volumes of the estate, Monday to Friday in office hours, in us-east-1.
`night` writes the events behind the demo's out-of-band changes: a console resize in office
hours, a 3 a.m. Sunday RDP rule by a principal nobody has seen, and at 03:40 the app role's
trust policy widened by another unknown principal. The routine includes weekly IAM work. Files go under
OUT/AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/, gzipped, `{"Records": [...]}`.

Needs estate.json (from `estate.py create`) for the resource ids; talks to no AWS API.
"""
import argparse
import datetime as dt
import gzip
import json
import os
import uuid

ACCOUNT = "123456789012"
START = dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)  # a Monday


def record(when, name, req, actor, region="us-east-1", source="ec2.amazonaws.com"):
    return {
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDA" + actor.upper(),
                         "arn": f"arn:aws:iam::{ACCOUNT}:user/{actor}", "accountId": ACCOUNT, "userName": actor},
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": req,
        "responseElements": {"requestId": str(uuid.uuid5(uuid.NAMESPACE_URL, when.isoformat() + name)), "_return": True},
        "eventID": str(uuid.uuid5(uuid.NAMESPACE_URL, when.isoformat() + name + json.dumps(req, sort_keys=True))),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }


def routine(ids):
    out, n = [], 0
    for week in range(4):
        for day in range(5):  # Monday to Friday
            for hour in (9, 11, 14, 16):
                n += 1
                when = START + dt.timedelta(days=week * 7 + day, hours=hour, minutes=(n * 7) % 60)
                actor = "ana" if n % 2 else "bo"
                kind = n % 3
                if kind == 0:
                    out.append(record(when, "ModifyInstanceAttribute", {"instanceId": ids["web_1"]}, actor))
                elif kind == 1:
                    out.append(record(when, "AuthorizeSecurityGroupIngress", {"groupId": ids["sg_web"]}, actor))
                else:
                    out.append(record(when, "CreateTags", {"resourcesSet": {"items": [{"resourceId": ids["volume_logs"]}]}}, actor))
        # Once a week the pipeline role's policy is tuned, in office hours (IAM logs in us-east-1).
        when = START + dt.timedelta(days=week * 7 + 2, hours=10, minutes=20)
        out.append(record(when, "PutRolePolicy", {"roleName": "deploy", "policyName": "deploy-tuning"}, "bo",
                          source="iam.amazonaws.com"))
    return out


def night(ids):
    tue = START + dt.timedelta(days=29)
    sun = START + dt.timedelta(days=34)
    return [
        record(tue + dt.timedelta(hours=11, minutes=5), "ModifyInstanceAttribute",
               {"instanceId": ids["web_0"], "instanceType": {"value": "t3.large"}}, "ana"),
        record(sun + dt.timedelta(hours=3, minutes=14), "AuthorizeSecurityGroupIngress",
               {"groupId": ids["sg_web"], "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 3389, "toPort": 3389}]}},
               "mallory"),
        # Sunday 03:40: the app role's trust policy widened to any AWS principal, by a principal
        # nobody has seen.
        record(sun + dt.timedelta(hours=3, minutes=40), "UpdateAssumeRolePolicy",
               {"roleName": "app", "policyDocument": "{\"Statement\":[{\"Principal\":{\"AWS\":\"*\"}}]}"}, "eve",
               source="iam.amazonaws.com"),
    ]


def write(out, records):
    by_day = {}
    for r in records:
        by_day.setdefault(r["eventTime"][:10], []).append(r)
    for day, recs in sorted(by_day.items()):
        y, m, d = day.split("-")
        folder = os.path.join(out, "AWSLogs", ACCOUNT, "CloudTrail", "us-east-1", y, m, d)
        os.makedirs(folder, exist_ok=True)
        name = f"{ACCOUNT}_CloudTrail_us-east-1_{y}{m}{d}T2359Z_demo.json.gz"
        with gzip.open(os.path.join(folder, name), "wt") as f:
            json.dump({"Records": recs}, f)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=["routine", "night"])
    p.add_argument("--estate", required=True, help="folder with estate.json")
    p.add_argument("--out", required=True, help="folder to write AWSLogs/ under")
    a = p.parse_args()
    with open(os.path.join(a.estate, "estate.json")) as f:
        ids = json.load(f)
    write(a.out, routine(ids) if a.kind == "routine" else night(ids))


if __name__ == "__main__":
    main()
