#!/usr/bin/env python3
"""Sample messaging and data estate (SQS, SNS, DynamoDB, CloudWatch Logs, ECR, Secrets Manager)
for the behaviour tests.

`create` makes queues, topics, a subscription, tables and log groups in the AWS API that
AWS_ENDPOINT_URL points at (the local moto server) and writes `data/terraform.tfstate` as
`terraform apply` with the AWS provider 5.x writes it: `tags_all` with the provider's default
tags, the computed attributes it reads back after creating, policies as `jsonencode` writes them
(compact, keys sorted) while AWS was given other spellings of the same documents.
`drift NAME...` then changes the live estate out of band.

The estate, as the Terraform configuration would declare it:

    provider "aws" { region = "us-east-1"  default_tags { tags = { ManagedBy = "terraform" } } }

    aws_sqs_queue.dlq
    aws_sqs_queue.orders          retention 1 day, long polling, redrive to dlq, tags
    aws_sqs_queue_policy.orders   the events topic may send
    aws_sns_topic.alerts          display name, tags + aws_sns_topic_policy.alerts
    aws_sns_topic.events          its policy left as SNS made it (compared on the topic)
    aws_sns_topic_subscription.orders   events -> orders queue (sqs)
    aws_dynamodb_table.orders     on demand, pk/sk, stream, point-in-time recovery on, tags
    aws_dynamodb_table.sessions   provisioned 5/5, hash key only, recovery off
    aws_cloudwatch_log_group.app  retention 14 days, tags
    aws_cloudwatch_log_group.audit   never expires
    aws_ecr_repository.app        immutable tags, scan on push, tags + aws_ecr_lifecycle_policy.app
    aws_secretsmanager_secret.db  description, resource policy, tags (its value is no concern here)
      + aws_secretsmanager_secret_version.db (compared: that it exists, its stages)
    aws_cloudwatch_log_metric_filter.errors  counts the app group's ERROR lines
    aws_cloudwatch_metric_alarm.backlog   the orders queue's backlog, alerting the alerts topic
    aws_cloudwatch_event_rule.nightly     a schedule + aws_cloudwatch_event_target.nightly (the alerts topic)
    aws_route53_zone.main         + aws_route53_record.www (A), .txt (TXT, quoted by Route53),
                                  .apex (an alias to the www record)

The names and ids of what was made are written to `data/estate.json` so tests can name them.
"""
import argparse
import json
import os
import sys
import uuid

import boto3

ACCOUNT = "123456789012"
EAST = "us-east-1"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
DEFAULT_TAGS = {"ManagedBy": "terraform"}


def client(service):
    return boto3.client(service, region_name=EAST)


def jsonencode(doc):
    """Terraform's jsonencode: compact, keys sorted."""
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


def resource(rtype, name, attrs, deps=(), schema_version=0):
    return {"mode": "managed", "type": rtype, "name": name, "provider": AWS, "instances": [{
        "schema_version": schema_version, "attributes": attrs, "sensitive_attributes": [],
        "private": "bnVsbA==", "dependencies": list(deps)}]}


def with_defaults(tags):
    return {**DEFAULT_TAGS, **tags}


def make_queue(name, tags, **attributes):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()},
                           tags=with_defaults(tags))["QueueUrl"]
    # The provider reads the queue back after creating it: its state holds what SQS says.
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = got.get("RedrivePolicy", "")
    attrs = {
        "arn": got["QueueArn"], "content_based_deduplication": False, "deduplication_scope": "",
        "delay_seconds": int(got["DelaySeconds"]), "fifo_queue": False, "fifo_throughput_limit": "", "id": url,
        "kms_data_key_reuse_period_seconds": 300, "kms_master_key_id": got.get("KmsMasterKeyId", ""),
        "max_message_size": int(got["MaximumMessageSize"]),
        "message_retention_seconds": int(got["MessageRetentionPeriod"]), "name": name, "name_prefix": "",
        "policy": "", "receive_wait_time_seconds": int(got["ReceiveMessageWaitTimeSeconds"]),
        "redrive_allow_policy": "", "redrive_policy": jsonencode(json.loads(redrive)) if redrive else "",
        "sqs_managed_sse_enabled": got.get("SqsManagedSseEnabled", "false") == "true",
        "tags": tags or None, "tags_all": with_defaults(tags), "url": url,
        "visibility_timeout_seconds": int(got["VisibilityTimeout"]),
    }
    return url, got["QueueArn"], attrs


