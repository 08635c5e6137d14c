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

The ids of what was made are written to `estate.json` beside the states so tests can name them.
"""
import argparse
import json
import os
import sys
import uuid

import boto3

ACCOUNT = "123456789012"
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
    with open(os.path.join(out, "estate.json"), "w") as f:
        json.dump(ids, f, indent=2)
    return ids


def iam_setup():
    """Two users for a moto server started with INITIAL_NO_AUTH_ACTION_COUNT=6 (these six calls are
    the unauthenticated ones): `admin` may do anything, `scanner` may describe EC2 but is denied
    DescribeVolumes, the way a narrow read-only role is. Prints both key pairs."""
    iam = boto3.client("iam", region_name=EAST)
    policies = {
        "admin": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        "scanner": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
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
        elif name == "stop-start":  # not drift: AWS changes the public IP, Terraform only reads it
            east.stop_instances(InstanceIds=[ids["web_1"]])
            east.start_instances(InstanceIds=[ids["web_1"]])
        elif name == "open-rdp":  # a 3 a.m. security group patch
            east.authorize_security_group_ingress(GroupId=ids["sg_web"], IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
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
        else:
            sys.exit(f"estate.py: unknown drift {name!r}")
    print(json.dumps(made))


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
