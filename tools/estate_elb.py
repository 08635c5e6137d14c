#!/usr/bin/env python3
"""Sample classic load balancer estate for the behaviour tests.

`create` makes classic load balancers and an instance in the AWS API that AWS_ENDPOINT_URL
points at (the local moto server) and writes `elb/terraform.tfstate` as `terraform apply` with
the AWS provider 5.x writes it: listener protocols in lower case (the provider lower-cases
what the API answers), `ssl_certificate_id` "" when there is none, access logs that are off as
no block, the security group AWS made for a VPC load balancer given none in
`security_groups`, `tags_all` with the provider's default tags. `drift NAME...` then changes
the live estate out of band.

The estate, as the Terraform configuration would declare it (in the default VPC):

    provider "aws" { region = "us-east-1"  default_tags { tags = { ManagedBy = "terraform" } } }

    aws_instance.web           t3.micro in a default subnet
    aws_elb.web                two default subnets, no security group (AWS makes one), listener
                               http 80 -> 8080, health check HTTP:8080/health, cross-zone, idle
                               timeout 400, draining 300 s, tags, instances = [aws_instance.web]
    aws_elb.api                one listener, and aws_elb_attachment.api registering the instance
                               (written before a refresh: the balancer's `instances` are empty)

The names of what was made are written to `elb/estate.json` so tests can name them.
"""
import json
import os
import sys
import uuid

import boto3

from estate import ACCOUNT, AWS, EAST, instance_entry, make_instance, resource, service_cli, state

DEFAULT_TAGS = {"ManagedBy": "terraform"}


def elb():
    return boto3.client("elb", region_name=EAST)


def aws_tags(own):
    return [{"Key": k, "Value": v} for k, v in {**DEFAULT_TAGS, **own}.items()]


def default_network(ec2):
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    subnets = sorted(subnets, key=lambda s: s["AvailabilityZone"])[:2]
    group = ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    return [s["SubnetId"] for s in subnets], group["GroupId"]


def elb_attrs(name, own_tags):
    """aws_elb as the provider's Read writes it from the three describe calls."""
    d = elb().describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"][0]
    at = elb().describe_load_balancer_attributes(LoadBalancerName=name)["LoadBalancerAttributes"]
    check = d.get("HealthCheck")
    draining = at.get("ConnectionDraining", {})
    source = d.get("SourceSecurityGroup", {})
    groups = d.get("SecurityGroups", [])
    return {
        "access_logs": [],
        "arn": f"arn:aws:elasticloadbalancing:{EAST}:{ACCOUNT}:loadbalancer/{name}",
        "availability_zones": d.get("AvailabilityZones", []),
        "connection_draining": draining.get("Enabled", False),
        "connection_draining_timeout": draining.get("Timeout", 300),
        "cross_zone_load_balancing": at["CrossZoneLoadBalancing"]["Enabled"],
        "desync_mitigation_mode": "defensive",
        "dns_name": d["DNSName"],
        "health_check": [{
            "healthy_threshold": check["HealthyThreshold"], "interval": check["Interval"],
            "target": check["Target"], "timeout": check["Timeout"],
            "unhealthy_threshold": check["UnhealthyThreshold"]}] if check else [],
        "id": name,
        "idle_timeout": at["ConnectionSettings"]["IdleTimeout"],
        "instances": [i["InstanceId"] for i in d.get("Instances", [])],
        "internal": d.get("Scheme") == "internal",
        "listener": [{
            "instance_port": l["Listener"]["InstancePort"],
            "instance_protocol": l["Listener"].get("InstanceProtocol", l["Listener"]["Protocol"]).lower(),
            "lb_port": l["Listener"]["LoadBalancerPort"],
            "lb_protocol": l["Listener"]["Protocol"].lower(),
            "ssl_certificate_id": l["Listener"].get("SSLCertificateId") or ""} for l in d["ListenerDescriptions"]],
        "name": name,
        "name_prefix": "",
        "security_groups": groups,
        "source_security_group": f"{source.get('OwnerAlias', ACCOUNT)}/{source.get('GroupName', '')}",
        "source_security_group_id": groups[0] if groups else "",
        "subnets": list(reversed(d.get("Subnets", []))),
        "tags": own_tags or None,
        "tags_all": {**DEFAULT_TAGS, **own_tags},
        "timeouts": None,
        "zone_id": d.get("CanonicalHostedZoneNameID", ""),
    }


def make_balancer(name, subnets, listeners, own_tags):
    elb().create_load_balancer(LoadBalancerName=name, Subnets=subnets, Listeners=listeners,
                               Tags=aws_tags(own_tags))