def make_topic(name, tags, display_name=""):
    sns = client("sns")
    attributes = {"DisplayName": display_name} if display_name else {}
    arn = sns.create_topic(Name=name, Attributes=attributes,
                           Tags=[{"Key": k, "Value": v} for k, v in with_defaults(tags).items()])["TopicArn"]
    got = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    attrs = {
        "application_failure_feedback_role_arn": "", "application_success_feedback_role_arn": "",
        "application_success_feedback_sample_rate": 0, "archive_policy": "", "arn": arn, "beginning_archive_time": "",
        "content_based_deduplication": False, "delivery_policy": "", "display_name": display_name,
        "fifo_throughput_scope": "", "fifo_topic": False, "firehose_failure_feedback_role_arn": "",
        "firehose_success_feedback_role_arn": "", "firehose_success_feedback_sample_rate": 0,
        "http_failure_feedback_role_arn": "", "http_success_feedback_role_arn": "",
        "http_success_feedback_sample_rate": 0, "id": arn, "kms_master_key_id": "",
        "lambda_failure_feedback_role_arn": "", "lambda_success_feedback_role_arn": "",
        "lambda_success_feedback_sample_rate": 0, "name": name, "name_prefix": "", "owner": ACCOUNT,
        "policy": jsonencode(json.loads(got["Policy"])), "signature_version": 0,
        "sqs_failure_feedback_role_arn": "", "sqs_success_feedback_role_arn": "",
        "sqs_success_feedback_sample_rate": 0, "tags": tags or None, "tags_all": with_defaults(tags),
        "tracing_config": "",
    }
    return arn, attrs


def send_policy(queue_arn, topic_arn):
    """The queue policy as the configuration wrote it, and the same document spelt another way for AWS."""
    doc = {"Version": "2012-10-17", "Statement": [{
        "Sid": "FromEvents", "Effect": "Allow", "Principal": {"Service": ["sns.amazonaws.com"]},
        "Action": ["sqs:SendMessage"], "Resource": [queue_arn],
        "Condition": {"ArnEquals": {"aws:SourceArn": [topic_arn]}}}]}
    aws = {"Statement": {"Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}, "Resource": queue_arn,
                         "Action": "sqs:SendMessage", "Principal": {"Service": "sns.amazonaws.com"},
                         "Effect": "Allow", "Sid": "FromEvents"}, "Version": "2012-10-17"}
    return jsonencode(doc), json.dumps(aws, indent=2)


def make_table(name, tags, billing, keys, attributes, capacity=None, stream=None, pitr=False):
    ddb = client("dynamodb")
    kwargs = {"TableName": name, "BillingMode": billing,
              "KeySchema": [{"AttributeName": k, "KeyType": t} for k, t in keys],
              "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in attributes],
              "Tags": [{"Key": k, "Value": v} for k, v in with_defaults(tags).items()]}
    if capacity:
        kwargs["ProvisionedThroughput"] = {"ReadCapacityUnits": capacity[0], "WriteCapacityUnits": capacity[1]}
    if stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    table = ddb.create_table(**kwargs)["TableDescription"]
    if pitr:
        ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True})
    hash_key = next(k for k, t in keys if t == "HASH")
    range_key = next((k for k, t in keys if t == "RANGE"), "")
    attrs = {
        "arn": table["TableArn"], "attribute": [{"name": n, "type": t} for n, t in attributes],
        "billing_mode": billing, "deletion_protection_enabled": False, "global_secondary_index": [],
        "hash_key": hash_key, "id": name, "import_table": [], "local_secondary_index": [], "name": name,
        "on_demand_throughput": [], "point_in_time_recovery": [{"enabled": pitr, "recovery_period_in_days": 35 if pitr else 0}],
        "range_key": range_key, "read_capacity": capacity[0] if capacity else 0, "replica": [],
        "restore_date_time": None, "restore_source_name": None, "restore_source_table_arn": None,
        "restore_to_latest_time": None, "server_side_encryption": [],
        "stream_arn": table.get("LatestStreamArn", ""), "stream_enabled": bool(stream),
        "stream_label": table.get("LatestStreamLabel", ""), "stream_view_type": stream or "",
        "table_class": "STANDARD", "tags": tags or None, "tags_all": with_defaults(tags), "timeouts": None,
        "ttl": [{"attribute_name": "", "enabled": False}], "write_capacity": capacity[1] if capacity else 0,
    }
    return attrs


