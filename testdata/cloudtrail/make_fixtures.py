#!/usr/bin/env python3
"""Writes the CloudTrail fixtures under testdata/cloudtrail (run from anywhere; output is stable).

estate/  a delivered bucket tree for the sample EC2 estate (ids of testdata/states/modules.tfstate)
broken/  one good file among a truncated one, a non-CloudTrail JSON and a broken gzip
magic/   a gzipped file named .json and a plain one named .json.gz
reference/ is copied by hand from real Stratus Red Team detonations and not written here.
"""

import copy
import gzip
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ACCOUNT = "123456789012"
REGION = "us-east-2"

TERRAFORM = {
    "type": "AssumedRole",
    "principalId": "AROA4EXAMPLETFCI0001:gh-actions-4711",
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/terraform-ci/gh-actions-4711",
    "accountId": ACCOUNT,
    "accessKeyId": "ASIA4EXAMPLE0000TF01",
    "sessionContext": {
        "sessionIssuer": {
            "type": "Role",
            "principalId": "AROA4EXAMPLETFCI0001",
            "arn": f"arn:aws:iam::{ACCOUNT}:role/terraform-ci",
            "accountId": ACCOUNT,
            "userName": "terraform-ci",
        },
        "attributes": {"creationDate": "2026-11-20T09:01:10Z", "mfaAuthenticated": "false"},
    },
}
TERRAFORM_UA = "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.76.0"
ALICE = {
    "type": "IAMUser",
    "principalId": "AIDA4EXAMPLEALICE001",
    "arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
    "accountId": ACCOUNT,
    "accessKeyId": "ASIA4EXAMPLEALICE001",
    "userName": "alice",
    "sessionContext": {"attributes": {"creationDate": "2026-11-20T08:55:02Z", "mfaAuthenticated": "true"}},
}
CONSOLE_UA = "AWS Internal"
BOB = {
    "type": "AssumedRole",
    "principalId": "AROA4EXAMPLEOPS00001:bob@example.com",
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/ops/bob@example.com",
    "accountId": ACCOUNT,
    "accessKeyId": "ASIA4EXAMPLEBOB00001",
    "sessionContext": {
        "sessionIssuer": {
            "type": "Role",
            "principalId": "AROA4EXAMPLEOPS00001",
            "arn": f"arn:aws:iam::{ACCOUNT}:role/ops",
            "accountId": ACCOUNT,
            "userName": "ops",
        },
        "attributes": {"creationDate": "2026-11-21T13:40:00Z", "mfaAuthenticated": "false"},
    },
}
CLI_UA = "aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.12.6 command/ec2.stop-instances"


def record(event_id, time, name, identity, ua, ip, req, resp, source="ec2.amazonaws.com", read_only=False, **extra):
    r = {
        "eventVersion": "1.10",
        "userIdentity": copy.deepcopy(identity),
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": ip,
        "userAgent": ua,
        "requestParameters": req,
        "responseElements": resp,
        "requestID": "req-" + event_id[:8],
        "eventID": event_id,
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"ec2.{REGION}.amazonaws.com",
        },
    }
    r.update(extra)
    return r


