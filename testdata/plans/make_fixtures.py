#!/usr/bin/env python3
"""Writes the plan fixtures of `driftscan check`: `terraform show -json` output of each plan
format version, shaped after the real plans in ../shared/reference/plans/ (format 1.2) and after
what each Terraform release added:

- 0.1 (Terraform 0.12-0.14): resource_changes, prior_state, planned_values, configuration; no
  sensitive mirrors, no resource_drift; provider_name is the bare "aws".
- 0.2 (Terraform 0.15.4-1.0): resource_drift, before_sensitive/after_sensitive, sensitive_values.
- 1.0 (Terraform 1.1): action_reason; drift of a resource deleted outside Terraform.
- 1.1 (Terraform 1.2-1.4): replace_paths, relevant_attributes.
- 1.2 (Terraform 1.5+): checks, timestamp, applyable, complete, errored.

Rerun after editing: `python3 testdata/plans/make_fixtures.py`.
"""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ACCOUNT = "123456789012"
REG = "registry.terraform.io/hashicorp/aws"


def arn(region, kind, rid):
    return f"arn:aws:ec2:{region}:{ACCOUNT}:{kind}/{rid}"


def instance(iid, itype, region="us-east-1", name="web-0", user_data=None):
    return {
        "ami": "ami-0abcdef1234567890", "arn": arn(region, "instance", iid), "availability_zone": region + "a",
        "id": iid, "instance_type": itype, "key_name": "", "monitoring": False, "private_ip": "10.10.0.12",
        "public_ip": "", "subnet_id": "subnet-0a1b2c3d", "tags": {"Name": name},
        "tags_all": {"ManagedBy": "terraform", "Name": name}, "user_data": user_data,
        "vpc_security_group_ids": ["sg-0c351afd5a771fb0"],
    }


def subnet(sid, cidr, az, name):
    return {"arn": arn(az[:-1], "subnet", sid), "availability_zone": az, "cidr_block": cidr, "id": sid,
            "map_public_ip_on_launch": False, "tags": {"Name": name}, "tags_all": {"Name": name},
            "vpc_id": "vpc-0a1b2c3d4e5f60718"}


def vpc(tags):
    return {"arn": arn("us-east-1", "vpc", "vpc-0a1b2c3d4e5f60718"), "cidr_block": "10.10.0.0/16",
            "enable_dns_hostnames": True, "enable_dns_support": True, "id": "vpc-0a1b2c3d4e5f60718",
            "instance_tenancy": "default", "tags": {"Name": "main"}, "tags_all": tags}


def split_address(address):
    """(module_address, type, name, index) of a resource address."""
    parts, depth, cur, quoted = [], 0, "", False
    for c in address:
        if c == '"':
            quoted = not quoted
        if c == "[" and not quoted:
            depth += 1
        if c == "]" and not quoted:
            depth -= 1
        if c == "." and depth == 0 and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    module = []
    while parts[0] == "module":
        module += parts[:2]
        parts = parts[2:]
    rtype, name = parts[0], parts[1]
    index = None
    if "[" in name:
        name, key = name[:-1].split("[", 1)
        index = json.loads(key)
    return (".".join(module) or None), rtype, name, index


def rc(address, actions, before, after, unknown=None, v="1.2", before_sensitive=None, after_sensitive=None,
       deposed=None, reason=None, replace_paths=None, mode="managed"):
    module, rtype, name, index = split_address(address)
    entry = {"address": address}
    if module:
        entry["module_address"] = module
    entry.update({"mode": mode, "type": rtype, "name": name})
    if index is not None:
        entry["index"] = index
    if deposed:
        entry["deposed"] = deposed
    entry["provider_name"] = "aws" if v == "0.1" else REG
    change = {"actions": actions, "before": before, "after": after, "after_unknown": unknown or {}}
    if v != "0.1":
        change["before_sensitive"] = before_sensitive if before_sensitive is not None else (False if before is None else {})
        change["after_sensitive"] = after_sensitive if after_sensitive is not None else (False if after is None else {})
    if replace_paths and v not in ("0.1", "0.2", "1.0"):
        change["replace_paths"] = replace_paths
    entry["change"] = change
    if reason and v not in ("0.1", "0.2"):
        entry["action_reason"] = reason
    return entry