def make_log_group(name, tags, retention=0):
    logs = client("logs")
    logs.create_log_group(logGroupName=name, tags=with_defaults(tags))
    if retention:
        logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
    return {"arn": f"arn:aws:logs:{EAST}:{ACCOUNT}:log-group:{name}", "id": name, "kms_key_id": "",
            "log_group_class": "STANDARD", "name": name, "name_prefix": "", "retention_in_days": retention,
            "skip_destroy": False, "tags": tags or None, "tags_all": with_defaults(tags)}


def make_repository(name, tags):
    ecr = client("ecr")
    repo = ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE",
                                 imageScanningConfiguration={"scanOnPush": True},
                                 tags=[{"Key": k, "Value": v} for k, v in with_defaults(tags).items()])["repository"]
    return repo, {
        "arn": repo["repositoryArn"], "encryption_configuration": [{"encryption_type": "AES256", "kms_key": ""}],
        "force_delete": None, "id": name, "image_scanning_configuration": [{"scan_on_push": True}],
        "image_tag_mutability": "IMMUTABLE", "name": name, "registry_id": repo["registryId"],
        "repository_url": repo["repositoryUri"], "tags": tags or None, "tags_all": with_defaults(tags), "timeouts": None}


LIFECYCLE = {"rules": [{"rulePriority": 1, "description": "keep 30 images", "action": {"type": "expire"},
                        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30}}]}


def make_secret(name, tags, description):
    sm = client("secretsmanager")
    arn = sm.create_secret(Name=name, Description=description,
                           Tags=[{"Key": k, "Value": v} for k, v in with_defaults(tags).items()])["ARN"]
    doc = {"Version": "2012-10-17", "Statement": [{
        "Sid": "Readers", "Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]},
        "Action": ["secretsmanager:GetSecretValue"], "Resource": ["*"]}]}
    sm.put_resource_policy(SecretId=arn, ResourcePolicy=json.dumps({
        "Statement": [{"Resource": "*", "Action": "secretsmanager:GetSecretValue",
                       "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Effect": "Allow", "Sid": "Readers"}],
        "Version": "2012-10-17"}, indent=2))
    return arn, {
        "arn": arn, "description": description, "force_overwrite_replica_secret": False, "id": arn,
        "kms_key_id": "", "name": name, "name_prefix": "", "policy": jsonencode(doc),
        "recovery_window_in_days": 30, "replica": [], "tags": tags or None, "tags_all": with_defaults(tags)}