RUN = record(
    "0c5a4f4e-7a61-4d0b-9a51-3a1b2c3d4e01", "2026-11-20T09:02:41Z", "RunInstances", TERRAFORM, TERRAFORM_UA,
    "192.0.2.10",
    {
        "instancesSet": {"items": [{"imageId": "ami-0c55b159cbfafe1f0", "minCount": 1, "maxCount": 1}]},
        "instanceType": "t3.micro",
        "blockDeviceMapping": {},
        "monitoring": {"enabled": False},
        "disableApiTermination": False,
        "subnetId": "subnet-0a000000000000002",
        "groupSet": {"items": [{"groupId": "sg-0a0000000000000a1"}]},
        "clientToken": "terraform-20261120090240000000000001",
    },
    {
        "requestId": "req-0c5a4f4e",
        "reservationId": "r-0a1b2c3d4e5f60001",
        "ownerId": ACCOUNT,
        "groupSet": {},
        "instancesSet": {"items": [{
            "instanceId": "i-0d000000000000002",
            "imageId": "ami-0c55b159cbfafe1f0",
            "instanceState": {"code": 0, "name": "pending"},
            "instanceType": "t3.micro",
            "subnetId": "subnet-0a000000000000002",
            "vpcId": "vpc-0a0000000000000f1",
            "privateIpAddress": "10.0.2.17",
            "groupSet": {"items": [{"groupId": "sg-0a0000000000000a1", "groupName": "web"}]},
            "networkInterfaceSet": {"items": [{
                "networkInterfaceId": "eni-0f0000000000000b2",
                "subnetId": "subnet-0a000000000000002",
                "vpcId": "vpc-0a0000000000000f1",
            }]},
            "blockDeviceMapping": {},
        }]},
    },
)
TAGS = record(
    "0c5a4f4e-7a61-4d0b-9a51-3a1b2c3d4e02", "2026-11-20T09:02:42Z", "CreateTags", TERRAFORM, TERRAFORM_UA,
    "192.0.2.10",
    {
        "resourcesSet": {"items": [
            {"resourceId": "i-0d000000000000002"},
            {"resourceId": "vol-0e000000000000002"},
            {"resourceId": "eni-0f0000000000000b2"},
        ]},
        "tagSet": {"items": [{"key": "Name", "value": "web-2"}, {"key": "env", "value": "prod"}]},
    },
    {"requestId": "req-0c5a4f4e", "_return": True},
)
DESCRIBE = record(
    "0c5a4f4e-7a61-4d0b-9a51-3a1b2c3d4e03", "2026-11-20T09:03:00Z", "DescribeInstances", TERRAFORM, TERRAFORM_UA,
    "192.0.2.10",
    {"instancesSet": {"items": [{"instanceId": "i-0d000000000000002"}]}, "filterSet": {}},
    None,
    read_only=True,
)
ASSUME = record(
    "0c5a4f4e-7a61-4d0b-9a51-3a1b2c3d4e04", "2026-11-20T09:01:10Z", "AssumeRole",
    {"type": "WebIdentityUser", "principalId": "token.actions.githubusercontent.com:repo:example/infra",
     "userName": "repo:example/infra"},
    "aws-sdk-go-v2/1.30.3", "192.0.2.10",
    {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/terraform-ci", "roleSessionName": "gh-actions-4711"},
    {"assumedRoleUser": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/terraform-ci/gh-actions-4711"}},
    source="sts.amazonaws.com", read_only=True,
)
RESIZE = record(
    "5b7e2d10-3c4a-4f1e-8b2d-9e0f1a2b3c05", "2026-11-20T09:14:05Z", "ModifyInstanceAttribute", ALICE, CONSOLE_UA,
    "198.51.100.23",
    {"instanceId": "i-0d000000000000001", "instanceType": {"value": "t3.large"}},
    {"requestId": "req-5b7e2d10", "_return": True},
)
OPEN_SSH = record(
    "5b7e2d10-3c4a-4f1e-8b2d-9e0f1a2b3c06", "2026-11-20T09:11:30Z", "AuthorizeSecurityGroupIngress", ALICE,
    CONSOLE_UA, "198.51.100.23",
    {
        "groupId": "sg-0a0000000000000a1",
        "ipPermissions": {"items": [{
            "ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
            "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0", "description": "debug"}]},
            "groups": {}, "ipv6Ranges": {}, "prefixListIds": {},
        }]},
    },
    {
        "requestId": "req-5b7e2d10",
        "_return": True,
        "securityGroupRuleSet": {"items": [{
            "groupOwnerId": ACCOUNT, "groupId": "sg-0a0000000000000a1",
            "securityGroupRuleId": "sgr-0a1b2c3d4e5f60718", "isEgress": False,
            "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0", "description": "debug",
        }]},
    },
)
DENIED = record(
    "5b7e2d10-3c4a-4f1e-8b2d-9e0f1a2b3c07", "2026-11-20T09:12:00Z", "TerminateInstances", ALICE, CONSOLE_UA,
    "198.51.100.23",
    {"instancesSet": {"items": [{"instanceId": "i-0d000000000000001"}]}},
    None,
    errorCode="Client.UnauthorizedOperation",
    errorMessage="You are not authorized to perform this operation.",
)
GROW = record(
    "5b7e2d10-3c4a-4f1e-8b2d-9e0f1a2b3c08", "2026-11-20T09:13:20Z", "ModifyVolume", ALICE, CONSOLE_UA,
    "198.51.100.23",
    {"ModifyVolumeRequest": {"VolumeId": "vol-0e000000000000001", "Size": 200}},
    {"ModifyVolumeResponse": {"xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/", "requestId": "req-5b7e2d10",
                              "volumeModification": {"volumeId": "vol-0e000000000000001", "modificationState": "modifying",
                                                     "originalSize": 100, "targetSize": 200}}},
)
SNAPSHOT = record(
    "5b7e2d10-3c4a-4f1e-8b2d-9e0f1a2b3c09", "2026-11-20T09:13:50Z", "CreateSnapshot", ALICE, CONSOLE_UA,
    "198.51.100.23",
    {"volumeId": "vol-0e000000000000001", "description": "before resize"},
    {"requestId": "req-5b7e2d10", "snapshotId": "snap-0b1b2b3b4b5b6b7b8", "volumeId": "vol-0e000000000000001",
     "status": "pending", "volumeSize": 100},
)
STOP = record(
    "9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b10", "2026-11-21T13:58:09Z", "StopInstances", BOB, CLI_UA, "203.0.113.45",
    {"instancesSet": {"items": [{"instanceId": "i-0d000000000000001"}]}, "force": False},
    {"requestId": "req-9d8c7b6a", "instancesSet": {"items": [{
        "instanceId": "i-0d000000000000001",
        "currentState": {"code": 64, "name": "stopping"},
        "previousState": {"code": 16, "name": "running"},
    }]}},
)
BUCKET = record(
    "9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b11", "2026-11-21T14:02:00Z", "CreateBucket", BOB, CLI_UA, "203.0.113.45",
    {"bucketName": "example-scratch", "Host": "example-scratch.s3.us-east-2.amazonaws.com"},
    None,
    source="s3.amazonaws.com",
)
REBOOT = record(
    "7e6d5c4b-3a29-4817-9605-f4e3d2c1b012", "2026-11-22T07:30:00Z", "RebootInstances", BOB, CLI_UA,
    "203.0.113.45",
    {"instancesSet": {"items": [{"instanceId": "i-0d000000000000002"}]}},
    {"requestId": "req-7e6d5c4b", "_return": True},
)
SUBNET = record(
    "7e6d5c4b-3a29-4817-9605-f4e3d2c1b013", "2026-11-22T07:31:00Z", "ModifySubnetAttribute", BOB, CLI_UA,
    "203.0.113.45",
    {"subnetId": "subnet-0a000000000000001", "mapPublicIpOnLaunch": {"value": True}},
    {"requestId": "req-7e6d5c4b", "_return": True},
)
UNTAG = record(
    "7e6d5c4b-3a29-4817-9605-f4e3d2c1b014", "2026-11-22T07:32:00Z", "DeleteTags", BOB, CLI_UA, "203.0.113.45",
    {"resourcesSet": {"items": [{"resourceId": "sg-0a0000000000000a1"}]}, "tagSet": {"items": [{"key": "owner"}]}},
    {"requestId": "req-7e6d5c4b", "_return": True},
)


