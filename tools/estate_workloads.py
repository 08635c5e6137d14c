#!/usr/bin/env python3
"""Sample RDS and Lambda estate for the behaviour tests.

`create` makes databases and functions in the AWS API that AWS_ENDPOINT_URL points at (the
local moto server) and writes `workloads/terraform.tfstate` as `terraform apply` with the AWS
provider 5.x writes it: `tags_all` with the provider's default tags, the instance's resource id
as its id, `engine_version` as configured beside `engine_version_actual`, the password and a
function's environment marked sensitive, computed attributes. `drift NAME...` then changes the
live estate out of band.

The estate, as the Terraform configuration would declare it (in the default VPC, so no network
of its own is needed):

    provider "aws" { region = "us-east-1"  default_tags { tags = { ManagedBy = "terraform" } } }

    aws_db_subnet_group.app, aws_db_parameter_group.app
    aws_db_instance.app        mysql 8.0 (8.0.35 runs), auto minor upgrades, deletion protection
    aws_rds_cluster.reports    aurora-postgresql 15 + aws_rds_cluster_instance.reports_a
    aws_iam_role.fn            the functions' role (IAM is listed by every scan)
    aws_lambda_function.api    python3.12, env vars, arm64 + aws_lambda_permission.api_s3
                               + aws_lambda_alias.api_live
    aws_lambda_function.worker + aws_lambda_event_source_mapping.worker (a Kinesis stream)
    aws_lb.web (internet-facing ALB) + aws_lb_listener.http (forward to web)
                               + aws_lb_listener_rule.api + aws_lb_target_group.web
                               + aws_lb_target_group_attachment.web (an IP target on its own port)
    aws_launch_configuration.app + aws_autoscaling_group.app (0 to 2, desired 0)
                               + aws_autoscaling_group.scaled with aws_autoscaling_policy.up, which
                               moves its desired capacity

The names of what was made are written to `workloads/estate.json` so tests can name them.
"""
import io
import json
import os
import sys
import uuid
import zipfile

import boto3

from estate import service_cli

ACCOUNT = "123456789012"
EAST = "us-east-1"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
DEFAULT_TAGS = {"ManagedBy": "terraform"}


def client(name):
    return boto3.client(name, region_name=EAST)


def jsonencode(doc):
    """Terraform's jsonencode: compact, keys sorted."""
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


def resource(rtype, name, attrs, deps=(), sensitive=(), schema_version=0):
    return {"mode": "managed", "type": rtype, "name": name, "provider": AWS, "instances": [{
        "schema_version": schema_version, "attributes": attrs,
        "sensitive_attributes": [[{"type": "get_attr", "value": k}] for k in sensitive],
        "private": "bnVsbA==", "dependencies": list(deps)}]}


def tags(own):
    return {"tags": own or None, "tags_all": {**DEFAULT_TAGS, **own}}


def aws_tags(own):
    return [{"Key": k, "Value": v} for k, v in {**DEFAULT_TAGS, **own}.items()]


def default_network():
    ec2 = client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    subnets = sorted(subnets, key=lambda s: s["AvailabilityZone"])[:2]
    group = ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    return vpc, [s["SubnetId"] for s in subnets], group["GroupId"]