def create(out):
    ec2 = boto3.client("ec2", region_name=EAST)
    suffix = uuid.uuid4().hex[:6]
    subnets, sg = default_network(ec2)
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    iid, inst = make_instance(ec2, EAST, ami, subnets[0], [sg], "t3.micro", {"Name": "web"})
    res = [resource("aws_instance", "web", [instance_entry(inst, [])])]

    web = f"web-{suffix}"
    make_balancer(web, subnets, [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP",
                                  "InstancePort": 8080}], {"Name": "web"})
    elb().configure_health_check(LoadBalancerName=web, HealthCheck={
        "Target": "HTTP:8080/health", "Interval": 30, "Timeout": 5, "HealthyThreshold": 2, "UnhealthyThreshold": 3})
    elb().modify_load_balancer_attributes(LoadBalancerName=web, LoadBalancerAttributes={
        "CrossZoneLoadBalancing": {"Enabled": True}, "ConnectionDraining": {"Enabled": True, "Timeout": 300},
        "ConnectionSettings": {"IdleTimeout": 400}})
    elb().register_instances_with_load_balancer(LoadBalancerName=web, Instances=[{"InstanceId": iid}])
    res.append(resource("aws_elb", "web", [instance_entry(elb_attrs(web, {"Name": "web"}), ["aws_instance.web"],
                                                           schema_version=0)]))

    api = f"api-{suffix}"
    make_balancer(api, subnets[:1], [{"Protocol": "TCP", "LoadBalancerPort": 443, "InstanceProtocol": "TCP",
                                      "InstancePort": 8443}], {})
    elb().configure_health_check(LoadBalancerName=api, HealthCheck={
        "Target": "TCP:8443", "Interval": 10, "Timeout": 5, "HealthyThreshold": 3, "UnhealthyThreshold": 3})
    elb().modify_load_balancer_attributes(LoadBalancerName=api, LoadBalancerAttributes={
        "CrossZoneLoadBalancing": {"Enabled": True}, "ConnectionDraining": {"Enabled": True, "Timeout": 300},
        "ConnectionSettings": {"IdleTimeout": 60}})
    # The balancer's state is written before its attachment registers the instance.
    api_attrs = elb_attrs(api, {})
    elb().register_instances_with_load_balancer(LoadBalancerName=api, Instances=[{"InstanceId": iid}])
    res.append(resource("aws_elb", "api", [instance_entry(api_attrs, [], schema_version=0)]))
    attachment = f"{api}-20261202105500000000000001"
    res.append(resource("aws_elb_attachment", "api", [instance_entry(
        {"elb": api, "id": attachment, "instance": iid}, ["aws_elb.api", "aws_instance.web"], schema_version=0)]))

    ids = {"suffix": suffix, "instance": iid, "web": web, "api": api, "attachment": attachment,
           "web_group": elb_attrs(web, {})["security_groups"][0]}
    folder = os.path.join(out, "elb")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "terraform.tfstate"), "w") as f:
        json.dump(state(res, 5), f, indent=2)
    with open(os.path.join(folder, "estate.json"), "w") as f:
        json.dump(ids, f, indent=2)
    return ids


def drift(out, names):
    with open(os.path.join(out, "elb", "estate.json")) as f:
        ids = json.load(f)
    made = {}
    web, api = ids["web"], ids["api"]
    for name in names:
        if name == "listener-added":
            elb().create_load_balancer_listeners(LoadBalancerName=web, Listeners=[
                {"Protocol": "TCP", "LoadBalancerPort": 8443, "InstanceProtocol": "TCP", "InstancePort": 8443}])
        elif name == "health-check-changed":
            elb().configure_health_check(LoadBalancerName=web, HealthCheck={
                "Target": "HTTP:8080/", "Interval": 30, "Timeout": 5, "HealthyThreshold": 2,
                "UnhealthyThreshold": 3})
        elif name == "idle-timeout":
            elb().modify_load_balancer_attributes(LoadBalancerName=web, LoadBalancerAttributes={
                "ConnectionSettings": {"IdleTimeout": 60}})
        elif name == "instance-deregistered":
            elb().deregister_instances_from_load_balancer(LoadBalancerName=web, Instances=[
                {"InstanceId": ids["instance"]}])
        elif name == "retagged":
            elb().add_tags(LoadBalancerNames=[web], Tags=[{"Key": "Owner", "Value": "console"}])
        elif name == "detached":  # the attachment's instance taken off by hand
            elb().deregister_instances_from_load_balancer(LoadBalancerName=api, Instances=[
                {"InstanceId": ids["instance"]}])
        elif name == "unmanaged-elb":
            made["elb"] = f"by-hand-{ids['suffix']}"
            ec2 = boto3.client("ec2", region_name=EAST)
            subnets, _ = default_network(ec2)
            make_balancer(made["elb"], subnets[:1], [{"Protocol": "HTTP", "LoadBalancerPort": 80,
                                                      "InstanceProtocol": "HTTP", "InstancePort": 80}], {})
        elif name == "delete-api":
            elb().delete_load_balancer(LoadBalancerName=api)
        else:
            sys.exit(f"estate_elb.py: unknown drift {name!r}")
    print(json.dumps(made))


if __name__ == "__main__":
    service_cli("estate_elb.py", __doc__, create, drift)
