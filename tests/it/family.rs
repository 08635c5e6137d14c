//! Every covered type of the EC2 family, against the emulator: one drifted attribute, one
//! deletion and one unmanaged resource of each, made by `tools/estate.py`, reported exactly.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::Estate;
use crate::scan::change_keys;

fn keys(list: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    list.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect()
}

/// (kind, type) of every change.
fn kinds_and_types(report: &Value) -> BTreeSet<(String, String)> {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["kind"].as_str().unwrap().to_owned(), c["type"].as_str().unwrap().to_owned()))
        .collect()
}

fn pairs(kind: &str, types: &[&str]) -> BTreeSet<(String, String)> {
    types.iter().map(|t| (kind.to_owned(), t.to_string())).collect()
}

fn scan_after(drift: &str) -> (Estate, Value, Value) {
    let estate = Estate::create();
    let made = estate.drift(&[drift]);
    let out = estate.scan(&["--no-history"]);
    assert_eq!(out.code, 2, "stderr:\n{}", out.stderr);
    let report = out.json();
    assert_eq!(report["unscanned"], serde_json::json!([]), "{report:#}");
    (estate, made, report)
}

#[test]
fn every_type_drifted_is_reported_exactly() {
    let (_estate, _, report) = scan_after("every-type-drifted");
    let expected = keys(&[
        ("drifted", "aws_default_network_acl.main", "ingress"),
        ("drifted", "aws_default_route_table.main", "route"),
        ("drifted", "aws_default_security_group.main", "ingress"),
        ("drifted", "aws_default_subnet.a", "map_public_ip_on_launch"),
        ("drifted", "aws_default_vpc.default", "tags"),
        ("drifted", "aws_eip.nat", "tags"),
        ("drifted", "aws_eip.replica", "tags"),
        ("drifted", "aws_internet_gateway.main", "tags"),
        ("drifted", "aws_internet_gateway.replica", "tags"),
        ("drifted", "aws_key_pair.deployer", "fingerprint"),
        ("drifted", "aws_launch_template.web", "latest_version"),
        ("drifted", "aws_nat_gateway.main", "tags"),
        ("drifted", "aws_network_acl.private", "ingress"),
        ("drifted", "aws_network_interface.extra", "source_dest_check"),
        ("drifted", "aws_route.nat", "gateway_id"),
        ("drifted", "aws_route.nat", "nat_gateway_id"),
        ("drifted", "aws_route_table.public", "route"),
        ("drifted", "aws_route_table.replica", "tags"),
        ("drifted", "aws_security_group_rule.api_https", "cidr_blocks"),
        ("drifted", "aws_vpc_security_group_ingress_rule.api_ssh", "to_port"),
    ]);
    assert_eq!(change_keys(&report), expected, "{report:#}");
    let types = [
        "aws_default_network_acl",
        "aws_default_route_table",
        "aws_default_security_group",
        "aws_default_subnet",
        "aws_default_vpc",
        "aws_eip",
        "aws_internet_gateway",
        "aws_key_pair",
        "aws_launch_template",
        "aws_nat_gateway",
        "aws_network_acl",
        "aws_network_interface",
        "aws_route",
        "aws_route_table",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
    ];
    assert_eq!(kinds_and_types(&report), pairs("drifted", &types));
    let s = &report["summary"];
    assert_eq!((s["managed"].as_u64(), s["drifted"].as_u64()), (Some(36), Some(19)), "{s}");
}

#[test]
fn every_type_deleted_is_reported_exactly() {
    let (_estate, _, report) = scan_after("every-type-deleted");
    let addresses = [
        "aws_eip.replica",
        "aws_eip_association.web",
        "aws_internet_gateway.replica",
        "aws_key_pair.deployer",
        "aws_launch_template.web",
        "aws_nat_gateway.main",
        "aws_network_acl.private",
        "aws_network_interface.extra",
        "aws_route.nat",
        "aws_route_table.private",
        "aws_route_table_association.public",
        "aws_security_group_rule.api_https",
        "aws_vpc_security_group_ingress_rule.api_ssh",
    ];
    let expected: Vec<(&str, &str, &str)> = addresses.iter().map(|a| ("deleted", *a, "")).collect();
    assert_eq!(change_keys(&report), keys(&expected), "{report:#}");
    let types: Vec<&str> = addresses.iter().map(|a| a.split('.').next().unwrap()).collect();
    assert_eq!(kinds_and_types(&report), pairs("deleted", &types));
    let s = &report["summary"];
    assert_eq!((s["managed"].as_u64(), s["deleted"].as_u64()), (Some(23), Some(13)), "{s}");
}

