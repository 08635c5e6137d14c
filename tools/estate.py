#!/usr/bin/env python3
"""Sample estate for the demo and the behaviour tests.

`create` makes real resources in the AWS API that AWS_ENDPOINT_URL points at (the local moto
server) and writes the Terraform state files that `terraform apply` with the AWS provider 5.x
would have written for them. `drift NAME...` then changes the live estate out of band, the way
a console click or a 3 a.m. script would.

The estate, as the Terraform configuration would declare it:

    provider "aws" { region = "us-east-1"  default_tags { tags = { ManagedBy = "terraform" } } }
    provider "aws" { alias = "west"  region = "eu-west-1"  default_tags { ... } }

    infra/terraform.tfstate
      aws_vpc.main, aws_security_group.web, aws_instance.web[0..1]      (us-east-1)
      module.network.aws_subnet.private[0..1]                          (us-east-1, count)
      aws_vpc.replica, aws_subnet.replica, aws_security_group.replica,
      aws_instance.replica                                              (eu-west-1, provider alias)
      data.aws_ami.base                                                 (data source: skipped)
    envs/data/terraform.tfstate
      aws_ebs_volume.data["logs"]                                       (us-east-1, for_each)
      random_id.suffix                                                  (non-AWS provider: ignored)
    envs/network/terraform.tfstate  (a root module whose providers set no default_tags)
      us-east-1, in aws_vpc.main: aws_internet_gateway.main, aws_route_table.public (inline
      route) + aws_route_table_association.public, aws_route_table.private + aws_route.nat,
      aws_eip.nat + aws_nat_gateway.main, aws_eip.web + aws_eip_association.web,
      aws_network_interface.extra, aws_key_pair.deployer, aws_launch_template.web,
      aws_network_acl.private, aws_security_group.api with aws_security_group_rule.api_https
      (two CIDRs), aws_vpc_security_group_ingress_rule.api_ssh and ..._egress_rule.api_all,
      aws_default_security_group.main, aws_default_route_table.main, aws_default_network_acl.main
      eu-west-1: aws_default_vpc.default, aws_default_subnet.a, aws_internet_gateway.replica,
      aws_route_table.replica (inline route), aws_eip.replica

The ids of what was made are written to `estate.json` beside the states so tests can name them.
"""
import argparse
import json
import os
import sys
import uuid
import zlib

import boto3

# The account the credentials belong to: moto's default, or (ESTATE_ACCOUNT) the account of an
# assumed role, for tests of several accounts in one run.
ACCOUNT = os.environ.get("ESTATE_ACCOUNT", "123456789012")
EAST = "us-east-1"
WEST = "eu-west-1"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
DEFAULT_TAGS = {"ManagedBy": "terraform"}


def client(region):
    return boto3.client("ec2", region_name=region)


def tags_spec(kind, tags):
    return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def with_defaults(tags):
    return {**DEFAULT_TAGS, **tags}


def arn(region, kind, rid):
    return f"arn:aws:ec2:{region}:{ACCOUNT}:{kind}/{rid}"


def rule(protocol, from_port, to_port, cidrs=(), description="", self_ref=False, groups=()):
    return {
        "cidr_blocks": list(cidrs),
        "description": description,
        "from_port": from_port,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "protocol": protocol,
        "security_groups": list(groups),
        "self": self_ref,
        "to_port": to_port,
    }


def api_permission(r):
    perm = {"IpProtocol": r["protocol"], "FromPort": r["from_port"], "ToPort": r["to_port"]}
    if r["protocol"] == "-1":
        perm.pop("FromPort")
        perm.pop("ToPort")
    perm["IpRanges"] = [{"CidrIp": c, "Description": r["description"]} if r["description"] else {"CidrIp": c}
                        for c in r["cidr_blocks"]]
    return perm


def make_vpc(ec2, region, cidr, tags):
    vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=tags_spec("vpc", with_defaults(tags)))["Vpc"]
    vid = vpc["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    main_rt = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vid]},
                                                 {"Name": "association.main", "Values": ["true"]}])
    default_sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vid]},
                                                       {"Name": "group-name", "Values": ["default"]}])
    acls = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vid]}])
    attrs = {
        "arn": arn(region, "vpc", vid),
        "assign_generated_ipv6_cidr_block": False,
        "cidr_block": cidr,
        "default_network_acl_id": acls["NetworkAcls"][0]["NetworkAclId"] if acls["NetworkAcls"] else "",
        "default_route_table_id": main_rt["RouteTables"][0]["RouteTableId"] if main_rt["RouteTables"] else "",
        "default_security_group_id": default_sg["SecurityGroups"][0]["GroupId"],
        "dhcp_options_id": vpc.get("DhcpOptionsId", ""),
        "enable_dns_hostnames": True,
        "enable_dns_support": True,
        "enable_network_address_usage_metrics": False,
        "id": vid,
        "instance_tenancy": "default",
        "ipv4_ipam_pool_id": None,
        "ipv4_netmask_length": None,
        "ipv6_association_id": "",
        "ipv6_cidr_block": "",
        "ipv6_cidr_block_network_border_group": "",
        "ipv6_ipam_pool_id": "",
        "ipv6_netmask_length": 0,
        "main_route_table_id": main_rt["RouteTables"][0]["RouteTableId"] if main_rt["RouteTables"] else "",
        "owner_id": ACCOUNT,
        "tags": tags,
        "tags_all": with_defaults(tags),
    }
    return vid, attrs


def make_subnet(ec2, region, vpc_id, cidr, az, tags):
    sn = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=az,
                           TagSpecifications=tags_spec("subnet", with_defaults(tags)))["Subnet"]
    sid = sn["SubnetId"]
    attrs = {
        "arn": arn(region, "subnet", sid),
        "assign_ipv6_address_on_creation": False,
        "availability_zone": az,
        "availability_zone_id": sn.get("AvailabilityZoneId", ""),
        "cidr_block": cidr,
        "customer_owned_ipv4_pool": "",
        "enable_dns64": False,
        "enable_lni_at_device_index": 0,
        "enable_resource_name_dns_a_record_on_launch": False,
        "enable_resource_name_dns_aaaa_record_on_launch": False,
        "id": sid,
        "ipv6_cidr_block": "",
        "ipv6_cidr_block_association_id": "",
        "ipv6_native": False,
        "map_customer_owned_ip_on_launch": False,
        "map_public_ip_on_launch": False,
        "outpost_arn": "",
        "owner_id": ACCOUNT,
        "private_dns_hostname_type_on_launch": "ip-name",
        "tags": tags,
        "tags_all": with_defaults(tags),
        "timeouts": None,
        "vpc_id": vpc_id,
    }
    return sid, attrs