def state_resource(address, values, v, sensitive=None, deposed=None):
    module, rtype, name, index = split_address(address)
    r = {"address": address, "mode": "managed", "type": rtype, "name": name}
    if index is not None:
        r["index"] = index
    r.update({"provider_name": "aws" if v == "0.1" else REG, "schema_version": 1, "values": values})
    if v != "0.1":
        r["sensitive_values"] = sensitive or {}
    if deposed:
        r["deposed_key"] = deposed
    return r, module


def modules(resources):
    """Nests (resource, module) pairs into root_module/child_modules as Terraform does."""
    root = {"resources": [], "child_modules": []}
    index = {None: root}

    def module_of(path):
        if path not in index:
            parts = path.split(".")
            parent = module_of(".".join(parts[:-2])) if len(parts) > 2 else root
            child = {"resources": [], "address": path}
            parent.setdefault("child_modules", []).append(child)
            index[path] = child
        return index[path]

    for r, module in resources:
        (module_of(module) if module else root)["resources"].append(r)
    for m in index.values():
        if not m.get("child_modules"):
            m.pop("child_modules", None)
    return root


def plan(v, tf, prior, changes, drift=None, config=None, variables=None, extra=None):
    """A whole plan: planned_values from the changes' after values, prior_state from `prior`."""
    planned = []
    for c in changes:
        if c["mode"] != "managed" or c["change"]["actions"] == ["delete"] or "deposed" in c:
            continue
        values = {k: val for k, val in (c["change"]["after"] or {}).items()}
        r, module = state_resource(c["address"], values, v, c["change"].get("after_sensitive") or {})
        planned.append((r, module))
    doc = {"format_version": v, "terraform_version": tf}
    if variables:
        doc["variables"] = variables
    doc["planned_values"] = {"root_module": modules(planned)}
    if drift is not None:
        doc["resource_drift"] = drift
    doc["resource_changes"] = changes
    doc["prior_state"] = {"format_version": "0.1" if v == "0.1" else "1.0", "terraform_version": tf,
                          "values": {"root_module": modules(prior)}}
    doc["configuration"] = config
    doc.update(extra or {})
    return doc


def config(region_expr, module_prefix_key):
    """configuration: two providers (the root one and `west`), resources and a module call."""
    def res(address, key):
        _, rtype, name, _ = split_address(address)
        return {"address": address, "mode": "managed", "type": rtype, "name": name, "provider_config_key": key,
                "expressions": {}, "schema_version": 1}
    return {
        "provider_config": {
            "aws": {"name": "aws", "full_name": REG, "expressions": {"region": region_expr}},
            "aws.west": {"name": "aws", "full_name": REG, "alias": "west",
                         "expressions": {"region": {"constant_value": "eu-west-1"}}},
        },
        "root_module": {
            "resources": [res("aws_instance.web", "aws"), res("aws_eip.web", "aws"), res("aws_vpc.main", "aws"),
                          res("aws_launch_template.web", "aws"), res("aws_instance.replica", "aws.west")],
            "module_calls": {"network": {"source": "./modules/network", "module": {
                "resources": [res("aws_subnet.private", module_prefix_key + "aws")]}}},
        },
    }


