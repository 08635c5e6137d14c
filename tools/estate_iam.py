#!/usr/bin/env python3
"""The IAM part of the sample estate, for the demo and the behaviour tests.

`create --out DIR` makes roles, users, groups, policies and the rest in the IAM API that
AWS_ENDPOINT_URL points at (the local moto server) and writes `iam/terraform.tfstate` as
`terraform apply` with the AWS provider 5.x writes it: `tags_all` with the provider's default
tags, computed attributes, made-up ids for attachments, and policy documents as `jsonencode`
writes them (compact, sorted keys), which is not how they were sent to IAM nor how IAM returns
them. `drift --out DIR NAME...` changes the live estate out of band.

    provider "aws" { default_tags { tags = { ManagedBy = "terraform" } } }

    aws_iam_role.app (trust: ec2) + aws_iam_role_policy.app_logs + aws_iam_policy.app_read
      + aws_iam_role_policy_attachment.app_read, aws_iam_instance_profile.app
    aws_iam_role.deploy (managed_policy_arns inline: ReadOnlyAccess)
    aws_iam_role.ci + aws_iam_role_policy_attachments_exclusive.ci (ReadOnlyAccess)
    aws_iam_user.alice + aws_iam_user_policy.alice_mfa + aws_iam_user_policy_attachment.alice_ro
      + aws_iam_access_key.alice (its secret is in the state, as Terraform keeps it)
    aws_iam_group.devs + aws_iam_group_policy.devs_logs + aws_iam_group_policy_attachment.devs_ro
      + aws_iam_group_membership.devs (alice)
    aws_iam_user.bob + aws_iam_group.ops + aws_iam_user_group_membership.bob (ops)
    aws_iam_openid_connect_provider.github, aws_iam_policy.read_only, aws_iam_policy.admin
    aws_iam_policy.ops_read + aws_iam_policy_attachment.ops_read (exclusively: bob and ops)
  and, made by AWS, never declared: the service-linked role AWSServiceRoleForAutoScaling.
"""
import json
import os
import sys

import boto3

from estate import AWS, instance_entry, resource, state, service_cli

ACCOUNT = os.environ.get("ESTATE_ACCOUNT", "123456789012")
DEFAULT_TAGS = {"ManagedBy": "terraform"}
# moto does not load AWS-managed policies unless told to (slowly): the estate declares its
# own read-only and admin policies, attached as AWS's would be.
READ_ONLY = f"arn:aws:iam::{ACCOUNT}:policy/read-only"
ADMIN = f"arn:aws:iam::{ACCOUNT}:policy/admin"
# The secret an access key's state holds: no output of driftscan may ever contain it.
ACCESS_KEY_SECRET_MARK = "secret_access_key"


def jsonencode(doc):
    """Terraform's jsonencode: compact, keys sorted."""
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


def sent(doc):
    """How a hand-written or SDK caller sends a document: indented, keys in its own order."""
    return json.dumps(doc, indent=2)


def trust(service):
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}]}


def allow(actions, resource_arn="*"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource_arn}]}


def iam_arn(kind, name, path="/"):
    return f"arn:aws:iam::{ACCOUNT}:{kind}{path}{name}"


def tags(own):
    return {"tags": own or None, "tags_all": {**DEFAULT_TAGS, **own}}


def aws_tags(own):
    return [{"Key": k, "Value": v} for k, v in {**DEFAULT_TAGS, **own}.items()]


def make_role(iam, name, service, own_tags, inline=(), managed=(), description=""):
    # The document as sent: one-element lists where the state has strings.
    doc = trust(service)
    as_sent = {"Statement": [{"Principal": {"Service": [service]}, "Action": ["sts:AssumeRole"], "Effect": "Allow"}],
               "Version": "2012-10-17"}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=sent(as_sent), Description=description,
                           Tags=aws_tags(own_tags))["Role"]
    attrs = {
        "arn": role["Arn"], "assume_role_policy": jsonencode(doc), "create_date": "2026-11-02T09:00:00Z",
        "description": description, "force_detach_policies": False, "id": name,
        "inline_policy": [{"name": n, "policy": jsonencode(p)} for n, p in inline],
        "managed_policy_arns": sorted(managed), "max_session_duration": 3600, "name": name, "name_prefix": "",
        "path": "/", "permissions_boundary": "", **tags(own_tags), "unique_id": role["RoleId"],
    }
    return attrs