def make_sg(ec2, region, vpc_id, name, description, ingress, egress, tags):
    gid = ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc_id,
                                    TagSpecifications=tags_spec("security-group", with_defaults(tags)))["GroupId"]
    # Terraform removes the allow-all egress rule AWS adds, then creates the declared ones.
    ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=[{"IpProtocol": "-1",
                                                                  "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    if ingress:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[api_permission(r) for r in ingress])
    if egress:
        ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=[api_permission(r) for r in egress])
    attrs = {
        "arn": arn(region, "security-group", gid),
        "description": description,
        "egress": egress,
        "id": gid,
        "ingress": ingress,
        "name": name,
        "name_prefix": "",
        "owner_id": ACCOUNT,
        "revoke_rules_on_delete": False,
        "tags": tags,
        "tags_all": with_defaults(tags),
        "timeouts": None,
        "vpc_id": vpc_id,
    }
    return gid, attrs


def make_instance(ec2, region, ami, subnet_id, sg_ids, itype, tags):
    inst = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType=itype, SubnetId=subnet_id,
                             SecurityGroupIds=sg_ids,
                             TagSpecifications=tags_spec("instance", with_defaults(tags)))["Instances"][0]
    iid = inst["InstanceId"]
    inst = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    root = next((m for m in inst.get("BlockDeviceMappings", []) if m["DeviceName"] == inst.get("RootDeviceName")),
                None)
    eni = inst["NetworkInterfaces"][0]["NetworkInterfaceId"] if inst.get("NetworkInterfaces") else ""
    attrs = {
        "ami": ami,
        "arn": arn(region, "instance", iid),
        "associate_public_ip_address": bool(inst.get("PublicIpAddress")),
        "availability_zone": inst["Placement"]["AvailabilityZone"],
        "capacity_reservation_specification": [{"capacity_reservation_preference": "open",
                                                "capacity_reservation_target": []}],
        "cpu_core_count": 1,
        "cpu_options": [{"amd_sev_snp": "", "core_count": 1, "threads_per_core": 2}],
        "cpu_threads_per_core": 2,
        "credit_specification": [{"cpu_credits": "unlimited"}],
        "disable_api_stop": False,
        "disable_api_termination": False,
        "ebs_block_device": [],
        "ebs_optimized": False,
        "enclave_options": [{"enabled": False}],
        "ephemeral_block_device": [],
        "get_password_data": False,
        "hibernation": False,
        "host_id": "",
        "host_resource_group_arn": None,
        "iam_instance_profile": "",
        "id": iid,
        "instance_initiated_shutdown_behavior": "stop",
        "instance_lifecycle": "",
        "instance_market_options": [],
        "instance_state": inst["State"]["Name"],
        "instance_type": itype,
        "ipv6_address_count": 0,
        "ipv6_addresses": [],
        "key_name": "",
        "launch_template": [],
        "maintenance_options": [{"auto_recovery": "default"}],
        "metadata_options": [{"http_endpoint": "enabled", "http_protocol_ipv6": "disabled",
                              "http_put_response_hop_limit": 2, "http_tokens": "required",
                              "instance_metadata_tags": "disabled"}],
        "monitoring": False,
        "network_interface": [],
        "outpost_arn": "",
        "password_data": "",
        "placement_group": "",
        "placement_partition_number": 0,
        "primary_network_interface_id": eni,
        "private_dns": inst.get("PrivateDnsName", ""),
        "private_dns_name_options": [{"enable_resource_name_dns_a_record": False,
                                      "enable_resource_name_dns_aaaa_record": False,
                                      "hostname_type": "ip-name"}],
        "private_ip": inst.get("PrivateIpAddress", ""),
        "public_dns": inst.get("PublicDnsName", ""),
        "public_ip": inst.get("PublicIpAddress", ""),
        "root_block_device": [{
            "delete_on_termination": True,
            "device_name": inst.get("RootDeviceName", "/dev/xvda"),
            "encrypted": False, "iops": 3000, "kms_key_id": "", "tags": None, "tags_all": {},
            "throughput": 125,
            "volume_id": root["Ebs"]["VolumeId"] if root else "",
            "volume_size": 8, "volume_type": "gp3",
        }],
        "secondary_private_ips": [],
        "security_groups": [],
        "source_dest_check": True,
        "spot_instance_request_id": "",
        "subnet_id": subnet_id,
        "tags": tags,
        "tags_all": with_defaults(tags),
        "tenancy": "default",
        "timeouts": None,
        "user_data": None,
        "user_data_base64": None,
        "user_data_replace_on_change": False,
        "volume_tags": None,
        "vpc_security_group_ids": sg_ids,
    }
    return iid, attrs


def make_volume(ec2, region, az, size, tags):
    vol = ec2.create_volume(AvailabilityZone=az, Size=size, VolumeType="gp3",
                            TagSpecifications=tags_spec("volume", with_defaults(tags)))
    vid = vol["VolumeId"]
    attrs = {
        "arn": arn(region, "volume", vid),
        "availability_zone": az,
        "encrypted": False,
        "final_snapshot": False,
        "id": vid,
        "iops": 3000,
        "kms_key_id": "",
        "multi_attach_enabled": False,
        "outpost_arn": "",
        "size": size,
        "snapshot_id": "",
        "tags": tags,
        "tags_all": with_defaults(tags),
        "throughput": 125,
        "timeouts": None,
        "type": "gp3",
    }
    return vid, attrs


def instance_entry(attrs, deps, index_key=None, schema_version=1):
    entry = {"schema_version": schema_version, "attributes": attrs, "sensitive_attributes": [],
             "private": "eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ==", "dependencies": deps}
    if index_key is not None:
        entry = {"index_key": index_key, **entry}
    return entry


def resource(rtype, name, instances, provider=AWS, module=None, mode="managed", each=None):
    r = {}
    if module:
        r["module"] = module
    r.update({"mode": mode, "type": rtype, "name": name})
    if each:
        r["each"] = each
    r.update({"provider": provider, "instances": instances})
    return r


