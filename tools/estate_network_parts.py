#!/usr/bin/env python3
"""Sample estate of the EC2 parts declared on their own, for the behaviour tests: network ACL
rules and subnet associations, a main route table association, DHCP options and their
association, a volume attachment, an image and a snapshot.

`create` makes them in the AWS API that AWS_ENDPOINT_URL points at (the local moto server) and
writes `network_parts/terraform.tfstate` as `terraform apply` with the AWS provider 5.x writes it
(ids the provider makes up, `tags_all` with the provider's default tags, computed attributes,
inline lists that a refresh fills with the separate rules and subnets). `drift NAME...` then
changes the live estate out of band.

    provider "aws" { region = "us-east-1"  default_tags { tags = { ManagedBy = "terraform" } } }

    aws_vpc.main, aws_subnet.a, aws_subnet.b
    aws_network_acl.app                     rules and subnets declared only on their own:
      aws_network_acl_rule.https_in           ingress 100, protocol = "tcp", 443 from 10.0.0.0/8
      aws_network_acl_rule.all_out            egress 100, protocol = "-1", to 0.0.0.0/0
      aws_network_acl_association.a           subnet a
    aws_route_table.main, aws_route_table.other
    aws_main_route_table_association.main   the VPC's main table is aws_route_table.main
    aws_vpc_dhcp_options.corp + aws_vpc_dhcp_options_association.main
    aws_instance.app (subnet b) + aws_ebs_volume.data + aws_volume_attachment.data (/dev/sdh)
    aws_ebs_snapshot.data                   of the data volume
    aws_ami.app                             an image of the instance

The ids of what was made are written to `network_parts/estate.json`.
"""
import json
import os
import sys
import zlib

import boto3

from estate import ACCOUNT, AWS, EAST, arn, instance_entry, make_instance, make_subnet, make_volume, make_vpc, \
    resource, service_cli, state, tags_spec, with_defaults

FOLDER = "network_parts"


def ec2():
    return boto3.client("ec2", region_name=EAST)


def one(rtype, name, attrs, deps=(), schema_version=0):
    return resource(rtype, name, [instance_entry(attrs, list(deps), schema_version=schema_version)])


def hashcode(text):
    """The provider's string hash: the CRC-32 of the text."""
    return zlib.crc32(text.encode())


def acl_block(rule_no, protocol, action, cidr, from_port=0, to_port=0):
    return {"action": action, "cidr_block": cidr, "from_port": from_port, "icmp_code": 0, "icmp_type": 0,
            "ipv6_cidr_block": "", "protocol": protocol, "rule_no": rule_no, "to_port": to_port}


def acl_rule(client, acl, name, number, egress, protocol, number_protocol, cidr, ports):
    """An `aws_network_acl_rule`: made as the provider makes it (the protocol's number), its id
    hashing the protocol as configured, its state holding what the provider read back."""
    kw = {"NetworkAclId": acl, "RuleNumber": number, "Protocol": number_protocol, "RuleAction": "allow",
          "Egress": egress, "CidrBlock": cidr, "PortRange": {"From": ports[0], "To": ports[1]}}
    client.create_network_acl_entry(**kw)
    rid = f"nacl-{hashcode(f'{acl}-{number}-{str(egress).lower()}-{protocol}-')}"
    return rid, one("aws_network_acl_rule", name, {
        "cidr_block": cidr, "egress": egress, "from_port": ports[0], "icmp_code": 0, "icmp_type": 0, "id": rid,
        "ipv6_cidr_block": "", "network_acl_id": acl, "protocol": number_protocol, "rule_action": "allow",
        "rule_number": number, "to_port": ports[1]}, ["aws_network_acl.app"])


def association_of(client, subnet):
    acls = client.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
    return next(a["NetworkAclAssociationId"] for a in acls["NetworkAcls"][0]["Associations"]
                if a["SubnetId"] == subnet)


def main_association(client, vpc):
    tables = client.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                   {"Name": "association.main", "Values": ["true"]}])
    return next(a["RouteTableAssociationId"] for a in tables["RouteTables"][0]["Associations"] if a.get("Main"))


def route_table(client, vpc, name):
    rt = client.create_route_table(VpcId=vpc, TagSpecifications=tags_spec("route-table", with_defaults(
        {"Name": name})))["RouteTable"]["RouteTableId"]
    return rt, one("aws_route_table", name, {
        "arn": arn(EAST, "route-table", rt), "id": rt, "owner_id": ACCOUNT, "propagating_vgws": [], "route": [],
        "tags": {"Name": name}, "tags_all": with_defaults({"Name": name}), "timeouts": None, "vpc_id": vpc},
        ["aws_vpc.main"])


