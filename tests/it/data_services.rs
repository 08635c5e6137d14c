//! SQS, SNS, DynamoDB and CloudWatch Logs against the emulator: an estate written into its
//! state as the AWS provider 5.x writes it (`tools/estate_data.py`) scans clean, each
//! out-of-band change is reported once with its attribute, a deleted resource is deleted and
//! one nobody declares is unmanaged with its `import` block.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::{run, Moto};
use crate::service_estate::{change, changes, ServiceEstate};

#[test]
fn the_first_scan_of_the_data_estate_has_no_changes() {
    let d = ServiceEstate::create("data");
    let report = d.scan();
    assert_eq!(changes(&report), BTreeSet::new(), "{report:#}");
    let summary = &report["summary"];
    assert_eq!(summary["unscanned"], 0, "{report:#}");
    // 2 queues + 1 policy, 2 topics + 1 policy + 1 subscription, 2 tables, 2 log groups, a
    // repository + its lifecycle policy, a secret and its version, a zone with 3 records, a metric
    // filter, an alarm, a rule and its target.
    assert_eq!(summary["managed"], 23, "{summary:#}");
    assert_eq!(summary["not_compared"], 0, "{summary:#}");
    let calls = &summary["api_calls"];
    for (op, n) in [
        ("ListQueues", 1),
        ("GetQueueAttributes", 2),
        ("ListTopics", 1),
        ("GetTopicAttributes", 2),
        ("ListSubscriptions", 1),
        ("ListTables", 1),
        ("DescribeTable", 2),
        ("DescribeContinuousBackups", 2),
        ("DescribeLogGroups", 1),
        ("DescribeRepositories", 1),
        ("GetLifecyclePolicy", 1),
        ("ListSecrets", 1),
        ("GetResourcePolicy", 1),
        ("ListSecretVersionIds", 1),
        ("ListHostedZones", 1),
        ("ListResourceRecordSets", 1),
        ("DescribeMetricFilters", 1),
        ("DescribeAlarms", 1),
        ("ListEventBuses", 1),
        ("ListRules", 1),
        ("ListTargetsByRule", 1),
    ] {
        assert_eq!(calls[op], n, "{op}: {calls:#}");
    }

    // What nobody declares is listed, not read: its calls do not grow.
    d.drift(&[
        "unmanaged-queue",
        "unmanaged-topic",
        "unmanaged-table",
        "unmanaged-log-group",
        "unmanaged-repository",
        "unmanaged-secret",
    ]);
    let again = d.scan();
    let calls = &again["summary"]["api_calls"];
    for (op, n) in [
        ("GetQueueAttributes", 2),
        ("GetTopicAttributes", 2),
        ("DescribeTable", 2),
        ("DescribeContinuousBackups", 2),
        ("GetLifecyclePolicy", 1),
        ("GetResourcePolicy", 1),
    ] {
        assert_eq!(calls[op], n, "{op}: {calls:#}");
    }
    // A secret's value is never read.
    assert!(calls.get("GetSecretValue").is_none(), "{calls:#}");
}