def state(resources, serial):
    return {"version": 4, "terraform_version": "1.9.8", "serial": serial, "lineage": str(uuid.uuid4()),
            "outputs": {}, "resources": resources, "check_results": None}


def create(out):
    east, west = client(EAST), client(WEST)
    ami = east.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ami_west = west.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

    vpc_id, vpc = make_vpc(east, EAST, "10.10.0.0/16", {"Name": "main"})
    subnets = [make_subnet(east, EAST, vpc_id, f"10.10.{i}.0/24", f"{EAST}{'ab'[i]}", {"Name": f"private-{i}"})
               for i in range(2)]
    web_ingress = [rule("tcp", 443, 443, ["0.0.0.0/0"], "HTTPS"), rule("tcp", 22, 22, ["10.0.0.0/8"], "SSH")]
    egress = [rule("-1", 0, 0, ["0.0.0.0/0"])]
    sg_id, sg = make_sg(east, EAST, vpc_id, "web", "Web servers", web_ingress, egress, {"Name": "web"})
    web = [make_instance(east, EAST, ami, subnets[i][0], [sg_id], "t3.micro", {"Name": f"web-{i}"})
           for i in range(2)]

    rvpc_id, rvpc = make_vpc(west, WEST, "10.20.0.0/16", {"Name": "replica"})
    rsn_id, rsn = make_subnet(west, WEST, rvpc_id, "10.20.1.0/24", f"{WEST}a", {"Name": "replica"})
    rsg_id, rsg = make_sg(west, WEST, rvpc_id, "replica", "Replica", [rule("tcp", 5432, 5432, ["10.0.0.0/8"])],
                          egress, {})
    rinst_id, rinst = make_instance(west, WEST, ami_west, rsn_id, [rsg_id], "t3.small", {"Name": "replica"})

    vol_id, vol = make_volume(east, EAST, f"{EAST}a", 20, {"Name": "logs"})

    west_provider = AWS + ".west"
    infra = state([
        resource("aws_ami", "base", [{"schema_version": 0, "attributes": {"id": ami, "image_id": ami},
                                      "sensitive_attributes": []}], mode="data"),
        resource("aws_instance", "web", [instance_entry(web[i][1], ["aws_security_group.web", "aws_vpc.main"], i)
                                         for i in range(2)], each="list"),
        resource("aws_instance", "replica", [instance_entry(rinst, ["aws_security_group.replica"])],
                 provider=west_provider),
        resource("aws_security_group", "replica", [instance_entry(rsg, ["aws_vpc.replica"])], provider=west_provider),
        resource("aws_security_group", "web", [instance_entry(sg, ["aws_vpc.main"])]),
        resource("aws_subnet", "replica", [instance_entry(rsn, ["aws_vpc.replica"])], provider=west_provider),
        resource("aws_vpc", "main", [instance_entry(vpc, [])]),
        resource("aws_vpc", "replica", [instance_entry(rvpc, [])], provider=west_provider),
        resource("aws_subnet", "private", [instance_entry(subnets[i][1], ["aws_vpc.main"], i) for i in range(2)],
                 module="module.network", each="list"),
    ], serial=12)
    data = state([
        resource("aws_ebs_volume", "data", [instance_entry(vol, [], "logs")], each="map"),
        resource("random_id", "suffix", [instance_entry({"b64_std": "q83v", "byte_length": 3, "dec": "11259375",
                                                         "hex": "abcdef", "id": "q83v", "keepers": None,
                                                         "prefix": None}, [], schema_version=0)],
                 provider='provider["registry.terraform.io/hashicorp/random"]'),
    ], serial=3)

    os.makedirs(os.path.join(out, "infra"), exist_ok=True)
    os.makedirs(os.path.join(out, "envs", "data"), exist_ok=True)
    with open(os.path.join(out, "infra", "terraform.tfstate"), "w") as f:
        json.dump(infra, f, indent=2)
    with open(os.path.join(out, "envs", "data", "terraform.tfstate"), "w") as f:
        json.dump(data, f, indent=2)
    ids = {"vpc_main": vpc_id, "subnet_0": subnets[0][0], "subnet_1": subnets[1][0], "sg_web": sg_id,
           "web_0": web[0][0], "web_1": web[1][0], "vpc_replica": rvpc_id, "subnet_replica": rsn_id,
           "sg_replica": rsg_id, "replica": rinst_id, "volume_logs": vol_id, "ami": ami}
    ids.update(create_network(out, ids))
    with open(os.path.join(out, "estate.json"), "w") as f:
        json.dump(ids, f, indent=2)
    return ids


# --- envs/network: every other covered type, as Terraform would have written it ---------------

def base(region, kind, rid, tags):
    return {"arn": arn(region, kind, rid), "id": rid, "owner_id": ACCOUNT, "tags": tags, "tags_all": dict(tags)}


def route_block(**kw):
    block = {k: "" for k in ["carrier_gateway_id", "cidr_block", "core_network_arn", "destination_prefix_list_id",
                             "egress_only_gateway_id", "gateway_id", "ipv6_cidr_block", "local_gateway_id",
                             "nat_gateway_id", "network_interface_id", "transit_gateway_id", "vpc_endpoint_id",
                             "vpc_peering_connection_id"]}
    block.update(kw)
    return block


def route_id(table, destination):
    """The AWS provider's id for an aws_route: r- + table + CRC-32 of the destination."""
    return f"r-{table}{zlib.crc32(destination.encode())}"


def acl_rule(rule_no, protocol, action, cidr, from_port=0, to_port=0):
    return {"action": action, "cidr_block": cidr, "from_port": from_port, "icmp_code": 0, "icmp_type": 0,
            "ipv6_cidr_block": "", "protocol": protocol, "rule_no": rule_no, "to_port": to_port}


def acl_api_entries(ec2, acl_id, rules, egress):
    for r in rules:
        kw = {"NetworkAclId": acl_id, "RuleNumber": r["rule_no"], "Protocol": r["protocol"],
              "RuleAction": r["action"], "Egress": egress, "CidrBlock": r["cidr_block"]}
        if r["protocol"] != "-1":
            kw["PortRange"] = {"From": r["from_port"], "To": r["to_port"]}
        ec2.create_network_acl_entry(**kw)


