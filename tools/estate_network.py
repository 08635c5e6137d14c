#!/usr/bin/env python3
"""Sample estate of the EC2 network types beyond VPCs, subnets and gateways, for the behaviour tests.

`create` makes them in the AWS API that AWS_ENDPOINT_URL points at (the local moto server) and
writes `network/terraform.tfstate` as `terraform apply` with the AWS provider 5.x writes it
(`tags_all` with the provider's default tags, computed attributes, the endpoint policy as
`jsonencode` writes it). `drift NAME...` then changes the live estate out of band.

    provider "aws" { region = "us-east-1"  default_tags { tags = { ManagedBy = "terraform" } } }

    aws_vpc.main, aws_vpc.peer
    aws_ec2_tag.cost                      CostCentre = network on aws_vpc.main (not in its tags)
    aws_vpc_endpoint.s3                   Gateway, on the main VPC's main route table
    aws_vpc_peering_connection.main_peer  main -> peer, auto_accept
    aws_vpn_gateway.main                  attached to aws_vpc.main
    aws_customer_gateway.office
    aws_egress_only_internet_gateway.main on aws_vpc.main
    aws_subnet.main + aws_ec2_transit_gateway.hub + aws_ec2_transit_gateway_vpc_attachment.main
    aws_flow_log.main                     the main VPC's traffic into CloudWatch Logs

The ids of what was made are written to `network/estate.json`.
"""
import json
import os
import sys
import uuid

import boto3

from estate import ACCOUNT, AWS, EAST, arn, instance_entry, make_subnet, make_vpc, resource, service_cli, state, tags_spec, \
    with_defaults


def ec2():
    return boto3.client("ec2", region_name=EAST)


def jsonencode(doc):
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


def one(rtype, name, attrs, deps=()):
    return resource(rtype, name, [instance_entry(attrs, list(deps), schema_version=0)])