def db_instance_attrs(db, subnet_group, sg, configured_version):
    return {
        "address": db["Endpoint"]["Address"], "allocated_storage": db["AllocatedStorage"],
        "allow_major_version_upgrade": None, "apply_immediately": False, "arn": db["DBInstanceArn"],
        "auto_minor_version_upgrade": db["AutoMinorVersionUpgrade"], "availability_zone": db["AvailabilityZone"],
        "backup_retention_period": db["BackupRetentionPeriod"], "backup_window": db["PreferredBackupWindow"],
        "ca_cert_identifier": db.get("CACertificateIdentifier", ""), "copy_tags_to_snapshot": False,
        "db_name": "", "db_subnet_group_name": subnet_group, "deletion_protection": db["DeletionProtection"],
        "engine": db["Engine"], "engine_version": configured_version, "engine_version_actual": db["EngineVersion"],
        "final_snapshot_identifier": None, "iam_database_authentication_enabled": False,
        "id": db["DbiResourceId"], "identifier": db["DBInstanceIdentifier"], "identifier_prefix": "",
        "instance_class": db["DBInstanceClass"], "iops": 0, "kms_key_id": "", "maintenance_window":
        db["PreferredMaintenanceWindow"], "manage_master_user_password": None, "master_user_secret": [],
        "max_allocated_storage": 0, "monitoring_interval": 0, "multi_az": db["MultiAZ"],
        "parameter_group_name": "app", "password": "correct-horse-battery", "port": db["Endpoint"]["Port"],
        "publicly_accessible": db.get("PubliclyAccessible", False), "replicas": [], "resource_id":
        db["DbiResourceId"], "skip_final_snapshot": True, "storage_encrypted": db["StorageEncrypted"],
        "storage_type": db["StorageType"], "timeouts": None, "username": db["MasterUsername"],
        "vpc_security_group_ids": [sg], **tags({"Name": db["DBInstanceIdentifier"]}),
    }


def make_rds(subnets, sg, suffix):
    rds = client("rds")
    out, ids = [], {}
    sub = rds.create_db_subnet_group(DBSubnetGroupName="app", DBSubnetGroupDescription="app databases",
                                     SubnetIds=subnets, Tags=aws_tags({}))["DBSubnetGroup"]
    out.append(resource("aws_db_subnet_group", "app", {
        "arn": sub["DBSubnetGroupArn"], "description": "app databases", "id": "app", "name": "app",
        "name_prefix": "", "subnet_ids": list(reversed(subnets)), "supported_network_types": ["IPV4"],
        "vpc_id": sub["VpcId"], **tags({})}))
    pg = rds.create_db_parameter_group(DBParameterGroupName="app", DBParameterGroupFamily="mysql8.0",
                                       Description="app settings", Tags=aws_tags({}))["DBParameterGroup"]
    out.append(resource("aws_db_parameter_group", "app", {
        "arn": pg["DBParameterGroupArn"], "description": "app settings", "family": "mysql8.0", "id": "app",
        "name": "app", "name_prefix": "", "parameter": [], "skip_destroy": False, **tags({})}))

    name = f"app-{suffix}"
    rds.create_db_instance(
        DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="mysql", EngineVersion="8.0.35",
        AllocatedStorage=20, MasterUsername="admin", MasterUserPassword="correct-horse-battery",
        DBSubnetGroupName="app", VpcSecurityGroupIds=[sg], BackupRetentionPeriod=7, DeletionProtection=True,
        AutoMinorVersionUpgrade=True, DBParameterGroupName="app", PubliclyAccessible=False,
        Tags=aws_tags({"Name": name}))
    db = rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]
    # The configuration asks for "8.0"; the provider keeps that and the version running.
    out.append(resource("aws_db_instance", "app", db_instance_attrs(db, "app", sg, "8.0"),
                        ["aws_db_subnet_group.app", "aws_db_parameter_group.app"], sensitive=["password"],
                        schema_version=2))
    ids["db"] = name

    cluster = f"reports-{suffix}"
    c = rds.create_db_cluster(DBClusterIdentifier=cluster, Engine="aurora-postgresql", EngineVersion="15.4",
                              MasterUsername="reports", MasterUserPassword="correct-horse-battery",
                              DBSubnetGroupName="app", VpcSecurityGroupIds=[sg], BackupRetentionPeriod=3,
                              DatabaseName="reports", Tags=aws_tags({}))["DBCluster"]
    out.append(resource("aws_rds_cluster", "reports", {
        "arn": c["DBClusterArn"], "availability_zones": c["AvailabilityZones"],
        "backup_retention_period": c["BackupRetentionPeriod"], "cluster_identifier": cluster,
        "cluster_identifier_prefix": "", "cluster_members": [f"{cluster}-a"], "cluster_resource_id":
        c["DbClusterResourceId"], "database_name": "reports", "db_subnet_group_name": "app",
        "deletion_protection": c["DeletionProtection"], "endpoint": c["Endpoint"], "engine": "aurora-postgresql",
        "engine_mode": "provisioned", "engine_version": "15.4", "engine_version_actual": c["EngineVersion"],
        "id": cluster, "master_password": "correct-horse-battery", "master_username": "reports",
        "port": c["Port"], "reader_endpoint": c["ReaderEndpoint"], "skip_final_snapshot": True,
        "storage_encrypted": c["StorageEncrypted"], "vpc_security_group_ids": [sg], **tags({})},
        ["aws_db_subnet_group.app"], sensitive=["master_password"], schema_version=0))
    member = f"{cluster}-a"
    m = rds.create_db_instance(DBInstanceIdentifier=member, DBInstanceClass="db.r6g.large",
                               Engine="aurora-postgresql", DBClusterIdentifier=cluster,
                               Tags=aws_tags({}))["DBInstance"]
    out.append(resource("aws_rds_cluster_instance", "reports_a", {
        "arn": m["DBInstanceArn"], "auto_minor_version_upgrade": m["AutoMinorVersionUpgrade"],
        "cluster_identifier": cluster, "dbi_resource_id": m["DbiResourceId"], "engine": "aurora-postgresql",
        "engine_version": "15.4", "id": member, "identifier": member, "instance_class": "db.r6g.large",
        "promotion_tier": m.get("PromotionTier", 0), "publicly_accessible": m.get("PubliclyAccessible", False),
        **tags({})}, ["aws_rds_cluster.reports"]))
    ids["cluster"], ids["cluster_member"] = cluster, member
    return out, ids