def public_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def vpc_rule_attrs(region, rule_id, group_id, protocol, from_port, to_port, cidr):
    all_traffic = protocol == "-1"
    return {"arn": arn(region, "security-group-rule", rule_id), "cidr_ipv4": cidr, "cidr_ipv6": None,
            "description": None, "from_port": None if all_traffic else from_port, "id": rule_id,
            "ip_protocol": protocol, "prefix_list_id": None, "referenced_security_group_id": None,
            "security_group_id": group_id, "security_group_rule_id": rule_id, "tags": None, "tags_all": {},
            "to_port": None if all_traffic else to_port}


def create_network(out, ids):
    east, west = client(EAST), client(WEST)
    vpc_id = ids["vpc_main"]
    R = []  # state resources
    N = {}  # ids for tests

    def add(rtype, name, attrs, deps=(), provider=AWS, index_key=None):
        R.append(resource(rtype, name, [instance_entry(attrs, list(deps), index_key)], provider=provider))

    # Internet gateway and a public route table with its route inline.
    igw = east.create_internet_gateway(TagSpecifications=tags_spec("internet-gateway", {"Name": "main"}))[
        "InternetGateway"]["InternetGatewayId"]
    east.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    add("aws_internet_gateway", "main", {**base(EAST, "internet-gateway", igw, {"Name": "main"}),
                                         "timeouts": None, "vpc_id": vpc_id})
    rt_pub = east.create_route_table(VpcId=vpc_id, TagSpecifications=tags_spec("route-table", {"Name": "public"}))[
        "RouteTable"]["RouteTableId"]
    east.create_route(RouteTableId=rt_pub, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    add("aws_route_table", "public", {**base(EAST, "route-table", rt_pub, {"Name": "public"}),
                                      "propagating_vgws": [], "route": [route_block(cidr_block="0.0.0.0/0",
                                                                                    gateway_id=igw)],
                                      "timeouts": None, "vpc_id": vpc_id}, ["aws_internet_gateway.main"])
    assoc = east.associate_route_table(RouteTableId=rt_pub, SubnetId=ids["subnet_0"])["AssociationId"]
    add("aws_route_table_association", "public", {"gateway_id": "", "id": assoc, "route_table_id": rt_pub,
                                                  "subnet_id": ids["subnet_0"], "timeouts": None},
        ["aws_route_table.public"])

    # NAT gateway with its address, and a private table whose route is declared on its own.
    def eip(ec2, region, name):
        a = ec2.allocate_address(Domain="vpc", TagSpecifications=tags_spec("elastic-ip", {"Name": name}))
        attrs = {"address": None, "allocation_id": a["AllocationId"], "arn": arn(region, "elastic-ip", a["AllocationId"]),
                 "associate_with_private_ip": None, "association_id": "", "carrier_ip": "", "customer_owned_ip": "",
                 "customer_owned_ipv4_pool": "", "domain": "vpc", "id": a["AllocationId"], "instance": "",
                 "ipam_pool_id": None, "network_border_group": region, "network_interface": "",
                 "private_dns": None, "private_ip": "", "ptr_record": "", "public_dns": "",
                 "public_ip": a["PublicIp"], "public_ipv4_pool": "amazon", "tags": {"Name": name},
                 "tags_all": {"Name": name}, "timeouts": None, "vpc": True}
        return a["AllocationId"], attrs
    eip_nat, attrs = eip(east, EAST, "nat")
    add("aws_eip", "nat", attrs)
    nat = east.create_nat_gateway(SubnetId=ids["subnet_0"], AllocationId=eip_nat,
                                  TagSpecifications=tags_spec("natgateway", {"Name": "main"}))["NatGateway"]
    nat_id = nat["NatGatewayId"]
    addr = nat["NatGatewayAddresses"][0]
    add("aws_nat_gateway", "main", {"allocation_id": eip_nat, "association_id": addr.get("AssociationId", ""),
                                    "connectivity_type": "public", "id": nat_id,
                                    "network_interface_id": addr.get("NetworkInterfaceId", ""),
                                    "private_ip": addr.get("PrivateIp", ""), "public_ip": addr.get("PublicIp", ""),
                                    "secondary_allocation_ids": None, "secondary_private_ip_address_count": 0,
                                    "secondary_private_ip_addresses": [], "subnet_id": ids["subnet_0"],
                                    "tags": {"Name": "main"}, "tags_all": {"Name": "main"}, "timeouts": None},
        ["aws_eip.nat"])
    rt_priv = east.create_route_table(VpcId=vpc_id, TagSpecifications=tags_spec("route-table", {"Name": "private"}))[
        "RouteTable"]["RouteTableId"]
    add("aws_route_table", "private", {**base(EAST, "route-table", rt_priv, {"Name": "private"}),
                                       "propagating_vgws": [], "route": [], "timeouts": None, "vpc_id": vpc_id})
    east.create_route(RouteTableId=rt_priv, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    rid = route_id(rt_priv, "0.0.0.0/0")
    add("aws_route", "nat", {"carrier_gateway_id": "", "core_network_arn": "", "destination_cidr_block": "0.0.0.0/0",
                             "destination_ipv6_cidr_block": "", "destination_prefix_list_id": "",
                             "egress_only_gateway_id": "", "gateway_id": "", "id": rid, "instance_id": "",
                             "instance_owner_id": "", "local_gateway_id": "", "nat_gateway_id": nat_id,
                             "network_interface_id": "", "origin": "CreateRoute", "route_table_id": rt_priv,
                             "state": "active", "timeouts": None, "transit_gateway_id": "", "vpc_endpoint_id": "",
                             "vpc_peering_connection_id": ""}, ["aws_nat_gateway.main", "aws_route_table.private"])

    # An address for web-0, associated on its own.
    eip_web, attrs = eip(east, EAST, "web")
    add("aws_eip", "web", attrs)
    a = east.associate_address(AllocationId=eip_web, InstanceId=ids["web_0"])
    live_addr = east.describe_addresses(AllocationIds=[eip_web])["Addresses"][0]
    add("aws_eip_association", "web", {"allocation_id": eip_web, "allow_reassociation": None,
                                       "id": a["AssociationId"], "instance_id": ids["web_0"],
                                       "network_interface_id": live_addr.get("NetworkInterfaceId", ""),
                                       "private_ip_address": live_addr.get("PrivateIpAddress", ""),
                                       "public_ip": live_addr["PublicIp"]}, ["aws_eip.web"])

    # A spare interface, a key pair and a launch template.
    eni = east.create_network_interface(SubnetId=ids["subnet_1"], Groups=[ids["sg_web"]], Description="spare",
                                        TagSpecifications=tags_spec("network-interface", {"Name": "extra"}))[
        "NetworkInterface"]
    add("aws_network_interface", "extra", {**base(EAST, "network-interface", eni["NetworkInterfaceId"],
                                                  {"Name": "extra"}),
                                           "attachment": [], "description": "spare", "enable_primary_ipv6": None,
                                           "interface_type": "interface", "ipv4_prefix_count": 0, "ipv4_prefixes": [],
                                           "ipv6_address_count": 0, "ipv6_address_list": [],
                                           "ipv6_address_list_enabled": False, "ipv6_addresses": [],
                                           "ipv6_prefix_count": 0, "ipv6_prefixes": [],
                                           "mac_address": eni.get("MacAddress", ""), "outpost_arn": "",
                                           "private_dns_name": eni.get("PrivateDnsName", ""),
                                           "private_ip": eni["PrivateIpAddress"],
                                           "private_ip_list": [eni["PrivateIpAddress"]],
                                           "private_ip_list_enabled": False, "private_ips": [eni["PrivateIpAddress"]],
                                           "private_ips_count": 0, "security_groups": [ids["sg_web"]],
                                           "source_dest_check": True, "subnet_id": ids["subnet_1"]})
    key = public_key()
    kp = east.import_key_pair(KeyName="deployer", PublicKeyMaterial=key.encode(),
                              TagSpecifications=tags_spec("key-pair", {"Name": "deployer"}))
    add("aws_key_pair", "deployer", {"arn": arn(EAST, "key-pair", "deployer"), "fingerprint": kp["KeyFingerprint"],
                                     "id": "deployer", "key_name": "deployer", "key_name_prefix": "",
                                     "key_pair_id": kp["KeyPairId"], "key_type": "rsa", "public_key": key,
                                     "tags": {"Name": "deployer"}, "tags_all": {"Name": "deployer"}})
    lt = east.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={"InstanceType": "t3.micro",
                                                                                   "ImageId": ids["ami"]},
                                     TagSpecifications=tags_spec("launch-template", {"Name": "web"}))[
        "LaunchTemplate"]
    add("aws_launch_template", "web", {**base(EAST, "launch-template", lt["LaunchTemplateId"], {"Name": "web"}),
                                       "block_device_mappings": [], "default_version": 1, "description": "",
                                       "image_id": ids["ami"], "instance_type": "t3.micro", "latest_version": 1,
                                       "name": "web", "name_prefix": "", "update_default_version": None,
                                       "user_data": ""})

    # A network ACL for the second subnet.
    acl = east.create_network_acl(VpcId=vpc_id, TagSpecifications=tags_spec("network-acl", {"Name": "private"}))[
        "NetworkAcl"]["NetworkAclId"]
    acl_in = [acl_rule(100, "6", "allow", "10.0.0.0/8", 443, 443)]
    acl_out = [acl_rule(100, "-1", "allow", "0.0.0.0/0")]
    acl_api_entries(east, acl, acl_in, False)
    acl_api_entries(east, acl, acl_out, True)
    current = east.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [ids["subnet_1"]]}])
    old_assoc = next(x["NetworkAclAssociationId"] for x in current["NetworkAcls"][0]["Associations"]
                     if x["SubnetId"] == ids["subnet_1"])
    east.replace_network_acl_association(AssociationId=old_assoc, NetworkAclId=acl)
    add("aws_network_acl", "private", {**base(EAST, "network-acl", acl, {"Name": "private"}), "egress": acl_out,
                                       "ingress": acl_in, "subnet_ids": [ids["subnet_1"]], "vpc_id": vpc_id})

    # A group whose rules are all declared on their own, three ways.
    sg_api, sg_attrs = make_sg(east, EAST, vpc_id, "api", "API servers", [], [], {"Name": "api"})
    # This root module's providers set no default_tags: drop the one make_sg adds.
    east.delete_tags(Resources=[sg_api], Tags=[{"Key": "ManagedBy"}])
    sg_attrs["tags_all"] = {"Name": "api"}
    add("aws_security_group", "api", sg_attrs)
    east.authorize_security_group_ingress(GroupId=sg_api, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "10.1.0.0/16"}, {"CidrIp": "10.2.0.0/16"}]}])
    add("aws_security_group_rule", "api_https", {"cidr_blocks": ["10.1.0.0/16", "10.2.0.0/16"], "description": None,
                                                 "from_port": 443, "id": "sgrule-2415378116",
                                                 "ipv6_cidr_blocks": None, "prefix_list_ids": None,
                                                 "protocol": "tcp", "security_group_id": sg_api,
                                                 "security_group_rule_id": "", "self": False,
                                                 "source_security_group_id": None, "timeouts": None,
                                                 "to_port": 443, "type": "ingress"}, ["aws_security_group.api"])
    ssh = east.authorize_security_group_ingress(GroupId=sg_api, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])[
        "SecurityGroupRules"][0]["SecurityGroupRuleId"]
    add("aws_vpc_security_group_ingress_rule", "api_ssh",
        vpc_rule_attrs(EAST, ssh, sg_api, "tcp", 22, 22, "10.0.0.0/8"), ["aws_security_group.api"])
    out_all = east.authorize_security_group_egress(GroupId=sg_api, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    add("aws_vpc_security_group_egress_rule", "api_all",
        vpc_rule_attrs(EAST, out_all, sg_api, "-1", None, None, "0.0.0.0/0"), ["aws_security_group.api"])

    # The main VPC's defaults, adopted as they are.
    dsg = east.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                 {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    def as_rules(perms):
        out = []
        for p in perms:
            proto = p["IpProtocol"]
            lo, hi = (0, 0) if proto == "-1" else (p.get("FromPort", 0), p.get("ToPort", 0))
            for r in p.get("IpRanges", []):
                out.append(rule(proto, lo, hi, [r["CidrIp"]], r.get("Description", "")))
            for g in p.get("UserIdGroupPairs", []):
                if g["GroupId"] == dsg["GroupId"]:
                    out.append(rule(proto, lo, hi, self_ref=True, description=g.get("Description", "")))
                else:
                    out.append(rule(proto, lo, hi, groups=[g["GroupId"]], description=g.get("Description", "")))
        return out
    add("aws_default_security_group", "main", {**base(EAST, "security-group", dsg["GroupId"], {}),
                                               "description": dsg["Description"],
                                               "egress": as_rules(dsg.get("IpPermissionsEgress", [])),
                                               "ingress": as_rules(dsg.get("IpPermissions", [])), "name": "default",
                                               "name_prefix": "", "revoke_rules_on_delete": False,
                                               "vpc_id": vpc_id})
    main_rt = east.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                  {"Name": "association.main", "Values": ["true"]}])[
        "RouteTables"][0]["RouteTableId"]
    add("aws_default_route_table", "main", {**base(EAST, "route-table", main_rt, {}), "default_route_table_id": main_rt,
                                            "propagating_vgws": [], "route": [], "timeouts": None, "vpc_id": vpc_id})
    dacl = east.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                               {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
    def acl_rules(egress):
        return [acl_rule(e["RuleNumber"], e["Protocol"], e["RuleAction"], e.get("CidrBlock", ""),
                         e.get("PortRange", {}).get("From", 0), e.get("PortRange", {}).get("To", 0))
                for e in dacl["Entries"] if e["Egress"] == egress and e["RuleNumber"] != 32767]
    add("aws_default_network_acl", "main", {**base(EAST, "network-acl", dacl["NetworkAclId"], {}),
                                            "default_network_acl_id": dacl["NetworkAclId"],
                                            "egress": acl_rules(True), "ingress": acl_rules(False),
                                            "subnet_ids": [ids["subnet_0"]], "vpc_id": vpc_id})

    # eu-west-1: the default VPC and one of its subnets adopted, a gateway, a route table, an address.
    wp = AWS + ".west"
    dvpc = west.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    add("aws_default_vpc", "default", {**base(WEST, "vpc", dvpc["VpcId"], {}), "cidr_block": dvpc["CidrBlock"],
                                       "enable_dns_hostnames": True, "enable_dns_support": True,
                                       "existing_default_vpc": True, "force_destroy": False,
                                       "instance_tenancy": "default"}, provider=wp)
    dsn = west.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]},
                                         {"Name": "availability-zone", "Values": [f"{WEST}a"]}])["Subnets"][0]
    add("aws_default_subnet", "a", {**base(WEST, "subnet", dsn["SubnetId"], {}),
                                    "availability_zone": f"{WEST}a", "cidr_block": dsn["CidrBlock"],
                                    "existing_default_subnet": True, "force_destroy": False,
                                    "map_public_ip_on_launch": dsn["MapPublicIpOnLaunch"], "vpc_id": dvpc["VpcId"]},
        provider=wp)
    rigw = west.create_internet_gateway(TagSpecifications=tags_spec("internet-gateway", {"Name": "replica"}))[
        "InternetGateway"]["InternetGatewayId"]
    west.attach_internet_gateway(InternetGatewayId=rigw, VpcId=ids["vpc_replica"])
    add("aws_internet_gateway", "replica", {**base(WEST, "internet-gateway", rigw, {"Name": "replica"}),
                                            "timeouts": None, "vpc_id": ids["vpc_replica"]}, provider=wp)
    rrt = west.create_route_table(VpcId=ids["vpc_replica"],
                                  TagSpecifications=tags_spec("route-table", {"Name": "replica"}))[
        "RouteTable"]["RouteTableId"]
    west.create_route(RouteTableId=rrt, DestinationCidrBlock="0.0.0.0/0", GatewayId=rigw)
    add("aws_route_table", "replica", {**base(WEST, "route-table", rrt, {"Name": "replica"}),
                                       "propagating_vgws": [], "route": [route_block(cidr_block="0.0.0.0/0",
                                                                                     gateway_id=rigw)],
                                       "timeouts": None, "vpc_id": ids["vpc_replica"]}, provider=wp)
    eip_rep, attrs = eip(west, WEST, "replica")
    add("aws_eip", "replica", attrs, provider=wp)

    N.update({"igw_main": igw, "rt_public": rt_pub, "rt_assoc_public": assoc, "eip_nat": eip_nat, "nat": nat_id,
              "rt_private": rt_priv, "route_nat": rid, "eip_web": eip_web, "eip_assoc_web": a["AssociationId"],
              "eni_extra": eni["NetworkInterfaceId"], "key_deployer": "deployer", "lt_web": lt["LaunchTemplateId"],
              "acl_private": acl, "sg_api": sg_api, "sgr_api_ssh": ssh, "sgr_api_all": out_all,
              "sg_default_main": dsg["GroupId"], "rt_main": main_rt, "acl_default_main": dacl["NetworkAclId"],
              "vpc_default_west": dvpc["VpcId"], "subnet_default_west_a": dsn["SubnetId"], "igw_replica": rigw,
              "rt_replica": rrt, "eip_replica": eip_rep})
    R.sort(key=lambda r: (r["type"], r["name"]))
    os.makedirs(os.path.join(out, "envs", "network"), exist_ok=True)
    with open(os.path.join(out, "envs", "network", "terraform.tfstate"), "w") as f:
        json.dump(state(R, serial=7), f, indent=2)
    return N