#[test]
fn every_type_unmanaged_is_reported_exactly() {
    let (estate, made, report) = scan_after("every-type-unmanaged");
    let types = [
        "aws_eip",
        "aws_internet_gateway",
        "aws_key_pair",
        "aws_launch_template",
        "aws_nat_gateway",
        "aws_network_acl",
        "aws_network_interface",
        "aws_route",
        "aws_route_table",
        "aws_route_table_association",
        "aws_vpc_security_group_ingress_rule",
    ];
    assert_eq!(kinds_and_types(&report), pairs("unmanaged", &types), "{report:#}");
    // Exactly what was made by hand, by id: nothing AWS made along with it (the NAT gateway's
    // interface and address association) is reported.
    let found: BTreeSet<&str> =
        report["changes"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    let made: BTreeSet<&str> = made.as_object().unwrap().values().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(found, made);
    for c in report["changes"].as_array().unwrap() {
        let import = c["import"].as_str().unwrap_or_else(|| panic!("no import block: {c}"));
        assert!(import.starts_with(&format!("import {{\n  to = {}.", c["type"].as_str().unwrap())), "{import}");
    }
    let s = &report["summary"];
    assert_eq!((s["managed"].as_u64(), s["unmanaged"].as_u64()), (Some(36), Some(12)), "{s}");

    // The table counts them per type, so a person sees what to import first.
    let table = crate::harness::run(estate.scan_command().arg("--no-history"));
    for needle in ["UNMANAGED (12)\n", "\n  aws_eip (2)\n", "\n  aws_key_pair (1)\n    laptop  us-east-1\n"] {
        assert!(table.stdout.contains(needle), "table lacks {needle:?}:\n{}", table.stdout);
    }
}

/// Instances a service launched and tags as its own (an Auto Scaling group here) belong to that
/// group: never unmanaged one by one. An instance someone ran by hand still is.
#[test]
fn instances_an_auto_scaling_group_launched_are_not_unmanaged() {
    let moto = crate::harness::Moto::start();
    let made = moto.python(
        r#"
import boto3, json
ec2 = boto3.client("ec2", region_name="us-east-1")
asg = boto3.client("autoscaling", region_name="us-east-1")
ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
ec2.create_launch_template(LaunchTemplateName="nodes", LaunchTemplateData={"ImageId": ami, "InstanceType": "t3.micro"})
asg.create_auto_scaling_group(AutoScalingGroupName="nodes", MinSize=2, MaxSize=2, DesiredCapacity=2,
    LaunchTemplate={"LaunchTemplateName": "nodes"}, VPCZoneIdentifier=subnet)
group = [i["InstanceId"] for i in asg.describe_auto_scaling_groups()["AutoScalingGroups"][0]["Instances"]]
by_hand = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]["InstanceId"]
print(json.dumps({"group": group, "by_hand": by_hand}))
"#,
    );
    let made: Value = serde_json::from_str(&made).unwrap();
    assert_eq!(made["group"].as_array().unwrap().len(), 2, "the group launched its instances: {made}");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("terraform.tfstate");
    std::fs::write(
        &state,
        r#"{"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "x", "outputs": {}, "resources": []}"#,
    )
    .unwrap();
    let out = crate::harness::run(moto.driftscan().current_dir(dir.path()).args([
        "scan",
        "--state",
        state.to_str().unwrap(),
        "--no-history",
        "--format",
        "json",
    ]));
    let report = out.json();
    let instances: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "unmanaged" && c["type"] == "aws_instance")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(instances, [made["by_hand"].as_str().unwrap()], "{report:#}");
}