def change_records(zone_id, action, name, rtype, values=None, ttl=300, alias=None):
    rrset = {"Name": name, "Type": rtype}
    if alias:
        rrset["AliasTarget"] = alias
    else:
        rrset.update({"TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]})
    client("route53").change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": action, "ResourceRecordSet": rrset}]})


def record_state(zone_id, fqdn, rtype, records=(), ttl=300, alias=None):
    return {"alias": [alias] if alias else [], "allow_overwrite": None, "cidr_routing_policy": [],
            "failover_routing_policy": [], "fqdn": fqdn, "geolocation_routing_policy": [],
            "geoproximity_routing_policy": [], "health_check_id": "", "id": f"{zone_id}_{fqdn}_{rtype}",
            "latency_routing_policy": [], "multivalue_answer_routing_policy": False, "name": fqdn,
            "records": list(records) or None, "set_identifier": "", "timeouts": None, "ttl": 0 if alias else ttl,
            "type": rtype, "weighted_routing_policy": [], "zone_id": zone_id}


def make_zone(name, tags):
    r53 = client("route53")
    zone = r53.create_hosted_zone(Name=name, CallerReference=str(uuid.uuid4()),
                                  HostedZoneConfig={"Comment": "Managed by Terraform", "PrivateZone": False})
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    r53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id, AddTags=[
        {"Key": k, "Value": v} for k, v in with_defaults(tags).items()])
    servers = zone["DelegationSet"]["NameServers"]
    attrs = {"arn": f"arn:aws:route53:::hostedzone/{zone_id}", "comment": "Managed by Terraform",
             "delegation_set_id": "", "force_destroy": False, "id": zone_id, "name": name,
             "name_servers": servers, "primary_name_server": servers[0], "tags": tags or None,
             "tags_all": with_defaults(tags), "vpc": [], "zone_id": zone_id}
    return zone_id, attrs


def put_filter(group, pattern):
    client("logs").put_metric_filter(logGroupName=group, filterName="errors", filterPattern=pattern,
                                     metricTransformations=[{"metricName": "Errors", "metricNamespace": "App",
                                                             "metricValue": "1"}])


def put_alarm(name, queue, topic_arn, threshold):
    client("cloudwatch").put_metric_alarm(
        AlarmName=name, Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": queue}], Statistic="Maximum", Period=300, EvaluationPeriods=2,
        Threshold=threshold, ComparisonOperator="GreaterThanThreshold", ActionsEnabled=True, AlarmActions=[topic_arn],
        Tags=[{"Key": k, "Value": v} for k, v in with_defaults({"Name": "backlog"}).items()])


def create(out):
    suffix = uuid.uuid4().hex[:8]
    resources = []

    dlq_url, dlq_arn, dlq = make_queue(f"driftscan-dlq-{suffix}", {})
    orders_url, orders_arn, orders = make_queue(
        f"driftscan-orders-{suffix}", {"Name": "orders"}, MessageRetentionPeriod=86400,
        ReceiveMessageWaitTimeSeconds=10, VisibilityTimeout=60,
        RedrivePolicy=json.dumps({"maxReceiveCount": 5, "deadLetterTargetArn": dlq_arn}))
    resources += [resource("aws_sqs_queue", "dlq", dlq),
                  resource("aws_sqs_queue", "orders", orders, ["aws_sqs_queue.dlq"])]

    alerts_arn, alerts = make_topic(f"driftscan-alerts-{suffix}", {"Name": "alerts"}, display_name="Alerts")
    events_arn, events = make_topic(f"driftscan-events-{suffix}", {})
    # The alerts topic's policy, declared on its own: only the account may publish.
    alerts_doc = {"Version": "2012-10-17", "Statement": [{
        "Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]},
        "Action": ["sns:Publish"], "Resource": [alerts_arn]}]}
    client("sns").set_topic_attributes(TopicArn=alerts_arn, AttributeName="Policy", AttributeValue=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Resource": alerts_arn, "Action": "sns:Publish",
                                                 "Principal": {"AWS": ACCOUNT}, "Effect": "Allow", "Sid": "Owner"}]}))
    # Both keep the document: the topic's copy goes stale only in the topic's own state entry.
    alerts["policy"] = jsonencode(alerts_doc)
    resources += [resource("aws_sns_topic", "alerts", alerts), resource("aws_sns_topic", "events", events),
                  resource("aws_sns_topic_policy", "alerts", {"arn": alerts_arn, "id": alerts_arn, "owner": ACCOUNT,
                                                              "policy": jsonencode(alerts_doc)}, ["aws_sns_topic.alerts"])]

    state_policy, aws_policy = send_policy(orders_arn, events_arn)
    client("sqs").set_queue_attributes(QueueUrl=orders_url, Attributes={"Policy": aws_policy})
    resources.append(resource("aws_sqs_queue_policy", "orders", {"id": orders_url, "policy": state_policy,
                                                                "queue_url": orders_url},
                              ["aws_sqs_queue.orders", "aws_sns_topic.events"], schema_version=1))

    sub_arn = client("sns").subscribe(TopicArn=events_arn, Protocol="sqs", Endpoint=orders_arn,
                                      ReturnSubscriptionArn=True)["SubscriptionArn"]
    resources.append(resource("aws_sns_topic_subscription", "orders", {
        "arn": sub_arn, "confirmation_timeout_in_minutes": 1, "confirmation_was_authenticated": True,
        "delivery_policy": "", "endpoint": orders_arn, "endpoint_auto_confirms": False, "filter_policy": "",
        "filter_policy_scope": "", "id": sub_arn, "owner_id": ACCOUNT, "pending_confirmation": False,
        "protocol": "sqs", "raw_message_delivery": False, "redrive_policy": "", "replay_policy": "",
        "subscription_role_arn": "", "topic_arn": events_arn}, ["aws_sns_topic.events", "aws_sqs_queue.orders"]))

    orders_table = f"driftscan-orders-{suffix}"
    sessions_table = f"driftscan-sessions-{suffix}"
    resources += [
        resource("aws_dynamodb_table", "orders", make_table(
            orders_table, {"Name": "orders"}, "PAY_PER_REQUEST", [("pk", "HASH"), ("sk", "RANGE")],
            [("pk", "S"), ("sk", "N")], stream="NEW_AND_OLD_IMAGES", pitr=True), schema_version=1),
        resource("aws_dynamodb_table", "sessions", make_table(
            sessions_table, {}, "PROVISIONED", [("id", "HASH")], [("id", "S")], capacity=(5, 5)), schema_version=1),
    ]

    app_group, audit_group = f"/driftscan/{suffix}/app", f"/driftscan/{suffix}/audit"
    resources += [resource("aws_cloudwatch_log_group", "app", make_log_group(app_group, {"Name": "app"}, 14)),
                  resource("aws_cloudwatch_log_group", "audit", make_log_group(audit_group, {}))]
    put_filter(app_group, "ERROR")
    resources.append(resource("aws_cloudwatch_log_metric_filter", "errors", {
        "id": "errors", "log_group_name": app_group, "name": "errors", "pattern": "ERROR",
        "metric_transformation": [{"default_value": "", "dimensions": {}, "name": "Errors",
                                   "namespace": "App", "unit": "None", "value": "1"}]},
        ["aws_cloudwatch_log_group.app"]))

    repo_name = f"driftscan/app-{suffix}"
    _, repo = make_repository(repo_name, {"Name": "app"})
    client("ecr").put_lifecycle_policy(repositoryName=repo_name, lifecyclePolicyText=json.dumps(LIFECYCLE, indent=2))
    secret_arn, secret = make_secret(f"driftscan/db-{suffix}", {"Name": "db"}, "database credentials")
    resources += [resource("aws_ecr_repository", "app", repo),
                  resource("aws_ecr_lifecycle_policy", "app", {
                      "id": repo_name, "policy": jsonencode(LIFECYCLE), "registry_id": ACCOUNT,
                      "repository": repo_name}, ["aws_ecr_repository.app"]),
                  resource("aws_secretsmanager_secret", "db", secret)]
    # Its value, as aws_secretsmanager_secret_version keeps it (the state holds the value; the
    # scan compares only that the version is there and its stages).
    version = "terraform-20261202090000000000000001"
    client("secretsmanager").put_secret_value(SecretId=secret_arn, SecretString="not-compared-value",
                                              ClientRequestToken=version)
    resources.append(resource("aws_secretsmanager_secret_version", "db", {
        "arn": secret_arn, "id": f"{secret_arn}|{version}", "secret_binary": "", "secret_id": secret_arn,
        "secret_string": "not-compared-value", "version_id": version, "version_stages": ["AWSCURRENT"]},
        ["aws_secretsmanager_secret.db"]))

    domain = f"driftscan-{suffix}.example.com"
    zone_id, zone = make_zone(domain, {"Name": "main"})
    www, txt = f"www.{domain}", f"txt.{domain}"
    change_records(zone_id, "CREATE", www, "A", ["192.0.2.10", "192.0.2.11"])
    change_records(zone_id, "CREATE", txt, "TXT", ['"v=spf1 -all"'])
    alias = {"HostedZoneId": zone_id, "DNSName": f"{www}.", "EvaluateTargetHealth": False}
    change_records(zone_id, "CREATE", f"{domain}.", "A", alias=alias)
    dep = ["aws_route53_zone.main"]
    resources += [
        resource("aws_route53_zone", "main", zone),
        # The configuration lists the addresses in another order than Route53 answers them.
        resource("aws_route53_record", "www", record_state(zone_id, www, "A", ["192.0.2.11", "192.0.2.10"]), dep, 2),
        resource("aws_route53_record", "txt", record_state(zone_id, txt, "TXT", ["v=spf1 -all"]), dep, 2),
        resource("aws_route53_record", "apex", record_state(zone_id, domain, "A", alias={
            "evaluate_target_health": False, "name": www, "zone_id": zone_id}), dep, 2),
    ]

    alarm_name, rule_name = f"driftscan-backlog-{suffix}", f"driftscan-nightly-{suffix}"
    put_alarm(alarm_name, orders["name"], alerts_arn, 100)
    resources.append(resource("aws_cloudwatch_metric_alarm", "backlog", {
        "actions_enabled": True, "alarm_actions": [alerts_arn], "alarm_description": "", "alarm_name": alarm_name,
        "arn": f"arn:aws:cloudwatch:{EAST}:{ACCOUNT}:alarm:{alarm_name}", "comparison_operator": "GreaterThanThreshold",
        "datapoints_to_alarm": 0, "dimensions": {"QueueName": orders["name"]}, "evaluate_low_sample_count_percentiles": "",
        "evaluation_periods": 2, "extended_statistic": "", "id": alarm_name, "insufficient_data_actions": [],
        "metric_name": "ApproximateNumberOfMessagesVisible", "metric_query": [], "namespace": "AWS/SQS",
        "ok_actions": [], "period": 300, "statistic": "Maximum", "tags": {"Name": "backlog"},
        "tags_all": with_defaults({"Name": "backlog"}), "threshold": 100, "threshold_metric_id": "",
        "treat_missing_data": "missing", "unit": ""}, ["aws_sqs_queue.orders", "aws_sns_topic.alerts"], 1))
    events = client("events")
    rule_arn = events.put_rule(Name=rule_name, ScheduleExpression="rate(1 day)", State="ENABLED")["RuleArn"]
    events.put_targets(Rule=rule_name, Targets=[{"Id": "alerts", "Arn": alerts_arn}])
    resources += [
        resource("aws_cloudwatch_event_rule", "nightly", {
            "arn": rule_arn, "description": "", "event_bus_name": "default", "event_pattern": None,
            "force_destroy": False, "id": rule_name, "is_enabled": True, "name": rule_name, "name_prefix": "",
            "role_arn": "", "schedule_expression": "rate(1 day)", "state": "ENABLED", "tags": None,
            "tags_all": DEFAULT_TAGS}, schema_version=1),
        resource("aws_cloudwatch_event_target", "nightly", {
            "appsync_target": [], "arn": alerts_arn, "batch_target": [], "dead_letter_config": [], "ecs_target": [],
            "event_bus_name": "default", "force_destroy": False, "http_target": [], "id": f"{rule_name}-alerts",
            "input": "", "input_path": "", "input_transformer": [], "kinesis_target": [], "redshift_target": [],
            "retry_policy": [], "role_arn": "", "rule": rule_name, "run_command_targets": [],
            "sagemaker_pipeline_target": [], "sqs_target": [], "target_id": "alerts"},
            ["aws_cloudwatch_event_rule.nightly", "aws_sns_topic.alerts"], 1),
    ]

    ids = {"queue_dlq": dlq_url, "queue_orders": orders_url, "topic_alerts": alerts_arn, "topic_events": events_arn,
           "subscription": sub_arn, "table_orders": orders_table, "table_sessions": sessions_table,
           "group_app": app_group, "group_audit": audit_group, "repository": repo_name, "secret": secret_arn, "secret_version": f"{secret_arn}|{version}",
           "alarm": alarm_name, "rule": rule_name, "zone": zone_id, "domain": domain, "suffix": suffix}
    folder = os.path.join(out, "data")
    os.makedirs(folder, exist_ok=True)
    state = {"version": 4, "terraform_version": "1.9.8", "serial": 7, "lineage": str(uuid.uuid4()), "outputs": {},
             "resources": resources, "check_results": None}
    with open(os.path.join(folder, "terraform.tfstate"), "w") as f:
        json.dump(state, f, indent=2)
    with open(os.path.join(folder, "estate.json"), "w") as f:
        json.dump(ids, f, indent=2)
    return ids