def create(out):
    iam = boto3.client("iam")
    res = []

    def add(rtype, name, attrs, deps=(), schema_version=0, sensitive=()):
        entry = instance_entry(attrs, list(deps), schema_version=schema_version)
        entry["sensitive_attributes"] = [[{"type": "get_attr", "value": k}] for k in sensitive]
        res.append(resource(rtype, name, [entry]))

    # The app role, its inline policy, a customer-managed policy attached one by one.
    logs = allow(["logs:CreateLogStream", "logs:PutLogEvents"])
    read = allow("s3:GetObject", "arn:aws:s3:::app-data/*")
    add("aws_iam_role", "app", make_role(iam, "app", "ec2.amazonaws.com", {"Name": "app"},
                                         inline=[("app-logs", logs)], managed=[]))
    iam.put_role_policy(RoleName="app", PolicyName="app-logs", PolicyDocument=sent(logs))
    add("aws_iam_role_policy", "app_logs", {"id": "app:app-logs", "name": "app-logs", "name_prefix": "",
                                             "policy": jsonencode(logs), "role": "app"}, ["aws_iam_role.app"])
    policy = iam.create_policy(PolicyName="app-read", Path="/", Description="read the app's data",
                               PolicyDocument=sent(read), Tags=aws_tags({}))["Policy"]
    add("aws_iam_policy", "app_read", {
        "arn": policy["Arn"], "attachment_count": 1, "description": "read the app's data", "id": policy["Arn"],
        "name": "app-read", "name_prefix": "", "path": "/", "policy": jsonencode(read),
        "policy_id": policy["PolicyId"], **tags({})})
    iam.attach_role_policy(RoleName="app", PolicyArn=policy["Arn"])
    add("aws_iam_role_policy_attachment", "app_read",
        {"id": "app-20261102090000000000000001", "policy_arn": policy["Arn"], "role": "app"},
        ["aws_iam_policy.app_read", "aws_iam_role.app"])
    # After the attachment Terraform's next refresh writes it into the role too.
    res[0]["instances"][0]["attributes"]["managed_policy_arns"] = [policy["Arn"]]
    profile = iam.create_instance_profile(InstanceProfileName="app", Path="/", Tags=aws_tags({}))["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    add("aws_iam_instance_profile", "app", {
        "arn": profile["Arn"], "create_date": "2026-11-02T09:00:00Z", "id": "app", "name": "app",
        "name_prefix": "", "path": "/", "role": "app", **tags({}), "unique_id": profile["InstanceProfileId"]},
        ["aws_iam_role.app"])

    for pname, doc in (("read-only", allow(["*:Describe*", "*:Get*", "*:List*"])), ("admin", allow("*"))):
        made = iam.create_policy(PolicyName=pname, PolicyDocument=sent(doc))["Policy"]
        add("aws_iam_policy", pname.replace("-", "_"), {
            "arn": made["Arn"], "attachment_count": 0, "description": "", "id": made["Arn"], "name": pname,
            "name_prefix": "", "path": "/", "policy": jsonencode(doc), "policy_id": made["PolicyId"], **tags({})})

    # deploy declares its managed policies inline; ci through the exclusive set.
    add("aws_iam_role", "deploy", make_role(iam, "deploy", "codebuild.amazonaws.com", {}, managed=[READ_ONLY],
                                            description="pipeline deploys"))
    iam.attach_role_policy(RoleName="deploy", PolicyArn=READ_ONLY)
    add("aws_iam_role", "ci", make_role(iam, "ci", "codebuild.amazonaws.com", {}, managed=[READ_ONLY]))
    iam.attach_role_policy(RoleName="ci", PolicyArn=READ_ONLY)
    add("aws_iam_role_policy_attachments_exclusive", "ci", {"policy_arns": [READ_ONLY], "role_name": "ci"},
        ["aws_iam_role.ci"])

    # alice: an inline policy, an attachment, an access key; devs: a group with both and alice in it.
    mfa = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}
    for name in ("alice", "bob"):
        user = iam.create_user(UserName=name, Path="/", Tags=aws_tags({"Team": "platform"}))["User"]
        add("aws_iam_user", name, {
            "arn": user["Arn"], "force_destroy": False, "id": name, "name": name, "path": "/",
            "permissions_boundary": "", **tags({"Team": "platform"}), "unique_id": user["UserId"]})
    iam.put_user_policy(UserName="alice", PolicyName="require-mfa", PolicyDocument=sent(mfa))
    add("aws_iam_user_policy", "alice_mfa", {"id": "alice:require-mfa", "name": "require-mfa", "name_prefix": "",
                                              "policy": jsonencode(mfa), "user": "alice"}, ["aws_iam_user.alice"])
    iam.attach_user_policy(UserName="alice", PolicyArn=READ_ONLY)
    add("aws_iam_user_policy_attachment", "alice_ro",
        {"id": "alice-20261102090000000000000002", "policy_arn": READ_ONLY, "user": "alice"}, ["aws_iam_user.alice"])
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    add("aws_iam_access_key", "alice", {
        "create_date": "2026-11-02T09:00:00Z", "encrypted_secret": None, "encrypted_ses_smtp_password_v4": None,
        "id": key["AccessKeyId"], "key_fingerprint": None, "pgp_key": None, "secret": key["SecretAccessKey"],
        "ses_smtp_password_v4": "BK" + key["SecretAccessKey"][:30], "status": "Active", "user": "alice"},
        ["aws_iam_user.alice"], sensitive=["secret", "ses_smtp_password_v4"])
    for name in ("devs", "ops"):
        group = iam.create_group(GroupName=name, Path="/")["Group"]
        add("aws_iam_group", name, {"arn": group["Arn"], "id": name, "name": name, "path": "/",
                                    "unique_id": group["GroupId"]})
    iam.put_group_policy(GroupName="devs", PolicyName="logs", PolicyDocument=sent(logs))
    add("aws_iam_group_policy", "devs_logs", {"group": "devs", "id": "devs:logs", "name": "logs", "name_prefix": "",
                                              "policy": jsonencode(logs)}, ["aws_iam_group.devs"])
    iam.attach_group_policy(GroupName="devs", PolicyArn=READ_ONLY)
    add("aws_iam_group_policy_attachment", "devs_ro",
        {"group": "devs", "id": "devs-20261102090000000000000003", "policy_arn": READ_ONLY}, ["aws_iam_group.devs"])
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    add("aws_iam_group_membership", "devs", {"group": "devs", "id": "devs-members", "name": "devs-members",
                                             "users": ["alice"]}, ["aws_iam_group.devs", "aws_iam_user.alice"])
    iam.add_user_to_group(GroupName="ops", UserName="bob")
    add("aws_iam_user_group_membership", "bob", {"groups": ["ops"], "id": "terraform-20261102090000000000000004",
                                                 "user": "bob"}, ["aws_iam_group.ops", "aws_iam_user.bob"])

    # A policy whose every attachment is declared as one exclusive resource.
    listing = allow("s3:ListBucket")
    shared_read = iam.create_policy(PolicyName="ops-read", PolicyDocument=sent(listing))["Policy"]
    add("aws_iam_policy", "ops_read", {
        "arn": shared_read["Arn"], "attachment_count": 2, "description": "", "id": shared_read["Arn"],
        "name": "ops-read", "name_prefix": "", "path": "/", "policy": jsonencode(listing),
        "policy_id": shared_read["PolicyId"], **tags({})})
    shared_read = shared_read["Arn"]
    iam.attach_user_policy(UserName="bob", PolicyArn=shared_read)
    iam.attach_group_policy(GroupName="ops", PolicyArn=shared_read)
    add("aws_iam_policy_attachment", "ops_read", {"groups": ["ops"], "id": "ops-read", "name": "ops-read",
                                                  "policy_arn": shared_read, "roles": [], "users": ["bob"]},
        ["aws_iam_group.ops", "aws_iam_policy.ops_read", "aws_iam_user.bob"])

    thumb = "6938fd4d98bab03faadb97b34396831e3780aea1"
    oidc = iam.create_open_id_connect_provider(Url="https://token.actions.githubusercontent.com",
                                               ClientIDList=["sts.amazonaws.com"], ThumbprintList=[thumb],
                                               Tags=aws_tags({}))["OpenIDConnectProviderArn"]
    add("aws_iam_openid_connect_provider", "github", {
        "arn": oidc, "client_id_list": ["sts.amazonaws.com"], "id": oidc, **tags({}),
        "thumbprint_list": [thumb], "url": "https://token.actions.githubusercontent.com"})

    # AWS makes this one for Auto Scaling by itself: nobody declares it.
    iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")

    os.makedirs(os.path.join(out, "iam"), exist_ok=True)
    with open(os.path.join(out, "iam", "terraform.tfstate"), "w") as f:
        json.dump(state(res, 7), f, indent=2)
    ids = {"policy_app_read": policy["Arn"], "oidc": oidc, "access_key": key["AccessKeyId"],
           "access_key_secret": key["SecretAccessKey"]}
    with open(os.path.join(out, "iam", "estate.json"), "w") as f:
        json.dump(ids, f)
    return ids


