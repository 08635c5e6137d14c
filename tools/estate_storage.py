#!/usr/bin/env python3
"""Sample S3 and KMS estate for the behaviour tests.

`create` makes buckets, their configurations, KMS keys and aliases in the AWS API that
AWS_ENDPOINT_URL points at (the local moto server) and writes `storage/terraform.tfstate` as
`terraform apply` with the AWS provider 5.x writes it: `tags_all` with the provider's default
tags, computed attributes, the bucket's deprecated inline blocks as computed copies that go
stale once separate resources manage them, and policies as `jsonencode` writes them (compact,
keys sorted, one-element lists) while AWS was given other spellings of the same documents.
`drift NAME...` then changes the live estate out of band.

The estate, as the Terraform configuration would declare it:

    provider "aws" { region = "us-east-1"  default_tags { tags = { ManagedBy = "terraform" } } }

    aws_kms_key.data (rotation on, own policy, tags) + aws_kms_alias.data
    aws_kms_key.logs (rotation off, default policy)  + aws_kms_alias.logs
    aws_s3_bucket.legacy       inline versioning, server_side_encryption_configuration (KMS),
                               policy and acl = "private", as provider-3 configurations were written
    aws_s3_bucket.data         + _policy, _public_access_block, _versioning,
                               _server_side_encryption_configuration (KMS), _ownership_controls,
                               _lifecycle_configuration, _logging (into logs)
    aws_s3_bucket.logs         + _acl (log-delivery-write), _public_access_block
    aws_s3_bucket.archive      (eu-west-1, provider alias) + _versioning
    aws_s3_account_public_access_block.this (all four settings on)

The names of what was made are written to `storage/estate.json` so tests can name them.
"""
import json
import os
import sys
import uuid

import boto3

from estate import service_cli

ACCOUNT = "123456789012"
EAST = "us-east-1"
WEST = "eu-west-1"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
AWS_WEST = 'provider["registry.terraform.io/hashicorp/aws"].west'
DEFAULT_TAGS = {"ManagedBy": "terraform"}
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def s3(region=EAST):
    return boto3.client("s3", region_name=region)


def kms():
    return boto3.client("kms", region_name=EAST)


def s3control():
    """S3 Control puts the account in front of the host; the emulator serves every account on one host."""
    client = boto3.client("s3control", region_name=EAST)
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        def one_host(request, **_):
            request.url = request.url.replace(f"//{ACCOUNT}.", "//")
        client.meta.events.register("before-sign.s3-control", one_host)
    return client


ACCOUNT_BLOCK_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True}


def jsonencode(doc):
    """Terraform's jsonencode: compact, keys sorted."""
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


def entry(attrs, deps=(), schema_version=0):
    return {"schema_version": schema_version, "attributes": attrs, "sensitive_attributes": [],
            "private": "bnVsbA==", "dependencies": list(deps)}


def resource(rtype, name, attrs, deps=(), provider=AWS, schema_version=0):
    return {"mode": "managed", "type": rtype, "name": name, "provider": provider,
            "instances": [entry(attrs, deps, schema_version)]}


def with_defaults(tags):
    return {**DEFAULT_TAGS, **tags}


def sse_rule(key_arn, bucket_key):
    return [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": key_arn, "sse_algorithm": "aws:kms"}],
             "bucket_key_enabled": bucket_key}]


DEFAULT_SSE = [{"rule": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": "", "sse_algorithm": "AES256"}],
                          "bucket_key_enabled": False}]}]


def bucket_policy(bucket, principal):
    """The document as the configuration wrote it, and the same document spelt another way for AWS."""
    doc = {"Version": "2012-10-17", "Statement": [{
        "Sid": "ReadOnly", "Effect": "Allow", "Principal": {"AWS": [principal]},
        "Action": ["s3:GetObject"], "Resource": [f"arn:aws:s3:::{bucket}/*"]}]}
    aws = {"Statement": {"Resource": f"arn:aws:s3:::{bucket}/*", "Action": "s3:GetObject",
                         "Principal": {"AWS": principal}, "Effect": "Allow", "Sid": "ReadOnly"},
           "Version": "2012-10-17"}
    return jsonencode(doc), json.dumps(aws, indent=2)