def iam_setup():
    """Two users for a moto server started with INITIAL_NO_AUTH_ACTION_COUNT=6 (these six calls are
    the unauthenticated ones): `admin` may do anything, `scanner` may describe EC2 but is denied
    DescribeVolumes, the way a narrow read-only role is. Prints both key pairs."""
    iam = boto3.client("iam", region_name=EAST)
    policies = {
        "admin": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        # The scan lists every service for unmanaged resources: S3, KMS, SQS, SNS, DynamoDB,
        # CloudWatch Logs and alarms, EventBridge, ECR, Secrets Manager, Route53, API Gateway, EKS
        # and ECS listing is allowed too (this estate declares none of theirs to read).
        "scanner": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
                    {"Effect": "Allow", "Resource": "*", "Action": [
                        "s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock",
                        "sts:GetCallerIdentity", "kms:ListKeys", "kms:DescribeKey",
                        "kms:ListAliases", "rds:DescribeDBInstances", "rds:DescribeDBClusters",
                        "rds:DescribeDBSubnetGroups", "rds:DescribeDBParameterGroups", "lambda:ListFunctions",
                        "lambda:ListEventSourceMappings", "lambda:ListTags", "lambda:GetPolicy",
                        "lambda:ListAliases", "elasticloadbalancing:DescribeLoadBalancers",
                        "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTags",
                        "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribePolicies",
                        "autoscaling:DescribeLaunchConfigurations", "sqs:ListQueues", "sns:ListTopics",
                        "sns:ListSubscriptions", "dynamodb:ListTables", "logs:DescribeLogGroups",
                        "logs:DescribeMetricFilters",
                        "ecr:DescribeRepositories", "secretsmanager:ListSecrets", "route53:ListHostedZones", "apigateway:GET",
                        "eks:ListClusters", "eks:ListNodegroups", "eks:ListAddons", "ecs:ListClusters",
                        "ecs:ListServices", "ecs:ListTaskDefinitionFamilies", "cloudwatch:DescribeAlarms",
                        "events:ListEventBuses", "events:ListRules"]},
                    {"Effect": "Deny", "Action": "ec2:DescribeVolumes", "Resource": "*"}],
    }
    for user, statements in policies.items():
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="driftscan-test",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    keys = {}
    for user in policies:
        k = iam.create_access_key(UserName=user)["AccessKey"]
        keys[user] = {"AccessKeyId": k["AccessKeyId"], "SecretAccessKey": k["SecretAccessKey"]}
    return keys