def write(name, doc):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def v01():
    v = "0.1"
    web = instance("i-0d3ce4da2062a0b2b", "t3.micro")
    sn1 = subnet("subnet-0b2c3d4e", "10.10.1.0/24", "us-east-1b", "private-1")
    sn1_new = {**sn1, "cidr_block": "10.10.9.0/24", "arn": None, "id": None}
    prior = [state_resource("aws_instance.web[0]", web, v), state_resource("module.network.aws_subnet.private[1]", sn1, v)]
    changes = [
        rc("data.aws_ami.base", ["read"], None, {"id": "ami-0abcdef1234567890"}, v=v, mode="data"),
        rc("aws_instance.web[0]", ["update"], web, {**web, "instance_type": "t3.small"}, v=v),
        rc("module.network.aws_subnet.private[1]", ["delete", "create"], sn1, sn1_new,
           {"arn": True, "id": True, "tags": {}, "tags_all": {}}, v=v),
        rc("aws_eip.web", ["create"], None, {"domain": "vpc", "instance": "i-0d3ce4da2062a0b2b", "tags": None},
           {"allocation_id": True, "id": True, "public_ip": True, "tags_all": True}, v=v),
    ]
    write("v0.1-terraform-0.12.json",
          plan(v, "0.12.31", prior, changes, config=config({"constant_value": "us-east-1"}, "network:")))


def v02():
    v = "0.2"
    before = instance("i-0d3ce4da2062a0b2b", "t3.micro", user_data="c2VjcmV0LXYx")
    refreshed = {**before, "instance_type": "t3.large"}
    sens = {"user_data": True}
    prior = [state_resource("aws_instance.web[0]", refreshed, v, sens)]
    drift = [rc("aws_instance.web[0]", ["update"], before, refreshed, v=v, before_sensitive=sens, after_sensitive=sens)]
    # Terraform 1.0.x writes resource_drift entries without "address": only its parts.
    for d in drift:
        del d["address"]
    changes = [
        rc("aws_instance.web[0]", ["update"], refreshed,
           {**refreshed, "instance_type": "t3.micro", "user_data": "c2VjcmV0LXYy"}, v=v,
           before_sensitive=sens, after_sensitive=sens),
        rc("aws_instance.web[1]", ["no-op"], instance("i-0e4df5eb3173b1c3c", "t3.micro", name="web-1"),
           instance("i-0e4df5eb3173b1c3c", "t3.micro", name="web-1"), v=v),
    ]
    write("v0.2-terraform-1.0.json",
          plan(v, "1.0.11", prior, changes, drift=drift, config=config({"constant_value": "us-east-1"}, "network:")))


def v10():
    v = "1.0"
    tags = {"ManagedBy": "terraform", "Name": "main"}
    drifted = {**tags, "Owner": "console"}
    eip = {"allocation_id": "eipalloc-0f1e2d3c", "arn": arn("us-east-1", "elastic-ip", "eipalloc-0f1e2d3c"),
           "domain": "vpc", "id": "eipalloc-0f1e2d3c", "instance": "", "public_ip": "198.51.100.20",
           "tags": {"Name": "web"}, "tags_all": {"Name": "web"}}
    replica = instance("i-0cdc544620b8e9977", "t3.small", region="eu-west-1", name="replica")
    prior = [state_resource("aws_vpc.main", vpc(drifted), v), state_resource("aws_instance.replica", replica, v)]
    drift = [
        rc("aws_vpc.main", ["update"], vpc(tags), vpc(drifted), v=v),
        rc("aws_eip.web", ["delete"], eip, None, v=v),
    ]
    changes = [
        rc("aws_vpc.main", ["update"], vpc(drifted), {**vpc(drifted), "tags_all": tags}, v=v),
        rc("aws_eip.web", ["create"], None, {**{k: None for k in eip}, "domain": "vpc", "tags": {"Name": "web"},
                                             "tags_all": {"Name": "web"}},
           {"allocation_id": True, "arn": True, "id": True, "public_ip": True}, v=v),
        rc("aws_instance.replica", ["delete", "create"], replica,
           {**replica, "ami": "ami-0fedcba9876543210", "arn": None, "id": None, "private_ip": None},
           {"arn": True, "id": True, "private_ip": True}, v=v, reason="replace_because_cannot_update"),
    ]
    write("v1.0-terraform-1.1.json",
          plan(v, "1.1.9", prior, changes, drift=drift, config=config({"constant_value": "us-east-1"}, "network:")))