def drift(out, names):
    with open(os.path.join(out, "iam", "estate.json")) as f:
        ids = json.load(f)
    iam = boto3.client("iam")
    for name in names:
        if name == "trust-widened":  # anyone in any account may now assume the app role
            doc = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}},
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}}]}
            iam.update_assume_role_policy(RoleName="app", PolicyDocument=json.dumps(doc))
        elif name == "admin-attached":  # AdministratorAccess attached in the console
            iam.attach_role_policy(RoleName="app", PolicyArn=ADMIN)
        elif name == "inline-edited":
            iam.put_role_policy(RoleName="app", PolicyName="app-logs",
                                PolicyDocument=json.dumps(allow(["logs:*"])))
        elif name == "policy-version":  # a new default version of the managed policy
            iam.create_policy_version(PolicyArn=ids["policy_app_read"], SetAsDefault=True,
                                      PolicyDocument=json.dumps(allow("s3:*", "*")))
        elif name == "user-created":
            iam.create_user(UserName="mallory")
        elif name == "deploy-attached":  # a role that declares its policies inline
            iam.attach_role_policy(RoleName="deploy", PolicyArn=ADMIN)
        elif name == "ci-attached":  # a role whose attachments are declared as one exclusive set
            iam.attach_role_policy(RoleName="ci", PolicyArn=ADMIN)
        elif name == "user-policy-deleted":
            iam.delete_user_policy(UserName="alice", PolicyName="require-mfa")
        elif name == "member-added":
            iam.add_user_to_group(GroupName="devs", UserName="bob")
        elif name == "shared-policy-attached":  # the exclusively attached policy, attached to one more role
            iam.attach_role_policy(RoleName="app", PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/ops-read")
        elif name == "role-deleted":
            iam.remove_role_from_instance_profile(InstanceProfileName="app", RoleName="app")
        else:
            sys.exit(f"estate_iam.py: unknown drift {name}")


if __name__ == "__main__":
    service_cli("estate_iam.py", __doc__, create, drift)