def create(out):
    client = ec2()
    vpc, vpc_attrs = make_vpc(client, EAST, "10.30.0.0/16", {"Name": "parts"})
    sub_a, sub_a_attrs = make_subnet(client, EAST, vpc, "10.30.1.0/24", "us-east-1a", {"Name": "a"})
    sub_b, sub_b_attrs = make_subnet(client, EAST, vpc, "10.30.2.0/24", "us-east-1a", {"Name": "b"})
    resources = [one("aws_vpc", "main", vpc_attrs, schema_version=1),
                 one("aws_subnet", "a", sub_a_attrs, ["aws_vpc.main"], schema_version=1),
                 one("aws_subnet", "b", sub_b_attrs, ["aws_vpc.main"], schema_version=1)]

    # An ACL whose rules and subnet are declared on their own; its refreshed state lists them inline.
    acl = client.create_network_acl(VpcId=vpc, TagSpecifications=tags_spec("network-acl", with_defaults(
        {"Name": "app"})))["NetworkAcl"]["NetworkAclId"]
    https_id, https = acl_rule(client, acl, "https_in", 100, False, "tcp", "6", "10.0.0.0/8", (443, 443))
    out_id, all_out = acl_rule(client, acl, "all_out", 100, True, "-1", "-1", "0.0.0.0/0", (0, 0))
    client.replace_network_acl_association(AssociationId=association_of(client, sub_a), NetworkAclId=acl)
    acl_assoc = association_of(client, sub_a)
    resources += [one("aws_network_acl", "app", {
        "arn": arn(EAST, "network-acl", acl), "egress": [acl_block(100, "-1", "allow", "0.0.0.0/0")], "id": acl,
        "ingress": [acl_block(100, "6", "allow", "10.0.0.0/8", 443, 443)], "owner_id": ACCOUNT,
        "subnet_ids": [sub_a], "tags": {"Name": "app"}, "tags_all": with_defaults({"Name": "app"}), "vpc_id": vpc},
        ["aws_vpc.main"]), https, all_out,
        one("aws_network_acl_association", "a", {"id": acl_assoc, "network_acl_id": acl, "subnet_id": sub_a},
            ["aws_network_acl.app", "aws_subnet.a"])]

    # The VPC's main table replaced by one of Terraform's; the provider keeps the one it replaced.
    original = vpc_attrs["main_route_table_id"]
    rt_main, rt_main_res = route_table(client, vpc, "main")
    rt_other, rt_other_res = route_table(client, vpc, "other")
    client.replace_route_table_association(AssociationId=main_association(client, vpc), RouteTableId=rt_main)
    main_assoc = main_association(client, vpc)
    resources += [rt_main_res, rt_other_res, one("aws_main_route_table_association", "main", {
        "id": main_assoc, "original_route_table_id": original, "route_table_id": rt_main, "timeouts": None,
        "vpc_id": vpc}, ["aws_route_table.main", "aws_vpc.main"])]

    dopt = client.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["corp.example"]},
        {"Key": "domain-name-servers", "Values": ["10.30.0.2", "10.30.0.3"]},
        {"Key": "ntp-servers", "Values": ["10.30.0.4"]},
        {"Key": "netbios-node-type", "Values": ["2"]}])["DhcpOptions"]["DhcpOptionsId"]
    # The emulator drops TagSpecifications on CreateDhcpOptions; CreateTags is what the provider
    # would otherwise do for a set created before tag-on-create.
    client.create_tags(Resources=[dopt], Tags=[{"Key": k, "Value": v} for k, v in with_defaults({"Name": "corp"}).items()])
    client.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc)
    resources += [one("aws_vpc_dhcp_options", "corp", {
        "arn": arn(EAST, "dhcp-options", dopt), "domain_name": "corp.example",
        "domain_name_servers": ["10.30.0.2", "10.30.0.3"], "id": dopt, "ipv6_address_preferred_lease_time": "",
        "netbios_name_servers": [], "netbios_node_type": "2", "ntp_servers": ["10.30.0.4"], "owner_id": ACCOUNT,
        "tags": {"Name": "corp"}, "tags_all": with_defaults({"Name": "corp"})}),
        # The provider's id is OPTIONS-VPC.
        one("aws_vpc_dhcp_options_association", "main", {
            "dhcp_options_id": dopt, "id": f"{dopt}-{vpc}", "vpc_id": vpc},
            ["aws_vpc.main", "aws_vpc_dhcp_options.corp"])]

    ami = client.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    sg = vpc_attrs["default_security_group_id"]
    inst, inst_attrs = make_instance(client, EAST, ami, sub_b, [sg], "t3.micro", {"Name": "app"})
    vol, vol_attrs = make_volume(client, EAST, "us-east-1a", 20, {"Name": "data"})
    client.attach_volume(Device="/dev/sdh", InstanceId=inst, VolumeId=vol)
    attach_id = f"vai-{hashcode(f'/dev/sdh-{inst}-{vol}-')}"
    resources += [one("aws_instance", "app", inst_attrs, ["aws_subnet.b"], schema_version=1),
                  one("aws_ebs_volume", "data", vol_attrs),
                  one("aws_volume_attachment", "data", {
                      "device_name": "/dev/sdh", "force_detach": None, "id": attach_id, "instance_id": inst,
                      "skip_destroy": None, "stop_instance_before_detaching": None, "timeouts": None,
                      "volume_id": vol}, ["aws_ebs_volume.data", "aws_instance.app"])]

    snap = client.create_snapshot(VolumeId=vol, Description="data nightly", TagSpecifications=tags_spec(
        "snapshot", with_defaults({"Name": "data"})))
    snap_id = snap["SnapshotId"]
    resources.append(one("aws_ebs_snapshot", "data", {
        "arn": f"arn:aws:ec2:{EAST}::snapshot/{snap_id}", "data_encryption_key_id": "",
        "description": "data nightly", "encrypted": snap.get("Encrypted", False), "id": snap_id, "kms_key_id": "",
        "outpost_arn": "", "owner_alias": "", "owner_id": ACCOUNT, "permanent_restore": None,
        "storage_tier": "standard", "tags": {"Name": "data"}, "tags_all": with_defaults({"Name": "data"}),
        "temporary_restore_days": None, "timeouts": None, "volume_id": vol, "volume_size": 20},
        ["aws_ebs_volume.data"]))

    image = client.create_image(InstanceId=inst, Name="app-1", Description="app image",
                                TagSpecifications=tags_spec("image", with_defaults({"Name": "app"})))["ImageId"]
    # As the provider reads the image back after registering it.
    got = client.describe_images(ImageIds=[image])["Images"][0]
    resources.append(one("aws_ami", "app", {
        "architecture": got.get("Architecture", "x86_64"), "arn": f"arn:aws:ec2:{EAST}::image/{image}",
        "boot_mode": got.get("BootMode", ""), "deprecation_time": "", "description": "app image",
        "ebs_block_device": [], "ena_support": got.get("EnaSupport", False), "ephemeral_block_device": [],
        "hypervisor": got.get("Hypervisor", "xen"), "id": image, "image_location": got.get("ImageLocation", ""),
        "image_owner_alias": "", "image_type": "machine", "imds_support": got.get("ImdsSupport", ""),
        "kernel_id": "", "manage_ebs_snapshots": False, "name": "app-1", "owner_id": ACCOUNT,
        "platform": "", "platform_details": "", "public": False, "ramdisk_id": "",
        "root_device_name": got.get("RootDeviceName", ""), "root_snapshot_id": "", "sriov_net_support": "simple",
        "tags": {"Name": "app"}, "tags_all": with_defaults({"Name": "app"}), "timeouts": None,
        "tpm_support": "", "uefi_data": None, "usage_operation": "",
        "virtualization_type": got.get("VirtualizationType", "hvm")}, ["aws_instance.app"]))

    ids = {"vpc": vpc, "subnet_a": sub_a, "subnet_b": sub_b, "acl": acl, "acl_rule_https": https_id,
           "acl_rule_out": out_id, "acl_association": acl_assoc, "route_table_main": rt_main,
           "route_table_other": rt_other, "route_table_original": original, "main_association": main_assoc,
           "dhcp_options": dopt, "instance": inst, "volume": vol, "volume_attachment": attach_id,
           "snapshot": snap_id, "image": image}
    folder = os.path.join(out, FOLDER)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "terraform.tfstate"), "w") as f:
        json.dump(state(resources, 5), f, indent=2)
    with open(os.path.join(folder, "estate.json"), "w") as f:
        json.dump(ids, f, indent=2)
    return ids


