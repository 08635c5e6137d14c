//! The EC2 network types beyond VPCs and subnets against the emulator: an estate written into
//! its state as the AWS provider 5.x writes it (`tools/estate_network.py`) scans clean, each
//! out-of-band change is reported once with its attribute, removed ones are deleted and ones
//! nobody declares are unmanaged with their `import` block. A tag declared as `aws_ec2_tag` is
//! reported on that resource only, never again in its VPC's `tags`.

use std::collections::BTreeSet;

use crate::service_estate::{change, changes, ServiceEstate};

#[test]
fn the_first_scan_of_the_network_estate_has_no_changes() {
    let n = ServiceEstate::create("network");
    let report = n.scan();
    assert_eq!(changes(&report), BTreeSet::new(), "{report:#}");
    let summary = &report["summary"];
    assert_eq!(summary["unscanned"], 0, "{report:#}");
    // 2 VPCs, a tag, an endpoint, a peering, a VPN and a customer gateway, an egress-only gateway,
    // a subnet, a transit gateway and its attachment, a flow log.
    assert_eq!(summary["managed"], 12, "{summary:#}");
    let calls = &summary["api_calls"];
    assert_eq!(calls["DescribeTags"], 1, "one filtered call for the declared tags: {calls:#}");
    for op in ["DescribeVpcEndpoints", "DescribeVpcPeeringConnections", "DescribeVpnGateways"] {
        assert_eq!(calls[op], 1, "{op}: {calls:#}");
    }
}

#[test]
fn each_out_of_band_change_is_reported_once_and_new_ones_are_unmanaged() {
    let n = ServiceEstate::create("network");
    let made = n.drift(&[
        "ec2-tag-changed",
        "endpoint-policy-widened",
        "peering-retagged",
        "vpn-detached",
        "customer-gateway-retagged",
        "egress-only-retagged",
        "unmanaged-endpoint",
        "unmanaged-vpn-gateway",
        "unmanaged-customer-gateway",
        "unmanaged-egress-only",
        "transit-retagged",
        "attachment-retagged",
        "flow-log-retagged",
    ]);
    let report = n.scan();
    let new = |k: &str| made[k].as_str().unwrap().to_owned();
    let want: BTreeSet<_> = [
        // The VPC's own `tags` do not report it again.
        change("drifted", "aws_ec2_tag", &format!("{},CostCentre", n.id("vpc_main")), "value"),
        change("drifted", "aws_vpc_endpoint", &n.id("endpoint"), "policy"),
        change("drifted", "aws_vpc_peering_connection", &n.id("peering"), "tags"),
        change("drifted", "aws_vpn_gateway", &n.id("vpn_gateway"), "vpc_id"),
        change("drifted", "aws_customer_gateway", &n.id("customer_gateway"), "tags"),
        change("drifted", "aws_egress_only_internet_gateway", &n.id("egress_only"), "tags"),
        change("drifted", "aws_ec2_transit_gateway", &n.id("transit_gateway"), "tags"),
        change("drifted", "aws_ec2_transit_gateway_vpc_attachment", &n.id("transit_attachment"), "tags"),
        change("drifted", "aws_flow_log", &n.id("flow_log"), "tags"),
        change("unmanaged", "aws_vpc_endpoint", &new("endpoint"), ""),
        change("unmanaged", "aws_vpn_gateway", &new("vpn_gateway"), ""),
        change("unmanaged", "aws_customer_gateway", &new("customer_gateway"), ""),
        change("unmanaged", "aws_egress_only_internet_gateway", &new("egress_only"), ""),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");

    let all = report["changes"].as_array().unwrap();
    let tag = all.iter().find(|c| c["type"] == "aws_ec2_tag").unwrap();
    assert_eq!((tag["declared"].as_str(), tag["actual"].as_str()), (Some("network"), Some("finance")), "{tag:#}");
    let policy = all.iter().find(|c| c["type"] == "aws_vpc_endpoint" && c["kind"] == "drifted").unwrap();
    assert_eq!(policy["actual"]["Statement"][0]["Action"], serde_json::json!(["s3:*"]), "a document: {policy:#}");
    for c in all.iter().filter(|c| c["kind"] == "unmanaged") {
        let import = c["import"].as_str().unwrap_or_else(|| panic!("no import block: {c:#}"));
        assert!(import.contains(&format!("to = {}.", c["type"].as_str().unwrap())), "{import}");
        assert!(import.contains(&format!("id = {}", c["id"])), "imported by its id: {import}");
    }
}

#[test]
fn removed_tags_endpoints_peerings_and_gateways_are_deleted() {
    let n = ServiceEstate::create("network");
    n.drift(&[
        "delete-ec2-tag",
        "delete-endpoint",
        "delete-peering",
        "delete-vpn-gateway",
        "delete-customer-gateway",
        "delete-egress-only",
        "delete-transit",
        "delete-flow-log",
    ]);
    let report = n.scan();
    let want: BTreeSet<_> = [
        change("deleted", "aws_ec2_tag", &format!("{},CostCentre", n.id("vpc_main")), ""),
        change("deleted", "aws_vpc_endpoint", &n.id("endpoint"), ""),
        change("deleted", "aws_vpc_peering_connection", &n.id("peering"), ""),
        change("deleted", "aws_vpn_gateway", &n.id("vpn_gateway"), ""),
        change("deleted", "aws_customer_gateway", &n.id("customer_gateway"), ""),
        change("deleted", "aws_egress_only_internet_gateway", &n.id("egress_only"), ""),
        change("deleted", "aws_ec2_transit_gateway", &n.id("transit_gateway"), ""),
        change("deleted", "aws_ec2_transit_gateway_vpc_attachment", &n.id("transit_attachment"), ""),
        change("deleted", "aws_flow_log", &n.id("flow_log"), ""),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");
}
