//! RDS, Lambda, ELBv2 and Auto Scaling against the emulator: an estate written into its state as the AWS provider 5.x
//! writes it (`tools/estate_workloads.py`) scans clean, each out-of-band change is reported once
//! with its attribute (a function's environment without its values), an automatic minor
//! upgrade is no drift, deleted resources are deleted and hand-made ones unmanaged with the
//! `import` block Terraform takes.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::service_estate::{change, changes, ServiceEstate};

#[test]
fn the_first_scan_of_the_workloads_estate_has_no_changes() {
    let w = ServiceEstate::create("workloads");
    // RDS moving the database to a newer minor version by itself is what the configuration
    // asked for (`8.0` with automatic minor upgrades).
    w.drift(&["db-minor-upgrade"]);
    let report = w.scan();
    assert_eq!(changes(&report), BTreeSet::new(), "{report:#}");
    let summary = &report["summary"];
    assert_eq!(summary["unscanned"], 0, "{report:#}");
    let calls = &summary["api_calls"];
    assert_eq!(calls["DescribeDBInstances"], 1, "one list for every instance: {calls:#}");
    // Tags, policy and aliases are read for the two declared functions only.
    assert_eq!(calls["ListTags"], 2, "{calls:#}");
    assert_eq!(calls["GetPolicy"], 2, "{calls:#}");
    // One listener list per load balancer, one rule list per listener, targets of the declared group.
    assert_eq!((calls["DescribeListeners"].as_u64(), calls["DescribeRules"].as_u64()), (Some(1), Some(1)), "{calls:#}");
    assert_eq!(calls["DescribeTargetHealth"], 1, "{calls:#}");
}

#[test]
fn each_out_of_band_change_is_reported_once_with_its_attribute() {
    let w = ServiceEstate::create("workloads");
    let made = w.drift(&[
        "db-public",
        "db-unprotected",
        "cluster-backups-cut",
        "function-role-swapped",
        "function-env-changed",
        "function-memory",
        "alias-moved",
        "permission-opened",
        "mapping-disabled",
        "unmanaged-function",
        "unmanaged-db",
        "listener-port",
        "lb-retagged",
        "health-check-moved",
        "unmanaged-listener",
        // A target nobody declares (an Auto Scaling group's, say) is its group's: not unmanaged.
        "unmanaged-target",
        "asg-max-changed",
        // A scaling policy's work on the group that has one: no drift (its instance is the group's).
        "policy-scaled",
        "unmanaged-asg",
    ]);
    let (db, api) = (w.id("db"), w.id("function_api"));
    let report = w.scan();
    let made_id = |k: &str| made[k].as_str().unwrap().to_owned();
    let want: BTreeSet<_> = [
        change("drifted", "aws_db_instance", &db, "publicly_accessible"),
        change("drifted", "aws_db_instance", &db, "deletion_protection"),
        change("drifted", "aws_rds_cluster", &w.id("cluster"), "backup_retention_period"),
        change("drifted", "aws_lambda_function", &api, "role"),
        change("drifted", "aws_lambda_function", &api, "environment"),
        change("drifted", "aws_lambda_function", &w.id("function_worker"), "memory_size"),
        change("drifted", "aws_lambda_alias", &w.id("alias"), "description"),
        change("drifted", "aws_lambda_event_source_mapping", &w.id("mapping"), "enabled"),
        change("unmanaged", "aws_lambda_permission", &made_id("permission"), ""),
        change("unmanaged", "aws_lambda_function", &made_id("function"), ""),
        change("unmanaged", "aws_db_instance", &made_id("db"), ""),
        change("drifted", "aws_lb_listener", &w.id("listener"), "port"),
        change("drifted", "aws_lb", &w.id("lb"), "tags"),
        change("drifted", "aws_lb_target_group", &w.id("target_group"), "health_check"),
        change("unmanaged", "aws_lb_listener", &made_id("listener"), ""),
        change("drifted", "aws_autoscaling_group", &w.id("asg"), "max_size"),
        change("unmanaged", "aws_autoscaling_group", &made_id("asg"), ""),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");

    let by = |rtype: &str, attribute: &str| {
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == rtype && c["attribute"] == attribute)
            .cloned()
    };
    let public = by("aws_db_instance", "publicly_accessible").unwrap();
    assert_eq!((public["declared"].clone(), public["actual"].clone()), (Value::Bool(false), Value::Bool(true)));
    let port = by("aws_lb_listener", "port").unwrap();
    assert_eq!((port["declared"].clone(), port["actual"].clone()), (serde_json::json!(80), serde_json::json!(8080)));
    let role = by("aws_lambda_function", "role").unwrap();
    assert_eq!(role["actual"], w.id("role_admin"), "{role:#}");
    // The environment holds secrets: its change is told, its values never.
    let text = report.to_string();
    assert!(!text.contains("attacker.example") && !text.contains("app.internal"), "{report:#}");
    let env = by("aws_lambda_function", "environment").unwrap();
    assert_eq!(env["actual"], "(sensitive value changed)", "{env:#}");

    // Hand-made resources come with the import block Terraform takes: an instance by its
    // identifier, a permission as function/statement.
    let import = |rtype: &str| {
        let c = report["changes"].as_array().unwrap().iter().find(|c| c["type"] == rtype && c["kind"] == "unmanaged");
        c.and_then(|c| c["import"].as_str())
            .unwrap_or_else(|| panic!("no import block for {rtype}: {report:#}"))
            .to_owned()
    };
    assert!(import("aws_db_instance").contains(&format!("id = \"{}\"", made_id("db"))));
    assert!(import("aws_lambda_permission").contains(&format!("id = \"{api}/Anyone\"")));
    assert!(import("aws_lambda_function").contains(&format!("id = \"{}\"", made_id("function"))));
}

#[test]
fn deleted_databases_functions_permissions_rules_and_targets_are_deleted() {
    let w = ServiceEstate::create("workloads");
    w.drift(&["delete-db", "delete-worker", "remove-permission", "delete-rule", "deregister-target", "delete-policy"]);
    let report = w.scan();
    let want: BTreeSet<_> = [
        change("deleted", "aws_db_instance", &w.id("db"), ""),
        change("deleted", "aws_lambda_function", &w.id("function_worker"), ""),
        change("deleted", "aws_lambda_event_source_mapping", &w.id("mapping"), ""),
        change("deleted", "aws_lambda_permission", &format!("{}/AllowS3", w.id("function_api")), ""),
        change("deleted", "aws_lb_listener_rule", &w.id("rule"), ""),
        change("deleted", "aws_autoscaling_policy", &w.id("policy"), ""),
        change("deleted", "aws_lb_target_group_attachment", &format!("{},172.31.0.10", w.id("target_group")), ""),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");
}