def make_bucket(name, region, tags):
    client = s3(region)
    if region == EAST:
        client.create_bucket(Bucket=name)
    else:
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [
        {"Key": k, "Value": v} for k, v in with_defaults(tags).items()]})
    return client


def bucket_attrs(name, region, tags, **inline):
    """aws_s3_bucket as provider 5.x writes it; `inline` overrides the computed inline blocks."""
    owner = s3(region).get_bucket_acl(Bucket=name)["Owner"]["ID"]
    attrs = {
        "acceleration_status": "", "acl": None, "arn": f"arn:aws:s3:::{name}", "bucket": name,
        "bucket_domain_name": f"{name}.s3.amazonaws.com", "bucket_prefix": "",
        "bucket_regional_domain_name": f"{name}.s3.{region}.amazonaws.com", "cors_rule": [],
        "force_destroy": False,
        "grant": [{"id": owner, "permissions": ["FULL_CONTROL"], "type": "CanonicalUser", "uri": ""}],
        "hosted_zone_id": "Z3AQBSTGFYJSTF" if region == EAST else "Z1BKCTXD74EZPE", "id": name,
        "lifecycle_rule": [], "logging": [], "object_lock_configuration": [], "object_lock_enabled": False,
        "policy": "", "region": region, "replication_configuration": [], "request_payer": "BucketOwner",
        "server_side_encryption_configuration": DEFAULT_SSE, "tags": tags or None,
        "tags_all": with_defaults(tags), "timeouts": None,
        "versioning": [{"enabled": False, "mfa_delete": False}], "website": [], "website_domain": None,
        "website_endpoint": None,
    }
    attrs.update(inline)
    return attrs


def acl_state(name):
    """access_control_policy as the provider reads it back after applying a canned ACL."""
    got = s3().get_bucket_acl(Bucket=name)
    grants = [{"grantee": [{"display_name": g["Grantee"].get("DisplayName", ""),
                            "email_address": g["Grantee"].get("EmailAddress", ""), "id": g["Grantee"].get("ID", ""),
                            "type": g["Grantee"]["Type"], "uri": g["Grantee"].get("URI", "")}],
               "permission": g["Permission"]} for g in got["Grants"]]
    return [{"grant": grants, "owner": [{"display_name": got["Owner"].get("DisplayName", ""), "id": got["Owner"]["ID"]}]}]