def dump(obj):
    return (json.dumps(obj, indent=None, separators=(",", ":")) + "\n").encode()


def write(rel, data, gz=False):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if gz:
        # mtime=0 and no file name in the header: the same bytes on every run.
        data = gzip.compress(data, compresslevel=9, mtime=0)
    with open(path, "wb") as f:
        f.write(data)


def main():
    day = f"estate/AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/2026/11"
    stem = f"{ACCOUNT}_CloudTrail_{REGION}"
    # Records in a file are not in time order, and the last file redelivers OPEN_SSH, as CloudTrail can.
    write(f"{day}/20/{stem}_20261120T0905Z_Jq3nC5uYxW1bTz8a.json.gz",
          dump({"Records": [RUN, DESCRIBE, ASSUME, TAGS]}), gz=True)
    write(f"{day}/20/{stem}_20261120T0915Z_Lm0pQ7rS2tUv4wXy.json.gz",
          dump({"Records": [RESIZE, OPEN_SSH, DENIED, GROW, SNAPSHOT]}), gz=True)
    write(f"{day}/21/{stem}_20261121T1400Z_Ab9cD8eF7gH6iJ5k.json.gz",
          dump({"Records": [BUCKET, STOP, OPEN_SSH]}), gz=True)
    digest = {
        "awsAccountId": ACCOUNT,
        "digestStartTime": "2026-11-20T09:00:00Z",
        "digestEndTime": "2026-11-20T10:00:00Z",
        "digestS3Bucket": "example-trail",
        "digestPublicKeyFingerprint": "0123456789abcdef0123456789abcdef",
        "digestSignatureAlgorithm": "SHA256withRSA",
        "logFiles": [],
    }
    write(f"estate/AWSLogs/{ACCOUNT}/CloudTrail-Digest/{REGION}/2026/11/20/"
          f"{ACCOUNT}_CloudTrail-Digest_{REGION}_example-trail_{REGION}_20261120T100000Z.json.gz",
          dump(digest), gz=True)

    good = dump({"Records": [REBOOT]})
    write("broken/good.json.gz", good, gz=True)
    write("broken/truncated.json", dump({"Records": [RESIZE, GROW]})[:700])
    write("broken/not-cloudtrail.json",
          dump({"version": 4, "terraform_version": "1.9.8", "serial": 3, "resources": []}))
    write("broken/invalid.json.gz", gzip.compress(good, mtime=0)[:40])
    write("broken/notes.txt", b"not a log file, not read\n")

    write("magic/gzipped-without-suffix.json", dump([SUBNET]), gz=True)
    write("magic/plain-with-suffix.json.gz", dump([UNTAG]))


if __name__ == "__main__":
    main()