def v11():
    v = "1.1"
    sa = subnet("subnet-0a0a0a0a", "10.10.4.0/24", "us-east-1a", "app-a")
    lt = {"arn": arn("us-east-1", "launch-template", "lt-0123456789abcdef0"), "default_version": 3,
          "id": "lt-0123456789abcdef0", "latest_version": 3, "name": "web", "tags": {}, "tags_all": {}}
    prior = [state_resource('module.app.module.net.aws_subnet.this["a"]', sa, v),
             state_resource("aws_launch_template.web", lt, v)]
    changes = [
        rc('module.app.module.net.aws_subnet.this["a"]', ["delete", "create"], sa,
           {**sa, "availability_zone": "us-east-1c", "arn": None, "id": None},
           {"arn": True, "id": True}, v=v, reason="replace_because_cannot_update",
           replace_paths=[["availability_zone"]]),
        rc("aws_launch_template.web", ["update"], lt, {**lt, "latest_version": None, "name": "web-v2"},
           {"latest_version": True}, v=v),
    ]
    extra = {"relevant_attributes": [{"resource": "aws_launch_template.web", "attribute": ["id"]}]}
    write("v1.1-terraform-1.3.json",
          plan(v, "1.3.9", prior, changes, drift=None, config=config({"constant_value": "us-east-1"}, "app.net:"),
               extra=extra))


def v12():
    v = "1.2"
    before = instance("i-0d3ce4da2062a0b2b", "t3.micro", user_data="c2VjcmV0LXYx")
    refreshed = {**before, "instance_type": "t3.large", "monitoring": True}
    sens = {"user_data": True}
    old = instance("i-0aaaaaaaaaaaaaaaa", "t3.micro", name="web-1")
    prior = [state_resource("aws_instance.web[0]", refreshed, v, sens),
             state_resource("aws_instance.web[1]", old, v, deposed="a1b2c3d4")]
    drift = [rc("aws_instance.web[0]", ["update"], before, refreshed, v=v, before_sensitive=sens,
                after_sensitive=sens)]
    changes = [
        rc("aws_instance.web[0]", ["update"], refreshed,
           {**refreshed, "instance_type": "t3.small", "public_ip": None, "user_data": "c2VjcmV0LXYy"},
           {"public_ip": True}, v=v, before_sensitive=sens, after_sensitive=sens),
        rc("aws_instance.web[1]", ["delete"], old, None, v=v, deposed="a1b2c3d4"),
        rc("module.network.aws_subnet.private[2]", ["create"], None,
           {**subnet("x", "10.10.2.0/24", "us-east-1c", "private-2"), "arn": None, "id": None},
           {"arn": True, "id": True}, v=v),
    ]
    variables = {"aws_region": {"value": "us-east-1"}}
    extra = {"relevant_attributes": [{"resource": "aws_instance.web[0]", "attribute": ["instance_type"]}],
             "checks": [], "timestamp": "2026-12-01T09:30:00Z", "applyable": True, "complete": True,
             "errored": False}
    write("v1.2-terraform-1.9.json",
          plan(v, "1.9.8", prior, changes, drift=drift,
               config=config({"references": ["var.aws_region"]}, "network:"), variables=variables, extra=extra))


def sg_rule(port, cidr, description=""):
    return {"cidr_blocks": [cidr], "description": description, "from_port": port, "ipv6_cidr_blocks": [],
            "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": False, "to_port": port}


def group(gid, name, ingress, description, tags):
    return {"arn": arn("us-east-1", "security-group", gid), "description": description,
            "egress": [{**sg_rule(0, "0.0.0.0/0"), "protocol": "-1"}], "id": gid, "ingress": ingress,
            "name": name, "name_prefix": "", "owner_id": ACCOUNT, "revoke_rules_on_delete": False,
            "tags": tags, "tags_all": {"ManagedBy": "terraform", **(tags or {})}, "timeouts": None,
            "vpc_id": "vpc-0a1b2c3d"}