def code():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return {}\n")
    return buf.getvalue()


def function_attrs(f, env, vpc_id):
    vpc = f.get("VpcConfig") or {}
    return {
        "architectures": f["Architectures"], "arn": f["FunctionArn"], "code_sha256": f["CodeSha256"],
        "code_signing_config_arn": "", "dead_letter_config": [], "description": f.get("Description", ""),
        "environment": [{"variables": env}] if env else [], "ephemeral_storage": [{"size": 512}],
        "file_system_config": [], "filename": "build/fn.zip", "function_name": f["FunctionName"],
        "handler": f["Handler"], "id": f["FunctionName"], "image_config": [], "image_uri": "",
        "invoke_arn": f"arn:aws:apigateway:{EAST}:lambda:path/2015-03-31/functions/{f['FunctionArn']}/invocations",
        "kms_key_arn": "", "last_modified": f["LastModified"], "layers": [], "logging_config": [],
        "memory_size": f["MemorySize"], "package_type": "Zip", "publish": False,
        "qualified_arn": f"{f['FunctionArn']}:$LATEST", "reserved_concurrent_executions": -1,
        "role": f["Role"], "runtime": f["Runtime"], "s3_bucket": None, "s3_key": None,
        "skip_destroy": False, "source_code_hash": f["CodeSha256"], "source_code_size": f["CodeSize"],
        "timeout": f["Timeout"], "timeouts": None, "tracing_config": [{"mode": "PassThrough"}],
        "version": "$LATEST",
        "vpc_config": [{"ipv6_allowed_for_dual_stack": False,
                        "security_group_ids": list(reversed(vpc.get("SecurityGroupIds", []))),
                        "subnet_ids": list(reversed(vpc.get("SubnetIds", []))), "vpc_id": vpc_id}] if vpc else [],
        **tags({"Name": f["FunctionName"]}),
    }


