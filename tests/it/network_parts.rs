//! The EC2 parts declared on their own against the emulator: network ACL rules and subnet
//! associations, a main route table association, DHCP options and their association, a volume
//! attachment, an image and a snapshot (`tools/estate_network_parts.py`, written into its state
//! as the AWS provider 5.x writes them). The estate scans clean; each out-of-band change is
//! reported once with its attribute, on the part, never again inline in its ACL; removed parts
//! are deleted, hand-made ones unmanaged, and images and snapshots nobody declares are never
//! reported.

use std::collections::BTreeSet;

use crate::service_estate::{change, changes, ServiceEstate};

#[test]
fn the_first_scan_of_the_network_parts_estate_has_no_changes() {
    let n = ServiceEstate::create("network_parts");
    let report = n.scan();
    assert_eq!(changes(&report), BTreeSet::new(), "{report:#}");
    let summary = &report["summary"];
    assert_eq!(summary["unscanned"], 0, "{report:#}");
    // A VPC, 2 subnets, an ACL with 2 rules and an association, 2 route tables and the main
    // association, DHCP options and their association, an instance, a volume and its attachment,
    // a snapshot, an image.
    assert_eq!(summary["managed"], 17, "{summary:#}");
    let calls = &summary["api_calls"];
    for op in ["DescribeImages", "DescribeSnapshots", "DescribeDhcpOptions", "DescribeNetworkAcls"] {
        assert_eq!(calls[op], 1, "{op}: {calls:#}");
    }
}

#[test]
fn each_out_of_band_change_is_reported_once_on_the_part_and_new_ones_are_unmanaged() {
    let n = ServiceEstate::create("network_parts");
    let made = n.drift(&[
        "acl-rule-cidr-replaced",
        "unmanaged-acl-rule",
        "unmanaged-acl-association",
        "main-association-to-other",
        "dhcp-options-retagged",
        "dhcp-disassociated",
        "unmanaged-dhcp-options",
        "volume-moved",
        "snapshot-retagged",
        "image-retagged",
        "backup-images",
    ]);
    let report = n.scan();
    let new = |k: &str| made[k].as_str().unwrap().to_owned();
    let want: BTreeSet<_> = [
        // The ACL's own `ingress` does not report it again.
        change("drifted", "aws_network_acl_rule", &n.id("acl_rule_https"), "cidr_block"),
        change("unmanaged", "aws_network_acl_rule", &new("acl_rule"), ""),
        change("unmanaged", "aws_network_acl_association", &new("acl_association"), ""),
        // A main association replaced is a new one: Terraform's is gone.
        change("deleted", "aws_main_route_table_association", &n.id("main_association"), ""),
        change("unmanaged", "aws_main_route_table_association", &new("main_association"), ""),
        change("drifted", "aws_vpc_dhcp_options", &n.id("dhcp_options"), "tags"),
        // Matched by its VPC: one drift, not a deleted association and a new one.
        change("drifted", "aws_vpc_dhcp_options_association", &n.id("vpc"), "dhcp_options_id"),
        change("unmanaged", "aws_vpc_dhcp_options", &new("dhcp_options"), ""),
        change("deleted", "aws_volume_attachment", &n.id("volume_attachment"), ""),
        change("unmanaged", "aws_volume_attachment", &new("volume_attachment"), ""),
        change("drifted", "aws_ebs_snapshot", &n.id("snapshot"), "tags"),
        change("drifted", "aws_ami", &n.id("image"), "tags"),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");

    let all = report["changes"].as_array().unwrap();
    let cidr = all.iter().find(|c| c["type"] == "aws_network_acl_rule" && c["kind"] == "drifted").unwrap();
    assert_eq!((cidr["declared"].as_str(), cidr["actual"].as_str()), (Some("10.0.0.0/8"), Some("172.16.0.0/12")));
    let rule = all.iter().find(|c| c["type"] == "aws_network_acl_rule" && c["kind"] == "unmanaged").unwrap();
    let import = rule["import"].as_str().unwrap();
    assert!(import.contains(&format!("id = \"{}:200:17:false\"", n.id("acl"))), "the provider's import id: {import}");
    let attachment = all.iter().find(|c| c["type"] == "aws_volume_attachment" && c["kind"] == "unmanaged").unwrap();
    let import = attachment["import"].as_str().unwrap();
    assert!(import.contains(&format!("id = \"/dev/sdj:{}:{}\"", n.id("volume"), n.id("instance"))), "{import}");
}

#[test]
fn removed_parts_are_deleted_and_what_aws_gets_back_is_never_unmanaged() {
    let n = ServiceEstate::create("network_parts");
    n.drift(&[
        "delete-acl-rule",
        "acl-association-moved",
        "main-association-restored",
        "delete-dhcp-options",
        "volume-detached",
        "delete-snapshot",
        "delete-image",
    ]);
    let report = n.scan();
    // The subnet back on the default ACL, the VPC's own table main again and the VPC without
    // options are AWS's: only what Terraform declared is reported.
    let want: BTreeSet<_> = [
        change("deleted", "aws_network_acl_rule", &n.id("acl_rule_out"), ""),
        change("deleted", "aws_network_acl_association", &n.id("acl_association"), ""),
        change("deleted", "aws_main_route_table_association", &n.id("main_association"), ""),
        change("deleted", "aws_vpc_dhcp_options", &n.id("dhcp_options"), ""),
        change("drifted", "aws_vpc_dhcp_options_association", &n.id("vpc"), "dhcp_options_id"),
        change("deleted", "aws_volume_attachment", &n.id("volume_attachment"), ""),
        change("deleted", "aws_ebs_snapshot", &n.id("snapshot"), ""),
        change("deleted", "aws_ami", &n.id("image"), ""),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");
}
