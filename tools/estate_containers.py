#!/usr/bin/env python3
"""The EKS and ECS part of the sample estate, for the behaviour tests.

`create --out DIR` makes an EKS cluster with a node group and an ECS cluster with a task
definition and two services in the API that AWS_ENDPOINT_URL points at (the local moto server),
in the default VPC's subnets (AWS's own, so never unmanaged), and writes
`containers/terraform.tfstate` as `terraform apply` with the AWS provider 5.x writes it: `tags_all`
with the provider's default tags, every computed field of a block (`vpc_config`'s `vpc_id` and
cluster security group, the node group's `desired_size`), the service's cluster and task
definition as ARNs, and `container_definitions` as the provider flattens what ECS returns (keys
sorted, ECS's defaults filled in). `drift --out DIR NAME...` changes the live estate out of band.

    provider "aws" { region = "us-east-1"  default_tags { tags = { ManagedBy = "terraform" } } }

    aws_eks_cluster.prod (public endpoint open to 10.0.0.0/8 only) + aws_eks_node_group.workers (1..3)
    aws_ecs_cluster.apps (containerInsights enabled) + aws_ecs_task_definition.web
      + aws_ecs_service.web (2 tasks, Fargate, awsvpc) + aws_ecs_service.worker

moto has no EKS add-ons: `aws_eks_addon` is tested on recorded responses (src/aws/eks.rs).
"""
import json
import os

import boto3

from estate import instance_entry, resource, service_cli, state

ACCOUNT = os.environ.get("ESTATE_ACCOUNT", "123456789012")
DEFAULT_TAGS = {"ManagedBy": "terraform"}
ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-cluster"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-node"


def tags(own):
    return {"tags": own or None, "tags_all": {**DEFAULT_TAGS, **own}}


def ecs_tags(own):
    return [{"key": k, "value": v} for k, v in {**DEFAULT_TAGS, **own}.items()]


def default_subnets():
    ec2 = boto3.client("ec2")
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    vpc_id = subnets[0]["VpcId"]
    group = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                  {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    return sorted(s["SubnetId"] for s in subnets)[:2], vpc_id, group["GroupId"]


def container_definitions(containers):
    """As the provider flattens ECS's answer: ECS's defaults filled in, keys sorted."""
    out = []
    for c in containers:
        c = {"cpu": 0, "essential": True, "mountPoints": [], "volumesFrom": [], **c}
        c["portMappings"] = [{"hostPort": p["containerPort"], "protocol": "tcp", **p} for p in c.get("portMappings", [])]
        out.append(c)
    return json.dumps(out, separators=(",", ":"), sort_keys=True)


CONTAINERS = [{"name": "web", "image": "nginx:1.25", "portMappings": [{"containerPort": 80}],
               "environment": [{"name": "MODE", "value": "prod"}, {"name": "LOG", "value": "info"}]}]


def create(out):
    eks, ecs = boto3.client("eks"), boto3.client("ecs")
    subnets, vpc_id, group = default_subnets()
    res = []

    def add(rtype, name, attrs, deps=(), schema_version=0):
        res.append(resource(rtype, name, [instance_entry(attrs, list(deps), schema_version=schema_version)]))

    vpc = {"subnetIds": subnets, "securityGroupIds": [], "endpointPublicAccess": True,
           "endpointPrivateAccess": False, "publicAccessCidrs": ["10.0.0.0/8"]}
    cluster = eks.create_cluster(name="prod", version="1.29", roleArn=ROLE, resourcesVpcConfig=vpc,
                                 tags=DEFAULT_TAGS)["cluster"]
    got = cluster.get("resourcesVpcConfig", {})
    add("aws_eks_cluster", "prod", {
        "access_config": [], "arn": cluster["arn"], "bootstrap_self_managed_addons": True,
        "certificate_authority": [{"data": "LS0tLS1CRUdJTg=="}], "created_at": "2026-11-02T09:00:00Z",
        "enabled_cluster_log_types": [], "encryption_config": [], "endpoint": cluster.get("endpoint", ""),
        "id": "prod", "identity": [], "kubernetes_network_config": [], "name": "prod", "outpost_config": [],
        "platform_version": "eks.1", "role_arn": ROLE, "status": "ACTIVE", **tags({}), "timeouts": None,
        "version": "1.29",
        "vpc_config": [{"cluster_security_group_id": got.get("clusterSecurityGroupId", "sg-0eks0000000000000"),
                        "endpoint_private_access": False, "endpoint_public_access": True,
                        "public_access_cidrs": ["10.0.0.0/8"], "security_group_ids": [],
                        "subnet_ids": list(reversed(subnets)), "vpc_id": vpc_id}]})
    ng = eks.create_nodegroup(clusterName="prod", nodegroupName="workers", nodeRole=NODE_ROLE, subnets=subnets,
                              scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2},
                              instanceTypes=["t3.medium"], amiType="AL2_x86_64", capacityType="ON_DEMAND",
                              labels={"role": "app"}, tags=DEFAULT_TAGS)["nodegroup"]
    add("aws_eks_node_group", "workers", {
        "ami_type": ng.get("amiType", "AL2_x86_64"), "arn": ng["nodegroupArn"],
        "capacity_type": ng.get("capacityType", "ON_DEMAND"), "cluster_name": "prod", "disk_size": 20,
        "id": "prod:workers", "instance_types": ["t3.medium"], "labels": {"role": "app"}, "launch_template": [],
        "node_group_name": "workers", "node_group_name_prefix": "", "node_role_arn": NODE_ROLE,
        "release_version": ng.get("releaseVersion", ""), "remote_access": [], "resources": [],
        "scaling_config": [{"desired_size": 2, "max_size": 3, "min_size": 1}], "status": "ACTIVE",
        "subnet_ids": subnets, **tags({}), "taint": [], "timeouts": None, "update_config": [],
        "version": "1.29"}, ["aws_eks_cluster.prod"])

    apps = ecs.create_cluster(clusterName="apps", settings=[{"name": "containerInsights", "value": "enabled"}],
                              tags=ecs_tags({}))["cluster"]
    add("aws_ecs_cluster", "apps", {
        "arn": apps["clusterArn"], "configuration": [], "id": apps["clusterArn"], "name": "apps",
        "service_connect_defaults": [], "setting": [{"name": "containerInsights", "value": "enabled"}],
        **tags({})})
    td = ecs.register_task_definition(family="web", containerDefinitions=CONTAINERS, cpu="256", memory="512",
                                      networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                      tags=ecs_tags({}))["taskDefinition"]
    arn = td["taskDefinitionArn"]
    add("aws_ecs_task_definition", "web", {
        "arn": arn, "arn_without_revision": arn.rsplit(":", 1)[0],
        "container_definitions": container_definitions(CONTAINERS), "cpu": "256",
        "ephemeral_storage": [], "execution_role_arn": "", "family": "web", "id": "web", "ipc_mode": "",
        "memory": "512", "network_mode": "awsvpc", "pid_mode": "", "placement_constraints": [],
        "proxy_configuration": [], "requires_compatibilities": ["FARGATE"], "revision": td["revision"],
        "runtime_platform": [], "skip_destroy": False, **tags({}), "task_role_arn": "", "track_latest": False,
        "volume": []}, schema_version=1)
    ids = {"cluster": apps["clusterArn"], "task_definition": arn, "subnets": subnets}
    for name, count in (("web", 2), ("worker", 1)):
        svc = ecs.create_service(cluster="apps", serviceName=name, taskDefinition=arn, desiredCount=count,
                                 launchType="FARGATE", tags=ecs_tags({}),
                                 networkConfiguration={"awsvpcConfiguration": {
                                     "subnets": subnets, "securityGroups": [group], "assignPublicIp": "DISABLED"}})["service"]
        ids[name] = svc["serviceArn"]
        add("aws_ecs_service", name, {
            "alarms": [], "availability_zone_rebalancing": "", "capacity_provider_strategy": [],
            "cluster": apps["clusterArn"], "deployment_circuit_breaker": [], "deployment_controller": [],
            "deployment_maximum_percent": 200, "deployment_minimum_healthy_percent": 100,
            "desired_count": count, "enable_ecs_managed_tags": False, "enable_execute_command": False,
            "force_delete": None, "force_new_deployment": None, "health_check_grace_period_seconds": 0,
            "iam_role": "", "id": svc["serviceArn"], "launch_type": "FARGATE", "load_balancer": [],
            "name": name,
            "network_configuration": [{"assign_public_ip": False, "security_groups": [group],
                                       "subnets": list(reversed(subnets))}],
            "ordered_placement_strategy": [], "placement_constraints": [], "platform_version": "LATEST",
            "propagate_tags": "NONE", "scheduling_strategy": "REPLICA", "service_connect_configuration": [],
            "service_registries": [], **tags({}), "task_definition": arn, "timeouts": None, "triggers": {},
            "volume_configuration": [], "wait_for_steady_state": False},
            ["aws_ecs_cluster.apps", "aws_ecs_task_definition.web"])

    os.makedirs(os.path.join(out, "containers"), exist_ok=True)
    with open(os.path.join(out, "containers", "terraform.tfstate"), "w") as f:
        json.dump(state(res, 5), f, indent=2)
    with open(os.path.join(out, "containers", "estate.json"), "w") as f:
        json.dump(ids, f)
    return ids