def create(out):
    client = ec2()
    main, main_attrs = make_vpc(client, EAST, "10.20.0.0/16", {"Name": "main"})
    peer, peer_attrs = make_vpc(client, EAST, "10.21.0.0/16", {"Name": "peer"})
    resources = [one("aws_vpc", "main", main_attrs), one("aws_vpc", "peer", peer_attrs)]

    # A tag set on its own: the VPC's configuration does not name it, so its state leaves it out.
    client.create_tags(Resources=[main], Tags=[{"Key": "CostCentre", "Value": "network"}])
    resources.append(one("aws_ec2_tag", "cost", {
        "id": f"{main},CostCentre", "key": "CostCentre", "resource_id": main, "value": "network"}, ["aws_vpc.main"]))

    rt = main_attrs["main_route_table_id"]
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::driftscan-*/*"}]}
    ep = client.create_vpc_endpoint(VpcId=main, ServiceName=f"com.amazonaws.{EAST}.s3", VpcEndpointType="Gateway",
                                    RouteTableIds=[rt], PolicyDocument=json.dumps(policy, indent=2),
                                    TagSpecifications=tags_spec("vpc-endpoint", with_defaults({"Name": "s3"})))
    ep = ep["VpcEndpoint"]
    resources.append(one("aws_vpc_endpoint", "s3", {
        "arn": arn(EAST, "vpc-endpoint", ep["VpcEndpointId"]), "auto_accept": None, "cidr_blocks": [],
        "dns_entry": [], "dns_options": [], "id": ep["VpcEndpointId"], "ip_address_type": "",
        "network_interface_ids": [], "owner_id": ACCOUNT, "policy": jsonencode(policy), "prefix_list_id": "",
        "private_dns_enabled": False, "requester_managed": False, "route_table_ids": [rt],
        "security_group_ids": [], "service_name": f"com.amazonaws.{EAST}.s3", "state": "available",
        "subnet_configuration": [], "subnet_ids": [], "tags": {"Name": "s3"},
        "tags_all": with_defaults({"Name": "s3"}), "timeouts": None, "vpc_endpoint_type": "Gateway",
        "vpc_id": main}, ["aws_vpc.main"]))

    pcx = client.create_vpc_peering_connection(
        VpcId=main, PeerVpcId=peer, TagSpecifications=tags_spec("vpc-peering-connection",
                                                                with_defaults({"Name": "main-peer"})))
    pcx = pcx["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    client.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    resources.append(one("aws_vpc_peering_connection", "main_peer", {
        "accept_status": "active", "accepter": [{"allow_remote_vpc_dns_resolution": False}], "auto_accept": True,
        "id": pcx, "peer_owner_id": ACCOUNT, "peer_region": EAST, "peer_vpc_id": peer,
        "requester": [{"allow_remote_vpc_dns_resolution": False}], "tags": {"Name": "main-peer"},
        "tags_all": with_defaults({"Name": "main-peer"}), "timeouts": None, "vpc_id": main},
        ["aws_vpc.main", "aws_vpc.peer"]))

    vgw = client.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=64512, TagSpecifications=tags_spec(
        "vpn-gateway", with_defaults({"Name": "main"})))["VpnGateway"]["VpnGatewayId"]
    client.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=main)
    resources.append(one("aws_vpn_gateway", "main", {
        "amazon_side_asn": "64512", "arn": arn(EAST, "vpn-gateway", vgw), "availability_zone": "", "id": vgw,
        "tags": {"Name": "main"}, "tags_all": with_defaults({"Name": "main"}), "vpc_id": main}, ["aws_vpc.main"]))

    cgw = client.create_customer_gateway(Type="ipsec.1", BgpAsn=65000, PublicIp="203.0.113.12", TagSpecifications=
                                         tags_spec("customer-gateway", with_defaults({"Name": "office"})))
    cgw = cgw["CustomerGateway"]["CustomerGatewayId"]
    resources.append(one("aws_customer_gateway", "office", {
        "arn": arn(EAST, "customer-gateway", cgw), "bgp_asn": "65000", "bgp_asn_extended": "",
        "certificate_arn": "", "device_name": "", "id": cgw, "ip_address": "203.0.113.12",
        "tags": {"Name": "office"}, "tags_all": with_defaults({"Name": "office"}), "type": "ipsec.1"}))

    eigw = client.create_egress_only_internet_gateway(VpcId=main, TagSpecifications=tags_spec(
        "egress-only-internet-gateway", with_defaults({"Name": "main"})))
    eigw = eigw["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    resources.append(one("aws_egress_only_internet_gateway", "main", {
        "id": eigw, "tags": {"Name": "main"}, "tags_all": with_defaults({"Name": "main"}), "vpc_id": main},
        ["aws_vpc.main"]))

    subnet, subnet_attrs = make_subnet(client, EAST, main, "10.20.1.0/24", "us-east-1a", {"Name": "main"})
    resources.append(one("aws_subnet", "main", subnet_attrs, ["aws_vpc.main"]))
    tgw = client.create_transit_gateway(Description="hub", Options={"AmazonSideAsn": 64600}, TagSpecifications=
                                        tags_spec("transit-gateway", with_defaults({"Name": "hub"})))["TransitGateway"]
    tgw_id = tgw["TransitGatewayId"]
    resources.append(one("aws_ec2_transit_gateway", "hub", {
        "amazon_side_asn": 64600, "arn": tgw["TransitGatewayArn"],
        "association_default_route_table_id": tgw["Options"].get("AssociationDefaultRouteTableId", ""),
        "auto_accept_shared_attachments": "disable", "default_route_table_association": "enable",
        "default_route_table_propagation": "enable", "description": "hub", "dns_support": "enable", "id": tgw_id,
        "multicast_support": "disable", "owner_id": ACCOUNT,
        "propagation_default_route_table_id": tgw["Options"].get("PropagationDefaultRouteTableId", ""),
        "security_group_referencing_support": "disable", "tags": {"Name": "hub"},
        "tags_all": with_defaults({"Name": "hub"}), "timeouts": None, "transit_gateway_cidr_blocks": [],
        "vpn_ecmp_support": "enable"}))
    attach = client.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw_id, VpcId=main, SubnetIds=[subnet], TagSpecifications=tags_spec(
            "transit-gateway-attachment", with_defaults({"Name": "main"})))["TransitGatewayVpcAttachment"]
    attach_id = attach["TransitGatewayAttachmentId"]
    # moto 5.2.5 drops an attachment's TagSpecifications (AWS keeps them); tagged after, as AWS has it.
    client.create_tags(Resources=[attach_id], Tags=[{"Key": k, "Value": v}
                                                    for k, v in with_defaults({"Name": "main"}).items()])
    resources.append(one("aws_ec2_transit_gateway_vpc_attachment", "main", {
        "appliance_mode_support": "disable", "dns_support": "enable", "id": attach_id, "ipv6_support": "disable",
        "security_group_referencing_support": "enable", "subnet_ids": [subnet], "tags": {"Name": "main"},
        "tags_all": with_defaults({"Name": "main"}), "timeouts": None,
        "transit_gateway_default_route_table_association": True,
        "transit_gateway_default_route_table_propagation": True, "transit_gateway_id": tgw_id, "vpc_id": main,
        "vpc_owner_id": ACCOUNT}, ["aws_ec2_transit_gateway.hub", "aws_subnet.main", "aws_vpc.main"]))
    role = f"arn:aws:iam::{ACCOUNT}:role/flow-logs"
    flow = client.create_flow_logs(ResourceIds=[main], ResourceType="VPC", TrafficType="REJECT",
                                   LogDestinationType="cloud-watch-logs", LogGroupName="/driftscan/flow",
                                   DeliverLogsPermissionArn=role, MaxAggregationInterval=60,
                                   TagSpecifications=tags_spec("vpc-flow-log", with_defaults({"Name": "main"})))
    flow_id = flow["FlowLogIds"][0]
    # As the provider reads it back: the log group's destination as AWS says it (here, none).
    resources.append(one("aws_flow_log", "main", {
        "arn": arn(EAST, "vpc-flow-log", flow_id), "deliver_cross_account_role": "", "destination_options": [],
        "eni_id": "", "iam_role_arn": role, "id": flow_id, "log_destination": "",
        "log_destination_type": "cloud-watch-logs", "log_format": "", "log_group_name": "/driftscan/flow",
        "max_aggregation_interval": 60, "subnet_id": "", "tags": {"Name": "main"},
        "tags_all": with_defaults({"Name": "main"}), "traffic_type": "REJECT", "transit_gateway_attachment_id": "",
        "transit_gateway_id": "", "vpc_id": main}, ["aws_vpc.main"]))

    ids = {"vpc_main": main, "subnet": subnet, "transit_gateway": tgw_id, "transit_attachment": attach_id,
           "flow_log": flow_id, "vpc_peer": peer, "route_table": rt, "endpoint": ep["VpcEndpointId"], "peering": pcx,
           "vpn_gateway": vgw, "customer_gateway": cgw, "egress_only": eigw}
    folder = os.path.join(out, "network")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "terraform.tfstate"), "w") as f:
        json.dump(state(resources, 7), f, indent=2)
    with open(os.path.join(folder, "estate.json"), "w") as f:
        json.dump(ids, f, indent=2)
    return ids


def retag(client, rid, name):
    client.create_tags(Resources=[rid], Tags=[{"Key": "Name", "Value": name}])


def drift(out, names):
    with open(os.path.join(out, "network", "estate.json")) as f:
        ids = json.load(f)
    client, made = ec2(), {}
    for name in names:
        if name == "ec2-tag-changed":  # the tag's value, changed in the console on the VPC
            client.create_tags(Resources=[ids["vpc_main"]], Tags=[{"Key": "CostCentre", "Value": "finance"}])
        elif name == "endpoint-policy-widened":
            client.modify_vpc_endpoint(VpcEndpointId=ids["endpoint"], PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}))
        elif name == "peering-retagged":
            retag(client, ids["peering"], "by-hand")
        elif name == "vpn-detached":
            client.detach_vpn_gateway(VpnGatewayId=ids["vpn_gateway"], VpcId=ids["vpc_main"])
        elif name == "customer-gateway-retagged":
            retag(client, ids["customer_gateway"], "by-hand")
        elif name == "egress-only-retagged":
            retag(client, ids["egress_only"], "by-hand")
        elif name == "transit-retagged":
            retag(client, ids["transit_gateway"], "by-hand")
        elif name == "attachment-retagged":
            retag(client, ids["transit_attachment"], "by-hand")
        elif name == "flow-log-retagged":
            retag(client, ids["flow_log"], "by-hand")
        elif name == "delete-transit":  # the attachment first, then its gateway
            client.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=ids["transit_attachment"])
            client.delete_transit_gateway(TransitGatewayId=ids["transit_gateway"])
        elif name == "delete-flow-log":
            client.delete_flow_logs(FlowLogIds=[ids["flow_log"]])
        elif name == "delete-ec2-tag":
            client.delete_tags(Resources=[ids["vpc_main"]], Tags=[{"Key": "CostCentre"}])
        elif name == "delete-endpoint":
            client.delete_vpc_endpoints(VpcEndpointIds=[ids["endpoint"]])
        elif name == "delete-peering":
            client.delete_vpc_peering_connection(VpcPeeringConnectionId=ids["peering"])
        elif name == "delete-vpn-gateway":
            client.detach_vpn_gateway(VpnGatewayId=ids["vpn_gateway"], VpcId=ids["vpc_main"])
            client.delete_vpn_gateway(VpnGatewayId=ids["vpn_gateway"])
        elif name == "delete-customer-gateway":
            client.delete_customer_gateway(CustomerGatewayId=ids["customer_gateway"])
        elif name == "delete-egress-only":
            client.delete_egress_only_internet_gateway(EgressOnlyInternetGatewayId=ids["egress_only"])
        elif name == "unmanaged-endpoint":
            made["endpoint"] = client.create_vpc_endpoint(
                VpcId=ids["vpc_peer"], ServiceName=f"com.amazonaws.{EAST}.dynamodb",
                VpcEndpointType="Gateway")["VpcEndpoint"]["VpcEndpointId"]
        elif name == "unmanaged-vpn-gateway":
            made["vpn_gateway"] = client.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
        elif name == "unmanaged-customer-gateway":
            made["customer_gateway"] = client.create_customer_gateway(
                Type="ipsec.1", BgpAsn=65001, PublicIp="203.0.113.99")["CustomerGateway"]["CustomerGatewayId"]
        elif name == "unmanaged-egress-only":
            made["egress_only"] = client.create_egress_only_internet_gateway(
                VpcId=ids["vpc_peer"])["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
        else:
            sys.exit(f"estate_network.py: unknown drift {name!r}")
    print(json.dumps(made))


if __name__ == "__main__":
    service_cli("estate_network.py", __doc__, create, drift)
