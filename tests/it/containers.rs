//! EKS and ECS against the emulator: an estate written into its state as the AWS provider 5.x
//! writes it (`tools/estate_containers.py`) scans clean, each out-of-band change is reported
//! once with its attribute, a deleted resource is deleted and one nobody declares is unmanaged
//! with its `import` block. moto has no EKS add-ons (`ListAddons` answers an HTML page), so
//! `aws_eks_addon` is unscanned here, never empty, and tested on built responses in
//! `src/aws/eks.rs`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::service_estate::{change, changes, ServiceEstate};

/// moto's missing `ListAddons` leaves the add-on type unscanned, with the list named.
fn assert_only_addons_unscanned(report: &Value) {
    let unscanned = report["unscanned"].as_array().unwrap();
    assert_eq!(unscanned.len(), 1, "{report:#}");
    assert_eq!(
        (unscanned[0]["type"].as_str(), unscanned[0]["region"].as_str()),
        (Some("aws_eks_addon"), Some("us-east-1"))
    );
    assert!(unscanned[0]["reason"].as_str().unwrap().starts_with("eks:ListAddons: "), "{report:#}");
}

#[test]
fn the_first_scan_of_the_containers_estate_has_no_changes() {
    let c = ServiceEstate::create("containers");
    let report = c.scan();
    assert_eq!(changes(&report), BTreeSet::new(), "{report:#}");
    let summary = &report["summary"];
    // A cluster and its node group; an ECS cluster, its task definition and two services.
    assert_eq!(summary["managed"], 6, "{summary:#}");
    assert_eq!(summary["not_compared"], 0, "{summary:#}");
    assert_only_addons_unscanned(&report);
    let calls = &summary["api_calls"];
    // EKS describes each cluster and node group; ECS describes clusters and services in batches
    // and reads only the declared task definition family.
    for (op, n) in [
        ("DescribeCluster", 1),
        ("ListNodegroups", 1),
        ("DescribeNodegroup", 1),
        ("DescribeClusters", 1),
        ("ListServices", 1),
        ("DescribeServices", 1),
        ("ListTaskDefinitionFamilies", 1),
        ("DescribeTaskDefinition", 1),
    ] {
        assert_eq!(calls[op], n, "{op}: {calls:#}");
    }

    // What the cluster autoscaler does is no drift: it moves the desired size only.
    c.drift(&["node-group-desired"]);
    let again = c.scan();
    assert_eq!(changes(&again), BTreeSet::new(), "{again:#}");
}

#[test]
fn each_out_of_band_change_is_reported_once_with_its_attribute() {
    let c = ServiceEstate::create("containers");
    c.drift(&["public-access-widened", "node-group-max", "service-desired", "revision-moved"]);
    let report = c.scan();
    let td = "aws_ecs_task_definition";
    let want: BTreeSet<_> = [
        change("drifted", "aws_eks_cluster", "prod", "vpc_config"),
        change("drifted", "aws_eks_node_group", "prod:workers", "scaling_config"),
        change("drifted", "aws_ecs_service", &c.id("web"), "desired_count"),
        // A revision registered by hand: the family's newest is another revision, with its image.
        change("drifted", td, "web", "arn"),
        change("drifted", td, "web", "container_definitions"),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");

    let by = |rtype: &str, attr: &str| {
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == rtype && c["attribute"] == attr)
            .cloned()
            .unwrap()
    };
    let vpc = by("aws_eks_cluster", "vpc_config");
    assert_eq!(vpc["declared"][0]["public_access_cidrs"], serde_json::json!(["10.0.0.0/8"]), "{vpc:#}");
    assert_eq!(vpc["actual"][0]["public_access_cidrs"], serde_json::json!(["0.0.0.0/0"]), "{vpc:#}");
    let scaling = by("aws_eks_node_group", "scaling_config");
    assert_eq!(scaling["declared"], serde_json::json!([{"min_size": 1, "max_size": 3}]), "{scaling:#}");
    assert_eq!(scaling["actual"], serde_json::json!([{"min_size": 1, "max_size": 6}]), "{scaling:#}");
    let count = by("aws_ecs_service", "desired_count");
    assert_eq!((count["declared"].as_i64(), count["actual"].as_i64()), (Some(2), Some(5)));
    let image = by(td, "container_definitions");
    assert_eq!(
        (image["declared"][0]["image"].as_str(), image["actual"][0]["image"].as_str()),
        (Some("nginx:1.25"), Some("nginx:1.26"))
    );
    let revision = by(td, "arn");
    assert!(revision["actual"].as_str().unwrap().ends_with("task-definition/web:2"), "{revision:#}");
}

#[test]
fn deleted_resources_are_deleted_and_undeclared_ones_unmanaged_with_their_import() {
    let c = ServiceEstate::create("containers");
    c.drift(&["worker-deleted", "shadow-cluster", "node-group-replaced"]);
    let report = c.scan();
    let shadow = c.id("cluster").replace("cluster/apps", "cluster/shadow");
    let want: BTreeSet<_> = [
        change("deleted", "aws_ecs_service", &c.id("worker"), ""),
        change("unmanaged", "aws_ecs_cluster", &shadow, ""),
        change("deleted", "aws_eks_node_group", "prod:workers", ""),
        change("unmanaged", "aws_eks_node_group", "prod:batch", ""),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");
    assert_only_addons_unscanned(&report);
    let import = |rtype: &str| {
        let c = report["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "unmanaged" && c["type"] == rtype);
        c.unwrap()["import"].as_str().unwrap().to_owned()
    };
    // `terraform import` takes an ECS cluster's name, not the ARN that is its id in state.
    let cluster = import("aws_ecs_cluster");
    assert!(cluster.contains("to = aws_ecs_cluster.") && cluster.contains("id = \"shadow\""), "{cluster}");
    let group = import("aws_eks_node_group");
    assert!(group.contains("to = aws_eks_node_group.") && group.contains("id = \"prod:batch\""), "{group}");
}