def make_lambda(subnets, sg, vpc_id, suffix):
    iam, lam, kinesis = client("iam"), client("lambda"), client("kinesis")
    out, ids = [], {}
    trust = {"Version": "2012-10-17", "Statement": [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]}
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust), Tags=aws_tags({}))["Role"]
    out.append(resource("aws_iam_role", "fn", {
        "arn": role["Arn"], "assume_role_policy": jsonencode(trust), "create_date": "2026-11-02T09:00:00Z",
        "description": "", "force_detach_policies": False, "id": "fn", "inline_policy": [],
        "managed_policy_arns": [], "max_session_duration": 3600, "name": "fn", "name_prefix": "", "path": "/",
        "permissions_boundary": "", **tags({}), "unique_id": role["RoleId"]}))
    other = iam.create_role(RoleName="fn-admin", AssumeRolePolicyDocument=json.dumps(trust), Tags=aws_tags({}))["Role"]
    out.append(resource("aws_iam_role", "fn_admin", {
        "arn": other["Arn"], "assume_role_policy": jsonencode(trust), "create_date": "2026-11-02T09:00:00Z",
        "description": "", "force_detach_policies": False, "id": "fn-admin", "inline_policy": [],
        "managed_policy_arns": [], "max_session_duration": 3600, "name": "fn-admin", "name_prefix": "",
        "path": "/", "permissions_boundary": "", **tags({}), "unique_id": other["RoleId"]}))
    ids["role_admin"] = other["Arn"]

    api = f"api-{suffix}"
    env = {"DB_HOST": "app.internal", "LOG_LEVEL": "info"}
    f = lam.create_function(FunctionName=api, Runtime="python3.12", Role=role["Arn"], Handler="index.handler",
                            Code={"ZipFile": code()}, MemorySize=256, Timeout=10, Architectures=["arm64"],
                            Environment={"Variables": env}, VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [sg]},
                            Tags={**DEFAULT_TAGS, "Name": api})
    out.append(resource("aws_lambda_function", "api", function_attrs(f, env, vpc_id), ["aws_iam_role.fn"],
                        sensitive=["environment"]))
    lam.add_permission(FunctionName=api, StatementId="AllowS3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::driftscan-uploads",
                       SourceAccount=ACCOUNT)
    out.append(resource("aws_lambda_permission", "api_s3", {
        "action": "lambda:InvokeFunction", "event_source_token": None, "function_name": api,
        "function_url_auth_type": None, "id": "AllowS3", "principal": "s3.amazonaws.com",
        "principal_org_id": None, "qualifier": "", "source_account": ACCOUNT,
        "source_arn": "arn:aws:s3:::driftscan-uploads", "statement_id": "AllowS3", "statement_id_prefix": ""},
        ["aws_lambda_function.api"]))
    alias = lam.create_alias(FunctionName=api, Name="live", FunctionVersion="$LATEST", Description="live traffic")
    out.append(resource("aws_lambda_alias", "api_live", {
        "arn": alias["AliasArn"], "description": "live traffic", "function_name": api,
        "function_version": "$LATEST", "id": alias["AliasArn"],
        "invoke_arn": f"arn:aws:apigateway:{EAST}:lambda:path/2015-03-31/functions/{alias['AliasArn']}/invocations",
        "name": "live", "routing_config": []}, ["aws_lambda_function.api"]))

    worker = f"worker-{suffix}"
    w = lam.create_function(FunctionName=worker, Runtime="python3.12", Role=role["Arn"], Handler="index.handler",
                            Code={"ZipFile": code()}, Tags={**DEFAULT_TAGS, "Name": worker})
    out.append(resource("aws_lambda_function", "worker", function_attrs(w, {}, vpc_id), ["aws_iam_role.fn"]))
    stream = f"events-{suffix}"
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    m = lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=worker, BatchSize=50,
                                        StartingPosition="LATEST")
    out.append(resource("aws_lambda_event_source_mapping", "worker", {
        "batch_size": 50, "enabled": True, "event_source_arn": stream_arn, "function_arn": m["FunctionArn"],
        "function_name": worker, "id": m["UUID"], "last_modified": str(m["LastModified"]),
        "starting_position": "LATEST", "state": m["State"], "uuid": m["UUID"]}, ["aws_lambda_function.worker"]))
    ids.update({"function_api": api, "function_worker": worker, "alias": alias["AliasArn"], "mapping": m["UUID"],
                "role": role["Arn"]})
    return out, ids