# Out-of-band changes, each named for what someone did by hand.
def drift(out, names):
    with open(os.path.join(out, "estate.json")) as f:
        ids = json.load(f)
    east, west = client(EAST), client(WEST)
    made = {}
    for name in names:
        if name == "resize-instance":  # stop, change type, start: the classic console resize
            east.stop_instances(InstanceIds=[ids["web_0"]])
            east.modify_instance_attribute(InstanceId=ids["web_0"], InstanceType={"Value": "t3.large"})
            east.start_instances(InstanceIds=[ids["web_0"]])
        elif name in ("resize-instance-again", "revert-resize"):  # the live value moves again / back
            size = "t3.xlarge" if name == "resize-instance-again" else "t3.micro"
            east.stop_instances(InstanceIds=[ids["web_0"]])
            east.modify_instance_attribute(InstanceId=ids["web_0"], InstanceType={"Value": size})
            east.start_instances(InstanceIds=[ids["web_0"]])
        elif name == "resize-replica":  # the same console resize, in the other region
            west.stop_instances(InstanceIds=[ids["replica"]])
            west.modify_instance_attribute(InstanceId=ids["replica"], InstanceType={"Value": "t3.medium"})
            west.start_instances(InstanceIds=[ids["replica"]])
        elif name == "stop-start":  # not drift: AWS changes the public IP, Terraform only reads it
            east.stop_instances(InstanceIds=[ids["web_1"]])
            east.start_instances(InstanceIds=[ids["web_1"]])
        elif name == "open-rdp":  # a 3 a.m. security group patch
            east.authorize_security_group_ingress(GroupId=ids["sg_web"], IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        elif name == "open-ssh":  # SSH to the world, the shortcut of a busy afternoon
            east.authorize_security_group_ingress(GroupId=ids["sg_web"], IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        elif name == "retag-sg":
            east.create_tags(Resources=[ids["sg_web"]], Tags=[{"Key": "Owner", "Value": "console"}])
        elif name == "retag-vpc":
            east.create_tags(Resources=[ids["vpc_main"]], Tags=[{"Key": "Owner", "Value": "console"}])
        elif name == "public-subnet":
            east.modify_subnet_attribute(SubnetId=ids["subnet_1"], MapPublicIpOnLaunch={"Value": True})
        elif name == "vpc-dns-off":
            east.modify_vpc_attribute(VpcId=ids["vpc_main"], EnableDnsHostnames={"Value": False})
        elif name == "grow-volume":
            east.modify_volume(VolumeId=ids["volume_logs"], Size=40)
        elif name == "terminate-replica":
            west.terminate_instances(InstanceIds=[ids["replica"]])
        elif name == "unmanaged-instance":
            iid = east.run_instances(ImageId=ids["ami"], MinCount=1, MaxCount=1, InstanceType="t3.nano",
                                     SubnetId=ids["subnet_0"])["Instances"][0]["InstanceId"]
            made["unmanaged_instance"] = iid
        elif name == "unmanaged-sg":  # a group made in the console for a batch job, SSH from the office
            gid = east.create_security_group(GroupName="batch", Description="batch jobs", VpcId=ids["vpc_main"],
                                             TagSpecifications=[{"ResourceType": "security-group",
                                                                 "Tags": [{"Key": "Name", "Value": "batch"}]}])["GroupId"]
            east.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                 "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "office"}]}])
            made["unmanaged_sg"] = gid
        elif name == "every-type-drifted":
            made.update(every_type_drifted(ids, east, west))
        elif name == "every-type-deleted":
            made.update(every_type_deleted(ids, east, west))
        elif name == "every-type-unmanaged":
            made.update(every_type_unmanaged(ids, east, west))
        else:
            sys.exit(f"estate.py: unknown drift {name!r}")
    print(json.dumps(made))


def every_type_drifted(ids, east, west):
    """One attribute changed by hand on a resource of each type of envs/network. Associations
    cannot change in place (AWS gives a replaced association a new id): they are deleted and
    made anew by every_type_deleted and every_type_unmanaged instead."""
    east.create_tags(Resources=[ids["igw_main"]], Tags=[{"Key": "Name", "Value": "renamed"}])
    east.create_route(RouteTableId=ids["rt_public"], DestinationCidrBlock="10.99.0.0/16", GatewayId=ids["igw_main"])
    east.replace_route(RouteTableId=ids["rt_private"], DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw_main"])
    east.create_tags(Resources=[ids["eip_nat"]], Tags=[{"Key": "Name", "Value": "renamed"}])
    east.create_tags(Resources=[ids["nat"]], Tags=[{"Key": "Env", "Value": "prod"}])
    east.modify_network_interface_attribute(NetworkInterfaceId=ids["eni_extra"], SourceDestCheck={"Value": False})
    east.delete_key_pair(KeyName="deployer")  # replaced by a new key under the same name
    east.import_key_pair(KeyName="deployer", PublicKeyMaterial=public_key().encode(),
                         TagSpecifications=tags_spec("key-pair", {"Name": "deployer"}))
    east.create_launch_template_version(LaunchTemplateId=ids["lt_web"], LaunchTemplateData={"InstanceType": "t3.large"})
    acl_api_entries(east, ids["acl_private"], [acl_rule(200, "6", "allow", "0.0.0.0/0", 22, 22)], False)
    east.revoke_security_group_ingress(GroupId=ids["sg_api"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.2.0.0/16"}]}])
    east.modify_security_group_rules(GroupId=ids["sg_api"], SecurityGroupRules=[
        {"SecurityGroupRuleId": ids["sgr_api_ssh"],
         "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 2222, "CidrIpv4": "10.0.0.0/8"}}])
    east.authorize_security_group_ingress(GroupId=ids["sg_default_main"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    east.create_route(RouteTableId=ids["rt_main"], DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw_main"])
    acl_api_entries(east, ids["acl_default_main"], [acl_rule(50, "6", "deny", "0.0.0.0/0", 23, 23)], False)
    west.create_tags(Resources=[ids["vpc_default_west"]], Tags=[{"Key": "Name", "Value": "default"}])
    west.modify_subnet_attribute(SubnetId=ids["subnet_default_west_a"], MapPublicIpOnLaunch={"Value": False})
    west.create_tags(Resources=[ids["rt_replica"]], Tags=[{"Key": "Name", "Value": "renamed"}])
    west.create_tags(Resources=[ids["eip_replica"]], Tags=[{"Key": "Name", "Value": "renamed"}])
    west.create_tags(Resources=[ids["igw_replica"]], Tags=[{"Key": "Name", "Value": "renamed"}])
    return {}


def every_type_deleted(ids, east, west):
    """One resource of each type of envs/network removed by hand."""
    east.disassociate_route_table(AssociationId=ids["rt_assoc_public"])
    east.disassociate_address(AssociationId=ids["eip_assoc_web"])
    east.delete_route(RouteTableId=ids["rt_private"], DestinationCidrBlock="0.0.0.0/0")
    east.delete_route_table(RouteTableId=ids["rt_private"])
    east.delete_nat_gateway(NatGatewayId=ids["nat"])
    east.delete_network_interface(NetworkInterfaceId=ids["eni_extra"])
    east.delete_key_pair(KeyName="deployer")
    east.delete_launch_template(LaunchTemplateId=ids["lt_web"])
    default_acl = ids["acl_default_main"]
    assoc = east.describe_network_acls(NetworkAclIds=[ids["acl_private"]])["NetworkAcls"][0]["Associations"]
    for a in assoc:
        east.replace_network_acl_association(AssociationId=a["NetworkAclAssociationId"], NetworkAclId=default_acl)
    east.delete_network_acl(NetworkAclId=ids["acl_private"])
    east.revoke_security_group_ingress(GroupId=ids["sg_api"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "10.1.0.0/16"}, {"CidrIp": "10.2.0.0/16"}]}])
    east.revoke_security_group_ingress(GroupId=ids["sg_api"], SecurityGroupRuleIds=[ids["sgr_api_ssh"]])
    west.release_address(AllocationId=ids["eip_replica"])
    west.detach_internet_gateway(InternetGatewayId=ids["igw_replica"], VpcId=ids["vpc_replica"])
    west.delete_internet_gateway(InternetGatewayId=ids["igw_replica"])
    return {}


def every_type_unmanaged(ids, east, west):
    """One resource of each type made by hand beside the declared ones."""
    made = {}
    made["igw"] = east.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    made["route_table"] = east.create_route_table(VpcId=ids["vpc_main"])["RouteTable"]["RouteTableId"]
    east.create_route(RouteTableId=ids["rt_private"], DestinationCidrBlock="10.50.0.0/16", GatewayId=ids["igw_main"])
    made["route"] = f"r-{ids['rt_private']}{zlib.crc32(b'10.50.0.0/16')}"
    made["route_table_association"] = east.associate_route_table(RouteTableId=ids["rt_private"],
                                                                 SubnetId=ids["subnet_1"])["AssociationId"]
    eip = east.allocate_address(Domain="vpc")["AllocationId"]
    made["eip"] = eip
    made["nat"] = east.create_nat_gateway(SubnetId=ids["subnet_1"], AllocationId=eip)["NatGateway"]["NatGatewayId"]
    made["eni"] = east.create_network_interface(SubnetId=ids["subnet_1"])["NetworkInterface"]["NetworkInterfaceId"]
    east.import_key_pair(KeyName="laptop", PublicKeyMaterial=public_key().encode())
    made["key_pair"] = "laptop"
    made["launch_template"] = east.create_launch_template(LaunchTemplateName="adhoc", LaunchTemplateData={
        "InstanceType": "t3.nano"})["LaunchTemplate"]["LaunchTemplateId"]
    made["network_acl"] = east.create_network_acl(VpcId=ids["vpc_main"])["NetworkAcl"]["NetworkAclId"]
    made["vpc_rule"] = east.authorize_security_group_ingress(GroupId=ids["sg_api"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])[
        "SecurityGroupRules"][0]["SecurityGroupRuleId"]
    made["eip_west"] = west.allocate_address(Domain="vpc")["AllocationId"]
    return made


def service_cli(script, doc, create, drift):
    """The command line of a one-service estate (estate_iam.py, estate_storage.py): `create --out
    DIR` prints the ids it made as JSON, `drift --out DIR NAME...` changes the live estate."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create", help="create the estate and write its Terraform state")
    c.add_argument("--out", required=True, help="folder the state and estate.json are written under")
    d = sub.add_parser("drift", help="change the live estate out of band")
    d.add_argument("--out", required=True)
    d.add_argument("names", nargs="+")
    a = p.parse_args()
    if not os.environ.get("AWS_ENDPOINT_URL"):
        sys.exit(f"{script}: AWS_ENDPOINT_URL is not set; this script only talks to a local emulator")
    if a.cmd == "create":
        print(json.dumps(create(a.out)))
    else:
        drift(a.out, a.names)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create", help="create the estate and write its Terraform state")
    c.add_argument("--out", required=True, help="folder for the state files and estate.json")
    d = sub.add_parser("drift", help="change the live estate out of band")
    d.add_argument("--out", required=True)
    d.add_argument("names", nargs="+")
    sub.add_parser("iam-setup", help="create an admin and a narrow scanner user (moto with IAM enforced)")
    a = p.parse_args()
    if not os.environ.get("AWS_ENDPOINT_URL"):
        sys.exit("estate.py: AWS_ENDPOINT_URL is not set; this script only talks to a local emulator")
    if a.cmd == "create":
        print(json.dumps(create(a.out)))
    elif a.cmd == "iam-setup":
        print(json.dumps(iam_setup()))
    else:
        drift(a.out, a.names)


if __name__ == "__main__":
    main()