def default_acl(client, vpc):
    acls = client.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                 {"Name": "default", "Values": ["true"]}])
    return acls["NetworkAcls"][0]["NetworkAclId"]


def drift(out, names):
    with open(os.path.join(out, FOLDER, "estate.json")) as f:
        ids = json.load(f)
    client, made = ec2(), {}
    for name in names:
        if name == "acl-rule-cidr-replaced":  # the HTTPS rule opened to a wider range in the console
            client.replace_network_acl_entry(NetworkAclId=ids["acl"], RuleNumber=100, Protocol="6",
                                             RuleAction="allow", Egress=False, CidrBlock="172.16.0.0/12",
                                             PortRange={"From": 443, "To": 443})
        elif name == "delete-acl-rule":
            client.delete_network_acl_entry(NetworkAclId=ids["acl"], RuleNumber=100, Egress=True)
        elif name == "unmanaged-acl-rule":
            client.create_network_acl_entry(NetworkAclId=ids["acl"], RuleNumber=200, Protocol="17",
                                            RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0",
                                            PortRange={"From": 53, "To": 53})
            made["acl_rule"] = f"nacl-{hashcode(ids['acl'] + '-200-false-17-')}"
        elif name == "acl-association-moved":  # subnet a back to the VPC's default ACL
            client.replace_network_acl_association(AssociationId=association_of(client, ids["subnet_a"]),
                                                   NetworkAclId=default_acl(client, ids["vpc"]))
        elif name == "unmanaged-acl-association":  # subnet b onto the ACL by hand
            client.replace_network_acl_association(AssociationId=association_of(client, ids["subnet_b"]),
                                                   NetworkAclId=ids["acl"])
            made["acl_association"] = association_of(client, ids["subnet_b"])
        elif name == "main-association-restored":  # the VPC's own table made main again
            client.replace_route_table_association(AssociationId=main_association(client, ids["vpc"]),
                                                   RouteTableId=ids["route_table_original"])
        elif name == "main-association-to-other":
            client.replace_route_table_association(AssociationId=main_association(client, ids["vpc"]),
                                                   RouteTableId=ids["route_table_other"])
            made["main_association"] = main_association(client, ids["vpc"])
        elif name == "dhcp-options-retagged":
            client.create_tags(Resources=[ids["dhcp_options"]], Tags=[{"Key": "Name", "Value": "by-hand"}])
        elif name == "dhcp-disassociated":  # the VPC given no options
            client.associate_dhcp_options(DhcpOptionsId="default", VpcId=ids["vpc"])
        elif name == "delete-dhcp-options":
            client.associate_dhcp_options(DhcpOptionsId="default", VpcId=ids["vpc"])
            client.delete_dhcp_options(DhcpOptionsId=ids["dhcp_options"])
        elif name == "unmanaged-dhcp-options":
            made["dhcp_options"] = client.create_dhcp_options(DhcpConfigurations=[
                {"Key": "domain-name", "Values": ["other.example"]}])["DhcpOptions"]["DhcpOptionsId"]
        elif name == "volume-detached":
            client.detach_volume(VolumeId=ids["volume"], InstanceId=ids["instance"], Device="/dev/sdh")
        elif name == "volume-moved":  # detached and attached again at another device, by hand
            client.detach_volume(VolumeId=ids["volume"], InstanceId=ids["instance"], Device="/dev/sdh")
            client.attach_volume(VolumeId=ids["volume"], InstanceId=ids["instance"], Device="/dev/sdj")
            made["volume_attachment"] = f"vai-{hashcode('/dev/sdj-' + ids['instance'] + '-' + ids['volume'] + '-')}"
        elif name == "snapshot-retagged":
            client.create_tags(Resources=[ids["snapshot"]], Tags=[{"Key": "Name", "Value": "by-hand"}])
        elif name == "delete-snapshot":
            client.delete_snapshot(SnapshotId=ids["snapshot"])
        elif name == "image-retagged":
            client.create_tags(Resources=[ids["image"]], Tags=[{"Key": "Name", "Value": "by-hand"}])
        elif name == "delete-image":
            client.deregister_image(ImageId=ids["image"])
        elif name == "backup-images":  # what a backup plan leaves behind: never Terraform's
            made["image"] = client.create_image(InstanceId=ids["instance"], Name="backup-1")["ImageId"]
            made["snapshot"] = client.create_snapshot(VolumeId=ids["volume"], Description="backup")["SnapshotId"]
        else:
            sys.exit(f"estate_network_parts.py: unknown drift {name!r}")
    print(json.dumps(made))


if __name__ == "__main__":
    service_cli("estate_network_parts.py", __doc__, create, drift)