def drift(out, names):
    with open(os.path.join(out, "data", "estate.json")) as f:
        ids = json.load(f)
    made, by_hand = {}, f"driftscan-by-hand-{uuid.uuid4().hex[:8]}"
    for name in names:
        if name == "queue-retention-changed":  # 1 day -> 14 days in the console
            sqs = client("sqs")
            # moto 5 drops a queue's policy on any SetQueueAttributes that does not repeat it
            # (SQS keeps it): the console's own call, which sends every attribute, is made.
            policy = sqs.get_queue_attributes(QueueUrl=ids["queue_orders"], AttributeNames=["Policy"])["Attributes"]
            sqs.set_queue_attributes(QueueUrl=ids["queue_orders"],
                                     Attributes={**policy, "MessageRetentionPeriod": "1209600"})
        elif name == "topic-policy-opened":  # anyone may publish now
            client("sns").set_topic_attributes(
                TopicArn=ids["topic_alerts"], AttributeName="Policy", AttributeValue=json.dumps({
                    "Version": "2012-10-17", "Statement": [{"Sid": "Owner", "Effect": "Allow", "Principal": "*",
                                                            "Action": "sns:Publish", "Resource": ids["topic_alerts"]}]}))
        elif name == "table-pitr-off":
            client("dynamodb").update_continuous_backups(TableName=ids["table_orders"], PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": False})
        elif name == "log-retention-changed":
            client("logs").put_retention_policy(logGroupName=ids["group_app"], retentionInDays=90)
        elif name == "repository-mutable":  # tags may be moved again
            client("ecr").put_image_tag_mutability(repositoryName=ids["repository"], imageTagMutability="MUTABLE")
        elif name == "secret-redescribed":
            client("secretsmanager").update_secret(SecretId=ids["secret"], Description="rotated by hand")
        elif name == "delete-lifecycle-policy":
            client("ecr").delete_lifecycle_policy(repositoryName=ids["repository"])
        elif name == "secret-value-put":  # a new value by hand: Terraform's version is no longer current
            client("secretsmanager").put_secret_value(SecretId=ids["secret"], SecretString="by-hand")
        elif name == "delete-secret":  # scheduled for deletion: gone as far as Terraform is concerned
            client("secretsmanager").delete_secret(SecretId=ids["secret"], RecoveryWindowInDays=7)
        elif name == "unmanaged-repository":
            made["repository"] = by_hand
            client("ecr").create_repository(repositoryName=by_hand)
        elif name == "unmanaged-secret":
            made["secret"] = client("secretsmanager").create_secret(Name=by_hand, SecretString="x")["ARN"]
        elif name == "record-value-changed":  # one address replaced by hand
            change_records(ids["zone"], "UPSERT", f"www.{ids['domain']}", "A", ["192.0.2.10", "198.51.100.7"])
        elif name == "delete-record":
            change_records(ids["zone"], "DELETE", f"txt.{ids['domain']}", "TXT", ['"v=spf1 -all"'])
        elif name == "unmanaged-record":
            made["record"] = f"{ids['zone']}_by-hand.{ids['domain']}_CNAME"
            change_records(ids["zone"], "CREATE", f"by-hand.{ids['domain']}", "CNAME", [f"www.{ids['domain']}"])
        elif name == "alarm-threshold-raised":
            put_alarm(ids["alarm"], ids["queue_orders"].rsplit("/", 1)[-1], ids["topic_alerts"], 500)
        elif name == "filter-pattern-widened":
            put_filter(ids["group_app"], "?ERROR ?WARN")
        elif name == "rule-disabled":
            client("events").disable_rule(Name=ids["rule"])
        elif name == "delete-target":
            client("events").remove_targets(Rule=ids["rule"], Ids=["alerts"])
        elif name == "delete-queue":
            client("sqs").delete_queue(QueueUrl=ids["queue_dlq"])
        elif name == "delete-subscription":
            client("sns").unsubscribe(SubscriptionArn=ids["subscription"])
        elif name == "delete-table":
            client("dynamodb").delete_table(TableName=ids["table_sessions"])
        elif name == "delete-log-group":
            client("logs").delete_log_group(logGroupName=ids["group_audit"])
        elif name == "unmanaged-queue":
            made["queue"] = client("sqs").create_queue(QueueName=by_hand)["QueueUrl"]
        elif name == "unmanaged-topic":
            made["topic"] = client("sns").create_topic(Name=by_hand)["TopicArn"]
        elif name == "unmanaged-table":
            client("dynamodb").create_table(
                TableName=by_hand, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
            made["table"] = by_hand
        elif name == "unmanaged-log-group":
            made["log_group"] = f"/by-hand/{by_hand}"
            client("logs").create_log_group(logGroupName=made["log_group"])
        else:
            sys.exit(f"estate_data.py: unknown drift {name!r}")
    print(json.dumps(made))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create", help="create the estate and write its Terraform state")
    c.add_argument("--out", required=True, help="folder under which data/ is written")
    d = sub.add_parser("drift", help="change the live estate out of band")
    d.add_argument("--out", required=True)
    d.add_argument("names", nargs="+")
    a = p.parse_args()
    if not os.environ.get("AWS_ENDPOINT_URL"):
        sys.exit("estate_data.py: AWS_ENDPOINT_URL is not set; this script only talks to a local emulator")
    if a.cmd == "create":
        print(json.dumps(create(a.out)))
    else:
        drift(a.out, a.names)


if __name__ == "__main__":
    main()