#[test]
fn each_out_of_band_change_is_reported_once_with_its_attribute() {
    let d = ServiceEstate::create("data");
    d.drift(&[
        "queue-retention-changed",
        "topic-policy-opened",
        "table-pitr-off",
        "log-retention-changed",
        "repository-mutable",
        "secret-redescribed",
        "record-value-changed",
        "secret-value-put",
        "alarm-threshold-raised",
        "rule-disabled",
        "filter-pattern-widened",
    ]);
    let report = d.scan();
    let want: BTreeSet<_> = [
        change("drifted", "aws_sqs_queue", &d.id("queue_orders"), "message_retention_seconds"),
        // Declared on its own, the topic's policy is compared there, once.
        change("drifted", "aws_sns_topic_policy", &d.id("topic_alerts"), "policy"),
        change("drifted", "aws_dynamodb_table", &d.id("table_orders"), "point_in_time_recovery"),
        change("drifted", "aws_cloudwatch_log_group", &d.id("group_app"), "retention_in_days"),
        change("drifted", "aws_ecr_repository", &d.id("repository"), "image_tag_mutability"),
        change("drifted", "aws_secretsmanager_secret", &d.id("secret"), "description"),
        change("drifted", "aws_secretsmanager_secret_version", &d.id("secret_version"), "version_stages"),
        change("drifted", "aws_route53_record", &format!("{}_www.{}_A", d.id("zone"), d.id("domain")), "records"),
        change("drifted", "aws_cloudwatch_metric_alarm", &d.id("alarm"), "threshold"),
        change("drifted", "aws_cloudwatch_event_rule", &d.id("rule"), "state"),
        change("drifted", "aws_cloudwatch_log_metric_filter", "errors", "pattern"),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");

    let by = |rtype: &str| report["changes"].as_array().unwrap().iter().find(|c| c["type"] == rtype).cloned().unwrap();
    let queue = by("aws_sqs_queue");
    assert_eq!((queue["declared"].as_i64(), queue["actual"].as_i64()), (Some(86400), Some(1_209_600)));
    let policy = by("aws_sns_topic_policy");
    assert_eq!(policy["actual"]["Statement"][0]["Principal"], "*", "a readable document: {policy:#}");
    let group = by("aws_cloudwatch_log_group");
    assert_eq!((group["declared"].as_i64(), group["actual"].as_i64()), (Some(14), Some(90)));
    let table = by("aws_dynamodb_table");
    assert_eq!(table["declared"][0]["enabled"], true, "{table:#}");
    let record = by("aws_route53_record");
    assert_eq!(record["region"], "global", "{record:#}");
    assert_eq!(record["actual"], serde_json::json!(["192.0.2.10", "198.51.100.7"]), "{record:#}");
    let repo = by("aws_ecr_repository");
    assert_eq!((repo["declared"].as_str(), repo["actual"].as_str()), (Some("IMMUTABLE"), Some("MUTABLE")));
    // Terraform's version is now the previous one; neither value is read or shown.
    let version = by("aws_secretsmanager_secret_version");
    assert_eq!(version["declared"], serde_json::json!(["AWSCURRENT"]), "{version:#}");
    assert_eq!(version["actual"], serde_json::json!(["AWSPREVIOUS"]), "{version:#}");
    let text = report.to_string();
    assert!(!text.contains("not-compared-value") && !text.contains("by-hand"), "a secret value was shown");
}

#[test]
fn deleted_resources_are_deleted_and_undeclared_ones_unmanaged_with_their_import() {
    let d = ServiceEstate::create("data");
    d.drift(&[
        "delete-queue",
        "delete-subscription",
        "delete-table",
        "delete-log-group",
        "delete-lifecycle-policy",
        "delete-secret",
        "delete-record",
        "delete-target",
    ]);
    let made = d.drift(&[
        "unmanaged-queue",
        "unmanaged-topic",
        "unmanaged-table",
        "unmanaged-log-group",
        "unmanaged-repository",
        "unmanaged-secret",
        "unmanaged-record",
    ]);
    let report = d.scan();
    let made = |k: &str| made[k].as_str().unwrap().to_owned();
    let want: BTreeSet<_> = [
        change("deleted", "aws_sqs_queue", &d.id("queue_dlq"), ""),
        change("deleted", "aws_sns_topic_subscription", &d.id("subscription"), ""),
        change("deleted", "aws_dynamodb_table", &d.id("table_sessions"), ""),
        change("deleted", "aws_cloudwatch_log_group", &d.id("group_audit"), ""),
        // The repository stays; its policy went.
        change("deleted", "aws_ecr_lifecycle_policy", &d.id("repository"), ""),
        change("deleted", "aws_secretsmanager_secret", &d.id("secret"), ""),
        // Its version goes with it.
        change("deleted", "aws_secretsmanager_secret_version", &d.id("secret_version"), ""),
        change("deleted", "aws_route53_record", &format!("{}_txt.{}_TXT", d.id("zone"), d.id("domain")), ""),
        change("deleted", "aws_cloudwatch_event_target", &format!("{}-alerts", d.id("rule")), ""),
        change("unmanaged", "aws_sqs_queue", &made("queue"), ""),
        change("unmanaged", "aws_sns_topic", &made("topic"), ""),
        change("unmanaged", "aws_dynamodb_table", &made("table"), ""),
        change("unmanaged", "aws_cloudwatch_log_group", &made("log_group"), ""),
        change("unmanaged", "aws_ecr_repository", &made("repository"), ""),
        change("unmanaged", "aws_secretsmanager_secret", &made("secret"), ""),
        // The zone's own NS and SOA records are not: Route53 made them with the zone.
        change("unmanaged", "aws_route53_record", &made("record"), ""),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");
    // A new topic has SNS's default policy, which is part of the topic: never unmanaged alone.
    for c in report["changes"].as_array().unwrap().iter().filter(|c| c["kind"] == "unmanaged") {
        let import = c["import"].as_str().unwrap_or_default();
        let id = c["id"].as_str().unwrap();
        assert!(import.contains(&format!("to = {}.", c["type"].as_str().unwrap())), "{c:#}");
        assert!(import.contains(&format!("id = {}", Value::from(id))), "imported by its id: {c:#}");
    }
}

/// The type name prefixes of the services these tests cover.
const DATA: &[&str] = &["aws_sqs_", "aws_sns_", "aws_dynamodb_", "aws_cloudwatch_", "aws_ecr_", "aws_secretsmanager_"];

#[test]
fn reads_the_scanner_may_not_make_leave_their_types_unscanned_never_deleted() {
    // IAM enforced: the narrow scanner of `tools/estate.py iam-setup` may list queues, topics,
    // subscriptions, tables and log groups, but not read a declared one's attributes or tags.
    let mut moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "6")]);
    let keys: Value = serde_json::from_str(&moto.estate(&["iam-setup"])).unwrap();
    let key = |user: &str, k: &str| keys[user][k].as_str().unwrap().to_owned();
    moto.keys = (key("admin", "AccessKeyId"), key("admin", "SecretAccessKey"));
    let d = ServiceEstate::create_in("data", moto);
    d.drift(&["delete-queue", "log-retention-changed"]);

    let mut cmd = d.moto.driftscan();
    cmd.current_dir(d.dir.path())
        .env("AWS_ACCESS_KEY_ID", key("scanner", "AccessKeyId"))
        .env("AWS_SECRET_ACCESS_KEY", key("scanner", "SecretAccessKey"))
        .env_remove("AWS_SESSION_TOKEN")
        .args(["scan", "--state", "data/terraform.tfstate", "--no-history", "--format", "json"]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 0, "partial coverage is not an error:\n{}", out.stderr);
    let report = out.json();
    let unscanned: BTreeSet<(&str, &str)> = report["unscanned"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| DATA.iter().any(|p| u["type"].as_str().unwrap().starts_with(p)))
        .map(|u| (u["type"].as_str().unwrap(), u["region"].as_str().unwrap()))
        .collect();
    let want: BTreeSet<(&str, &str)> = [
        "aws_sqs_queue",
        "aws_sqs_queue_policy",
        "aws_sns_topic",
        "aws_sns_topic_policy",
        "aws_dynamodb_table",
        "aws_cloudwatch_log_group",
        "aws_ecr_repository",
        "aws_ecr_lifecycle_policy",
        "aws_secretsmanager_secret",
        "aws_secretsmanager_secret_version",
        "aws_cloudwatch_metric_alarm",
        "aws_cloudwatch_event_rule",
        "aws_cloudwatch_event_target",
    ]
    .into_iter()
    .map(|t| (t, "us-east-1"))
    .collect();
    assert_eq!(unscanned, want, "{report:#}");
    // Each reason names the list and the read it was refused (moto answers these JSON services'
    // denials in XML, which their clients cannot read a code from).
    for u in report["unscanned"].as_array().unwrap() {
        let (rtype, reason) = (u["type"].as_str().unwrap(), u["reason"].as_str().unwrap());
        let read = [
            ("aws_sqs_", "ListQueues: GetQueueAttributes: "),
            ("aws_sns_", "ListTopics: GetTopicAttributes: "),
            ("aws_dynamodb_", "ListTables: DescribeTable: "),
            ("aws_cloudwatch_metric_alarm", "DescribeAlarms: ListTagsForResource: "),
            ("aws_cloudwatch_event_", "ListRules: ListTargetsByRule: "),
            ("aws_cloudwatch_", "DescribeLogGroups: ListTagsForResource: "),
            ("aws_ecr_", "DescribeRepositories: ListTagsForResource: "),
            ("aws_secretsmanager_", "ListSecrets: GetResourcePolicy: "),
        ];
        if let Some((_, want)) = read.iter().find(|(p, _)| rtype.starts_with(p)) {
            assert!(reason.starts_with(want), "{u}");
        }
    }
    // The queue went and the retention moved, but nobody could look; the subscriptions were
    // listed and are clean.
    assert_eq!(report["changes"], serde_json::json!([]), "{report:#}");
    assert!(report["summary"]["managed"].as_u64().unwrap() >= 1, "{report:#}");
}