def v12_rules():
    """Drift Terraform reports that a scan does not: empty spellings, rules declared on their own."""
    v = "1.2"
    ssh = sg_rule(22, "10.0.0.0/8")
    # aws_security_group.app: rules only as aws_security_group_rule; refreshed, its ingress holds them.
    app_before = group("sg-0a0a0a0a0a0a0a0a0", "app", [], None, None)
    app_after = group("sg-0a0a0a0a0a0a0a0a0", "app", [ssh], "", {})
    rule = {"cidr_blocks": ["10.0.0.0/8"], "description": None, "from_port": 22, "id": "sgrule-2541011245",
            "ipv6_cidr_blocks": None, "prefix_list_ids": [], "protocol": "tcp", "security_group_id": "sg-0a0a0a0a0a0a0a0a0",
            "security_group_rule_id": "sgr-0123456789abcdef0", "self": False, "source_security_group_id": None,
            "timeouts": None, "to_port": 22, "type": "ingress"}
    # aws_security_group.web: inline rules; someone opened port 22 to the world in the console.
    web_before = group("sg-0c351afd5a771fb0", "web", [sg_rule(443, "0.0.0.0/0", "https")], "web", {"Name": "web"})
    web_after = {**web_before, "ingress": [sg_rule(443, "0.0.0.0/0", "https"), sg_rule(22, "0.0.0.0/0")]}
    logs = lambda policies: {"arn": arn("us-east-1", "log-group", "/app"), "id": "/app", "name": "/app",
                             "kms_key_id": "", "retention_in_days": 30, "tags": None, "tags_all": {},
                             "resource_policies": policies}
    prior = [state_resource("aws_security_group.app", app_after, v), state_resource("aws_security_group.web", web_after, v),
             state_resource("aws_security_group_rule.app_ssh", rule, v),
             state_resource("aws_cloudwatch_log_group.app", logs([]), v)]
    drift = [rc("aws_security_group.app", ["update"], app_before, app_after, v=v),
             rc("aws_security_group.web", ["update"], web_before, web_after, v=v),
             rc("aws_cloudwatch_log_group.app", ["update"], logs(None), logs([]), v=v)]
    # The plan puts the app group's inline rules back to none: with the drift gone, no clobber.
    changes = [rc("aws_security_group.app", ["update"], app_after, {**app_after, "ingress": []}, v=v),
               rc("aws_security_group.web", ["update"], web_after, {**web_after, "tags": {"Name": "web", "Tier": "front"},
                  "tags_all": {"ManagedBy": "terraform", "Name": "web", "Tier": "front"}}, v=v)]
    extra = {"relevant_attributes": [{"resource": "aws_security_group.app", "attribute": ["ingress"]}],
             "timestamp": "2026-12-01T09:30:00Z", "applyable": True, "complete": True, "errored": False}
    write("v1.2-terraform-1.9-no-drift.json",
          plan(v, "1.9.8", prior, changes, drift=drift, config=config({"constant_value": "us-east-1"}, "network:"),
               extra=extra))


def not_plans():
    d = os.path.join(HERE, "not-a-plan")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "terraform.tfstate"), "w") as f:
        json.dump({"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "x", "outputs": {},
                   "resources": []}, f)
    with open(os.path.join(d, "show-state.json"), "w") as f:
        json.dump({"format_version": "1.0", "terraform_version": "1.9.8", "values": {"root_module": {}}}, f)
    with open(os.path.join(d, "future.json"), "w") as f:
        json.dump({"format_version": "2.0", "terraform_version": "2.0.0", "resource_changes": []}, f)
    with open(os.path.join(d, "main.tf"), "w") as f:
        f.write('resource "aws_vpc" "main" {\n  cidr_block = "10.10.0.0/16"\n}\n')
    with open(os.path.join(d, "tfplan.bin"), "wb") as f:
        f.write(b"PK\x03\x04\x14\x00\x08\x00tfplan\x00\xff\xfe")
    open(os.path.join(d, "empty.json"), "w").close()


if __name__ == "__main__":
    v01(), v02(), v10(), v11(), v12(), v12_rules(), not_plans()