def make_key(description, rotation, tags, policy=None):
    client = kms()
    kwargs = {"Description": description, "KeyUsage": "ENCRYPT_DECRYPT", "KeySpec": "SYMMETRIC_DEFAULT",
              "Tags": [{"TagKey": k, "TagValue": v} for k, v in with_defaults(tags).items()]}
    if policy:
        kwargs["Policy"] = json.dumps(policy, indent=4)
    meta = client.create_key(**kwargs)["KeyMetadata"]
    if rotation:
        client.enable_key_rotation(KeyId=meta["KeyId"])
    # The provider stores the policy it read back, as jsonencode would spell it.
    live_policy = json.loads(client.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"])
    attrs = {
        "arn": meta["Arn"], "bypass_policy_lockout_safety_check": False, "custom_key_store_id": "",
        "customer_master_key_spec": "SYMMETRIC_DEFAULT", "deletion_window_in_days": 7, "description": description,
        "enable_key_rotation": rotation, "id": meta["KeyId"], "is_enabled": True, "key_id": meta["KeyId"],
        "key_usage": "ENCRYPT_DECRYPT", "multi_region": False, "policy": jsonencode(live_policy),
        "rotation_period_in_days": 365 if rotation else 0, "tags": tags, "tags_all": with_defaults(tags),
        "timeouts": None, "xks_key_id": "",
    }
    return meta, attrs


def make_alias(name, key):
    kms().create_alias(AliasName=name, TargetKeyId=key["KeyId"])
    return {"arn": f"arn:aws:kms:{EAST}:{ACCOUNT}:{name}", "id": name, "name": name, "name_prefix": "",
            "target_key_arn": key["Arn"], "target_key_id": key["KeyId"]}


def create(out):
    suffix = uuid.uuid4().hex[:8]
    names = {k: f"driftscan-{k}-{suffix}" for k in ("legacy", "data", "logs", "archive")}
    resources = []

    data_key, data_key_attrs = make_key("driftscan data", True, {"Name": "data"}, policy={
        "Version": "2012-10-17", "Id": "data", "Statement": [{
            "Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*", "Resource": "*"}]})
    logs_key, logs_key_attrs = make_key("driftscan logs", False, {"Name": "logs"})
    resources += [resource("aws_kms_key", "data", data_key_attrs), resource("aws_kms_key", "logs", logs_key_attrs),
                  resource("aws_kms_alias", "data", make_alias("alias/driftscan-data", data_key), ["aws_kms_key.data"]),
                  resource("aws_kms_alias", "logs", make_alias("alias/driftscan-logs", logs_key), ["aws_kms_key.logs"])]

    # A bucket configured the provider-3 way, everything inline.
    legacy = names["legacy"]
    client = make_bucket(legacy, EAST, {"Name": "legacy"})
    client.put_bucket_versioning(Bucket=legacy, VersioningConfiguration={"Status": "Enabled"})
    client.put_bucket_encryption(Bucket=legacy, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": data_key["Arn"]},
         "BucketKeyEnabled": False}]})
    state_policy, aws_policy = bucket_policy(legacy, f"arn:aws:iam::{ACCOUNT}:root")
    client.put_bucket_policy(Bucket=legacy, Policy=aws_policy)
    client.put_bucket_acl(Bucket=legacy, ACL="private")
    resources.append(resource("aws_s3_bucket", "legacy", bucket_attrs(
        legacy, EAST, {"Name": "legacy"}, acl="private", policy=state_policy,
        versioning=[{"enabled": True, "mfa_delete": False}],
        server_side_encryption_configuration=[{"rule": sse_rule(data_key["Arn"], False)}]), ["aws_kms_key.data"]))

    # The logs bucket: log delivery may write to it.
    logs = names["logs"]
    client = make_bucket(logs, EAST, {"Name": "logs"})
    client.put_bucket_acl(Bucket=logs, ACL="log-delivery-write")
    client.put_public_access_block(Bucket=logs, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    resources += [
        resource("aws_s3_bucket", "logs", bucket_attrs(logs, EAST, {"Name": "logs"})),
        resource("aws_s3_bucket_acl", "logs", {
            "access_control_policy": acl_state(logs), "acl": "log-delivery-write", "bucket": logs,
            "expected_bucket_owner": "", "id": f"{logs},log-delivery-write"}, ["aws_s3_bucket.logs"]),
        resource("aws_s3_bucket_public_access_block", "logs", {
            "block_public_acls": True, "block_public_policy": True, "bucket": logs, "id": logs,
            "ignore_public_acls": True, "restrict_public_buckets": True}, ["aws_s3_bucket.logs"]),
    ]

    # The data bucket: every configuration its own resource, as provider 4 and later want.
    data = names["data"]
    client = make_bucket(data, EAST, {"Name": "data", "Team": "platform"})
    state_policy, aws_policy = bucket_policy(data, ACCOUNT)
    client.put_bucket_policy(Bucket=data, Policy=aws_policy)
    client.put_public_access_block(Bucket=data, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    client.put_bucket_versioning(Bucket=data, VersioningConfiguration={"Status": "Enabled"})
    client.put_bucket_encryption(Bucket=data, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": data_key["Arn"]},
         "BucketKeyEnabled": True}]})
    client.put_bucket_ownership_controls(Bucket=data, OwnershipControls={"Rules": [
        {"ObjectOwnership": "BucketOwnerPreferred"}]})
    client.put_bucket_lifecycle_configuration(Bucket=data, LifecycleConfiguration={"Rules": [
        {"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 90},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}]})
    client.put_bucket_logging(Bucket=data, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": logs, "TargetPrefix": "data/"}})
    dep = ["aws_s3_bucket.data"]
    resources += [
        # The inline copies were read when the bucket was made, before its configurations: stale.
        resource("aws_s3_bucket", "data", bucket_attrs(data, EAST, {"Name": "data", "Team": "platform"})),
        resource("aws_s3_bucket_policy", "data", {"bucket": data, "id": data, "policy": state_policy}, dep),
        resource("aws_s3_bucket_public_access_block", "data", {
            "block_public_acls": True, "block_public_policy": True, "bucket": data, "id": data,
            "ignore_public_acls": True, "restrict_public_buckets": True}, dep),
        resource("aws_s3_bucket_versioning", "data", {
            "bucket": data, "expected_bucket_owner": "", "id": data, "mfa": None,
            "versioning_configuration": [{"mfa_delete": "", "status": "Enabled"}]}, dep),
        resource("aws_s3_bucket_server_side_encryption_configuration", "data", {
            "bucket": data, "expected_bucket_owner": "", "id": data, "rule": sse_rule(data_key["Arn"], True)},
            dep + ["aws_kms_key.data"]),
        resource("aws_s3_bucket_ownership_controls", "data", {
            "bucket": data, "id": data, "rule": [{"object_ownership": "BucketOwnerPreferred"}]}, dep),
        resource("aws_s3_bucket_lifecycle_configuration", "data", {
            "bucket": data, "expected_bucket_owner": "", "id": data, "timeouts": None,
            "transition_default_minimum_object_size": "all_storage_classes_128K",
            "rule": [{"abort_incomplete_multipart_upload": [{"days_after_initiation": 7}],
                      "expiration": [{"date": "", "days": 90, "expired_object_delete_marker": False}],
                      "filter": [{"and": [], "object_size_greater_than": "", "object_size_less_than": "",
                                  "prefix": "tmp/", "tag": []}],
                      "id": "expire-tmp", "noncurrent_version_expiration": [], "noncurrent_version_transition": [],
                      "prefix": "", "status": "Enabled", "transition": []}]}, dep),
        resource("aws_s3_bucket_logging", "data", {
            "bucket": data, "expected_bucket_owner": "", "id": data, "target_bucket": logs, "target_grant": [],
            "target_object_key_format": [], "target_prefix": "data/"}, dep + ["aws_s3_bucket.logs"]),
    ]

    # A bucket in another region: its reads must go there.
    archive = names["archive"]
    client = make_bucket(archive, WEST, {"Name": "archive"})
    client.put_bucket_versioning(Bucket=archive, VersioningConfiguration={"Status": "Enabled"})
    resources += [
        resource("aws_s3_bucket", "archive", bucket_attrs(archive, WEST, {"Name": "archive"}), provider=AWS_WEST),
        resource("aws_s3_bucket_versioning", "archive", {
            "bucket": archive, "expected_bucket_owner": "", "id": archive, "mfa": None,
            "versioning_configuration": [{"mfa_delete": "", "status": "Enabled"}]},
            ["aws_s3_bucket.archive"], provider=AWS_WEST),
    ]

    # The account's own block, which holds for every bucket.
    s3control().put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration=ACCOUNT_BLOCK_ON)
    resources.append(resource("aws_s3_account_public_access_block", "this", {
        "account_id": ACCOUNT, "block_public_acls": True, "block_public_policy": True, "id": ACCOUNT,
        "ignore_public_acls": True, "restrict_public_buckets": True}))

    ids = {**{f"bucket_{k}": v for k, v in names.items()}, "account": ACCOUNT, "key_data": data_key["KeyId"], "key_logs": logs_key["KeyId"]}
    folder = os.path.join(out, "storage")
    os.makedirs(folder, exist_ok=True)
    state = {"version": 4, "terraform_version": "1.9.8", "serial": 12, "lineage": str(uuid.uuid4()), "outputs": {},
             "resources": resources, "check_results": None}
    with open(os.path.join(folder, "terraform.tfstate"), "w") as f:
        json.dump(state, f, indent=2)
    with open(os.path.join(folder, "estate.json"), "w") as f:
        json.dump(ids, f, indent=2)
    return ids


def drift(out, names):
    with open(os.path.join(out, "storage", "estate.json")) as f:
        ids = json.load(f)
    client, made = s3(), {}
    for name in names:
        data, logs, legacy = ids["bucket_data"], ids["bucket_logs"], ids["bucket_legacy"]
        if name == "bucket-policy-replaced":  # the reader is now anyone
            client.put_bucket_policy(Bucket=data, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{data}/*"}]}))
        elif name == "public-access-block-off":  # one switch flipped in the console
            client.put_public_access_block(Bucket=data, PublicAccessBlockConfiguration={
                "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
                "RestrictPublicBuckets": True})
        elif name == "account-block-off":  # buckets of the account may be made public again
            s3control().put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration={
                **ACCOUNT_BLOCK_ON, "RestrictPublicBuckets": False})
        elif name == "delete-account-block":
            s3control().delete_public_access_block(AccountId=ACCOUNT)
        elif name == "versioning-suspended":
            client.put_bucket_versioning(Bucket=data, VersioningConfiguration={"Status": "Suspended"})
        elif name == "legacy-versioning-suspended":  # an inline block of a provider-3 style bucket
            client.put_bucket_versioning(Bucket=legacy, VersioningConfiguration={"Status": "Suspended"})
        elif name == "legacy-public-read":
            client.put_bucket_acl(Bucket=legacy, ACL="public-read")
        elif name == "bucket-retagged":
            client.put_bucket_tagging(Bucket=data, Tagging={"TagSet": [
                {"Key": k, "Value": v} for k, v in with_defaults({"Name": "data", "Team": "console"}).items()]})
        elif name == "unmanaged-bucket":
            made["bucket_unmanaged"] = f"driftscan-by-hand-{uuid.uuid4().hex[:8]}"
            client.create_bucket(Bucket=made["bucket_unmanaged"])
        elif name == "key-rotation-disabled":
            kms().disable_key_rotation(KeyId=ids["key_data"])
        elif name == "alias-moved":
            kms().update_alias(AliasName="alias/driftscan-data", TargetKeyId=ids["key_logs"])
        elif name == "unmanaged-key":
            made["key_unmanaged"] = kms().create_key(Description="made by hand")["KeyMetadata"]["KeyId"]
        elif name == "delete-bucket-policy":
            client.delete_bucket_policy(Bucket=data)
        elif name == "delete-public-access-block":
            client.delete_public_access_block(Bucket=logs)
        elif name == "delete-archive-bucket":  # the bucket goes, and its versioning with it
            archive = ids["bucket_archive"]
            west = s3(WEST)
            for v in west.list_object_versions(Bucket=archive).get("Versions", []):
                west.delete_object(Bucket=archive, Key=v["Key"], VersionId=v["VersionId"])
            west.delete_bucket(Bucket=archive)
        elif name == "schedule-key-deletion":
            kms().schedule_key_deletion(KeyId=ids["key_logs"], PendingWindowInDays=7)
        elif name == "delete-alias":
            kms().delete_alias(AliasName="alias/driftscan-logs")
        else:
            sys.exit(f"estate_storage.py: unknown drift {name!r}")
    print(json.dumps(made))


if __name__ == "__main__":
    service_cli("estate_storage.py", __doc__, create, drift)