def drift(out, names):
    with open(os.path.join(out, "containers", "estate.json")) as f:
        ids = json.load(f)
    eks, ecs = boto3.client("eks"), boto3.client("ecs")
    for name in names:
        if name == "public-access-widened":  # the API server opened to the internet
            eks.update_cluster_config(name="prod", resourcesVpcConfig={
                "subnetIds": ids["subnets"], "securityGroupIds": [], "endpointPublicAccess": True,
                "endpointPrivateAccess": False, "publicAccessCidrs": ["0.0.0.0/0"]})
        elif name == "node-group-max":
            eks.update_nodegroup_config(clusterName="prod", nodegroupName="workers",
                                        scalingConfig={"minSize": 1, "maxSize": 6, "desiredSize": 2})
        elif name == "node-group-desired":  # what the cluster autoscaler does: not drift
            eks.update_nodegroup_config(clusterName="prod", nodegroupName="workers",
                                        scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 3})
        elif name == "service-desired":
            ecs.update_service(cluster="apps", service="web", desiredCount=5)
        elif name == "revision-moved":  # a new image registered by hand
            containers = [{**CONTAINERS[0], "image": "nginx:1.26"}]
            ecs.register_task_definition(family="web", containerDefinitions=containers, cpu="256", memory="512",
                                         networkMode="awsvpc", requiresCompatibilities=["FARGATE"])
        elif name == "worker-deleted":
            ecs.delete_service(cluster="apps", service="worker", force=True)
        elif name == "node-group-replaced":  # the declared group deleted, another made by hand
            eks.delete_nodegroup(clusterName="prod", nodegroupName="workers")
            eks.create_nodegroup(clusterName="prod", nodegroupName="batch", nodeRole=NODE_ROLE,
                                 subnets=ids["subnets"], scalingConfig={"minSize": 0, "maxSize": 2, "desiredSize": 0})
        elif name == "shadow-cluster":  # made in the console, never declared
            ecs.create_cluster(clusterName="shadow")
        else:
            raise SystemExit(f"unknown drift {name}")


if __name__ == "__main__":
    service_cli("estate_containers.py", __doc__, create, drift)