def make_elb(subnets, vpc, suffix):
    elb = client("elbv2")
    out, ids = [], {}
    name = f"web-{suffix}"
    lb = elb.create_load_balancer(Name=name, Subnets=subnets, Scheme="internet-facing", Type="application",
                                  IpAddressType="ipv4", Tags=aws_tags({"Name": name}))["LoadBalancers"][0]
    out.append(resource("aws_lb", "web", {
        "access_logs": [{"bucket": "", "enabled": False, "prefix": ""}], "arn": lb["LoadBalancerArn"],
        "arn_suffix": lb["LoadBalancerArn"].split("loadbalancer/")[1], "client_keep_alive": 3600,
        "connection_logs": [], "customer_owned_ipv4_pool": "", "desync_mitigation_mode": "defensive",
        "dns_name": lb["DNSName"], "drop_invalid_header_fields": False, "enable_deletion_protection": False,
        "enable_http2": True, "id": lb["LoadBalancerArn"], "idle_timeout": 60, "internal": False,
        "ip_address_type": "ipv4", "load_balancer_type": "application", "name": name, "name_prefix": "",
        "security_groups": lb.get("SecurityGroups", []), "subnet_mapping": [
            {"allocation_id": "", "ipv6_address": "", "outpost_id": "", "private_ipv4_address": "", "subnet_id": s}
            for s in subnets], "subnets": list(reversed(subnets)), "timeouts": None, "vpc_id": vpc,
        "zone_id": lb["CanonicalHostedZoneId"], **tags({"Name": name})}))
    tg = elb.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip",
                                 HealthCheckPath="/health", Tags=aws_tags({}))["TargetGroups"][0]
    out.append(resource("aws_lb_target_group", "web", {
        "arn": tg["TargetGroupArn"], "arn_suffix": tg["TargetGroupArn"].split(":")[-1], "deregistration_delay": "300",
        "health_check": [{"enabled": True, "healthy_threshold": tg["HealthyThresholdCount"],
                          "interval": tg["HealthCheckIntervalSeconds"], "matcher": tg["Matcher"]["HttpCode"],
                          "path": "/health", "port": "traffic-port", "protocol": "HTTP",
                          "timeout": tg["HealthCheckTimeoutSeconds"],
                          "unhealthy_threshold": tg["UnhealthyThresholdCount"]}],
        "id": tg["TargetGroupArn"], "ip_address_type": "ipv4", "lambda_multi_value_headers_enabled": False,
        "load_balancer_arns": [lb["LoadBalancerArn"]], "name": name, "name_prefix": "", "port": 80,
        "protocol": "HTTP", "protocol_version": "HTTP1", "proxy_protocol_v2": False, "slow_start": 0,
        "target_type": "ip", "vpc_id": vpc, **tags({})}))
    elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "172.31.0.10", "Port": 8080}])
    out.append(resource("aws_lb_target_group_attachment", "web", {
        "availability_zone": None, "id": f"{tg['TargetGroupArn']}-20261102090000000000000001", "port": 8080,
        "target_group_arn": tg["TargetGroupArn"], "target_id": "172.31.0.10"}, ["aws_lb_target_group.web"]))
    listener = elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])["Listeners"][0]
    action = {"authenticate_cognito": [], "authenticate_oidc": [], "fixed_response": [], "forward": [], "order": 1,
              "redirect": [], "target_group_arn": tg["TargetGroupArn"], "type": "forward"}
    out.append(resource("aws_lb_listener", "http", {
        "alpn_policy": None, "arn": listener["ListenerArn"], "certificate_arn": None, "default_action": [action],
        "id": listener["ListenerArn"], "load_balancer_arn": lb["LoadBalancerArn"], "mutual_authentication": [],
        "port": 80, "protocol": "HTTP", "ssl_policy": "", "tags": None, "tags_all": DEFAULT_TAGS, "timeouts": None},
        ["aws_lb.web", "aws_lb_target_group.web"]))
    rule = elb.create_rule(ListenerArn=listener["ListenerArn"], Priority=10, Conditions=[
        {"Field": "path-pattern", "Values": ["/api/*"]}], Actions=[
        {"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])["Rules"][0]
    out.append(resource("aws_lb_listener_rule", "api", {
        "action": [action], "arn": rule["RuleArn"], "condition": [{"host_header": [], "http_header": [],
        "http_request_method": [], "path_pattern": [{"values": ["/api/*"]}], "query_string": [], "source_ip": []}],
        "id": rule["RuleArn"], "listener_arn": listener["ListenerArn"], "priority": 10, "tags": None,
        "tags_all": DEFAULT_TAGS}, ["aws_lb_listener.http"]))
    ids.update({"lb": lb["LoadBalancerArn"], "target_group": tg["TargetGroupArn"], "listener": listener["ListenerArn"],
                "rule": rule["RuleArn"]})
    return out, ids


def make_asg(subnets, suffix):
    asg = client("autoscaling")
    out, ids = [], {}
    image = client("ec2").describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    lc = f"app-{suffix}"
    asg.create_launch_configuration(LaunchConfigurationName=lc, ImageId=image, InstanceType="t3.micro")
    got = asg.describe_launch_configurations(LaunchConfigurationNames=[lc])["LaunchConfigurations"][0]
    out.append(resource("aws_launch_configuration", "app", {
        "arn": got["LaunchConfigurationARN"], "associate_public_ip_address": False, "ebs_block_device": [],
        "ebs_optimized": False, "enable_monitoring": True, "ephemeral_block_device": [],
        "iam_instance_profile": "", "id": lc, "image_id": image, "instance_type": "t3.micro", "key_name": "",
        "metadata_options": [], "name": lc, "name_prefix": "", "placement_tenancy": "", "root_block_device": [],
        "security_groups": [], "spot_price": "", "user_data": None, "user_data_base64": None}))

    def group(key, name, policies=()):
        asg.create_auto_scaling_group(AutoScalingGroupName=name, LaunchConfigurationName=lc, MinSize=0, MaxSize=2,
                                      DesiredCapacity=0, VPCZoneIdentifier=",".join(subnets))
        g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
        out.append(resource("aws_autoscaling_group", key, {
            "arn": g["AutoScalingGroupARN"], "availability_zones": sorted(g["AvailabilityZones"]),
            "capacity_rebalance": False, "context": "", "default_cooldown": 300, "default_instance_warmup": 0,
            "desired_capacity": 0, "desired_capacity_type": "", "enabled_metrics": [], "force_delete": False,
            "health_check_grace_period": 300, "health_check_type": "EC2", "id": name, "initial_lifecycle_hook": [],
            "instance_maintenance_policy": [], "instance_refresh": [], "launch_configuration": lc,
            "launch_template": [], "load_balancers": [], "max_instance_lifetime": 0, "max_size": 2,
            "metrics_granularity": "1Minute", "min_elb_capacity": None, "min_size": 0, "mixed_instances_policy": [],
            "name": name, "name_prefix": "", "placement_group": "", "protect_from_scale_in": False,
            "service_linked_role_arn": g.get("ServiceLinkedRoleARN", ""), "suspended_processes": [], "tag": [],
            "target_group_arns": [], "termination_policies": [], "timeouts": None, "traffic_source": [],
            "vpc_zone_identifier": list(reversed(subnets)), "wait_for_capacity_timeout": "10m",
            "wait_for_elb_capacity": None, "warm_pool": [], "warm_pool_size": 0},
            ["aws_launch_configuration.app"]))
        for p in policies:
            asg.put_scaling_policy(AutoScalingGroupName=name, PolicyName=p, AdjustmentType="ChangeInCapacity",
                                   ScalingAdjustment=1, Cooldown=60)
            got = asg.describe_policies(AutoScalingGroupName=name, PolicyNames=[p])["ScalingPolicies"][0]
            out.append(resource("aws_autoscaling_policy", p, {
                "adjustment_type": "ChangeInCapacity", "arn": got["PolicyARN"], "autoscaling_group_name": name,
                "cooldown": 60, "enabled": True, "estimated_instance_warmup": 0, "id": p,
                "metric_aggregation_type": "", "min_adjustment_magnitude": 0, "name": p,
                "policy_type": "SimpleScaling", "predictive_scaling_configuration": [], "scaling_adjustment": 1,
                "step_adjustment": [], "target_tracking_configuration": []}, [f"aws_autoscaling_group.{key}"]))
        return name

    ids["asg"] = group("app", f"app-{suffix}")
    ids["asg_scaled"] = group("scaled", f"scaled-{suffix}", policies=[f"up-{suffix}"])
    ids["policy"], ids["launch_configuration"] = f"up-{suffix}", lc
    return out, ids


def create(out):
    suffix = uuid.uuid4().hex[:6]
    vpc, subnets, sg = default_network()
    rds_res, rds_ids = make_rds(subnets, sg, suffix)
    fn_res, fn_ids = make_lambda(subnets, sg, vpc, suffix)
    elb_res, elb_ids = make_elb(subnets, vpc, suffix)
    asg_res, asg_ids = make_asg(subnets, suffix)
    ids = {**rds_ids, **fn_ids, **elb_ids, **asg_ids, "suffix": suffix}
    folder = os.path.join(out, "workloads")
    os.makedirs(folder, exist_ok=True)
    state = {"version": 4, "terraform_version": "1.9.8", "serial": 7, "lineage": str(uuid.uuid4()), "outputs": {},
             "resources": rds_res + fn_res + elb_res + asg_res, "check_results": None}
    with open(os.path.join(folder, "terraform.tfstate"), "w") as f:
        json.dump(state, f, indent=2)
    with open(os.path.join(folder, "estate.json"), "w") as f:
        json.dump(ids, f, indent=2)
    return ids


def drift(out, names):
    with open(os.path.join(out, "workloads", "estate.json")) as f:
        ids = json.load(f)
    rds, lam, made = client("rds"), client("lambda"), {}
    for name in names:
        if name == "db-public":  # the incident: a database opened to the internet
            rds.modify_db_instance(DBInstanceIdentifier=ids["db"], PubliclyAccessible=True, ApplyImmediately=True)
        elif name == "db-unprotected":
            rds.modify_db_instance(DBInstanceIdentifier=ids["db"], DeletionProtection=False, ApplyImmediately=True)
        elif name == "db-minor-upgrade":  # RDS's own automatic minor upgrade: no drift
            rds.modify_db_instance(DBInstanceIdentifier=ids["db"], EngineVersion="8.0.36", ApplyImmediately=True)
        elif name == "db-resized":
            rds.modify_db_instance(DBInstanceIdentifier=ids["db"], DBInstanceClass="db.m5.large",
                                   ApplyImmediately=True)
        elif name == "cluster-backups-cut":
            rds.modify_db_cluster(DBClusterIdentifier=ids["cluster"], BackupRetentionPeriod=1, ApplyImmediately=True)
        elif name == "function-role-swapped":
            lam.update_function_configuration(FunctionName=ids["function_api"], Role=ids["role_admin"])
        elif name == "function-env-changed":  # a value only: the report must not show it
            lam.update_function_configuration(FunctionName=ids["function_api"], Environment={"Variables": {
                "DB_HOST": "attacker.example", "LOG_LEVEL": "info"}})
        elif name == "function-memory":
            lam.update_function_configuration(FunctionName=ids["function_worker"], MemorySize=1024)
        elif name == "alias-moved":
            lam.update_alias(FunctionName=ids["function_api"], Name="live", Description="moved by hand")
        elif name == "permission-opened":  # anyone may invoke
            lam.add_permission(FunctionName=ids["function_api"], StatementId="Anyone",
                               Action="lambda:InvokeFunction", Principal="*")
            made["permission"] = f"{ids['function_api']}/Anyone"
        elif name == "mapping-disabled":
            lam.update_event_source_mapping(UUID=ids["mapping"], Enabled=False)
        elif name == "unmanaged-function":
            made["function"] = f"by-hand-{ids['suffix']}"
            lam.create_function(FunctionName=made["function"], Runtime="python3.12", Role=ids["role"],
                                Handler="index.handler", Code={"ZipFile": code()})
        elif name == "unmanaged-db":
            made["db"] = f"by-hand-{ids['suffix']}"
            rds.create_db_instance(DBInstanceIdentifier=made["db"], DBInstanceClass="db.t3.micro",
                                   Engine="postgres", AllocatedStorage=20, MasterUsername="x",
                                   MasterUserPassword="by-hand-password")
            made["db_resource_id"] = rds.describe_db_instances(
                DBInstanceIdentifier=made["db"])["DBInstances"][0]["DbiResourceId"]
        elif name == "delete-db":
            rds.modify_db_instance(DBInstanceIdentifier=ids["db"], DeletionProtection=False, ApplyImmediately=True)
            rds.delete_db_instance(DBInstanceIdentifier=ids["db"], SkipFinalSnapshot=True)
        elif name == "delete-worker":  # its mapping goes with it
            for m in lam.list_event_source_mappings(FunctionName=ids["function_worker"])["EventSourceMappings"]:
                lam.delete_event_source_mapping(UUID=m["UUID"])
            lam.delete_function(FunctionName=ids["function_worker"])
        elif name == "listener-port":  # the listener moved to another port
            client("elbv2").modify_listener(ListenerArn=ids["listener"], Port=8080)
        elif name == "lb-retagged":
            client("elbv2").add_tags(ResourceArns=[ids["lb"]], Tags=[{"Key": "Owner", "Value": "console"}])
        elif name == "health-check-moved":
            client("elbv2").modify_target_group(TargetGroupArn=ids["target_group"], HealthCheckPath="/")
        elif name == "unmanaged-listener":
            got = client("elbv2").create_listener(LoadBalancerArn=ids["lb"], Protocol="HTTP", Port=8443, DefaultActions=[
                {"Type": "forward", "TargetGroupArn": ids["target_group"]}])
            made["listener"] = got["Listeners"][0]["ListenerArn"]
        elif name == "unmanaged-target":  # registered by hand (or by an ASG): owned by its group
            client("elbv2").register_targets(TargetGroupArn=ids["target_group"], Targets=[{"Id": "172.31.0.11"}])
        elif name == "delete-rule":
            client("elbv2").delete_rule(RuleArn=ids["rule"])
        elif name == "deregister-target":
            client("elbv2").deregister_targets(TargetGroupArn=ids["target_group"], Targets=[
                {"Id": "172.31.0.10", "Port": 8080}])
        elif name == "asg-max-changed":
            client("autoscaling").update_auto_scaling_group(AutoScalingGroupName=ids["asg"], MaxSize=3)
        elif name == "policy-scaled":  # a scaling policy's work: no drift
            client("autoscaling").update_auto_scaling_group(AutoScalingGroupName=ids["asg_scaled"], MaxSize=2,
                                                            DesiredCapacity=1)
        elif name == "unmanaged-asg":
            made["asg"] = f"by-hand-{ids['suffix']}"
            client("autoscaling").create_auto_scaling_group(
                AutoScalingGroupName=made["asg"], LaunchConfigurationName=ids["launch_configuration"], MinSize=0,
                MaxSize=1, DesiredCapacity=0, AvailabilityZones=["us-east-1a"])
        elif name == "delete-policy":
            client("autoscaling").delete_policy(AutoScalingGroupName=ids["asg_scaled"], PolicyName=ids["policy"])
        elif name == "remove-permission":
            lam.remove_permission(FunctionName=ids["function_api"], StatementId="AllowS3")
        else:
            sys.exit(f"estate_workloads.py: unknown drift {name!r}")
    print(json.dumps(made))


if __name__ == "__main__":
    service_cli("estate_workloads.py", __doc__, create, drift)
