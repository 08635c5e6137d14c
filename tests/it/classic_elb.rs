//! Classic load balancers against the emulator: an estate written into its state as the AWS
//! provider 5.x writes `aws_elb` and `aws_elb_attachment` (`tools/estate_elb.py`) scans clean,
//! the security group AWS made for a balancer given none is never unmanaged, each out-of-band
//! change is reported once with its attribute, a deleted balancer is deleted and a hand-made
//! one unmanaged with the `import` block Terraform takes.

use std::collections::BTreeSet;

use crate::service_estate::{change, changes, ServiceEstate};

#[test]
fn the_first_scan_of_the_classic_elb_estate_has_no_changes() {
    let e = ServiceEstate::create("elb");
    let report = e.scan();
    assert_eq!(changes(&report), BTreeSet::new(), "{report:#}");
    let summary = &report["summary"];
    assert_eq!(summary["unscanned"], 0, "{report:#}");
    let calls = &summary["api_calls"];
    // One list and one tag read for every balancer; attributes for the two declared ones.
    assert_eq!(calls["ELB.DescribeLoadBalancers"], 1, "{calls:#}");
    assert_eq!(calls["ELB.DescribeTags"], 1, "{calls:#}");
    assert_eq!(calls["ELB.DescribeLoadBalancerAttributes"], 2, "{calls:#}");
}

#[test]
fn each_out_of_band_change_to_a_classic_elb_is_reported_once_with_its_attribute() {
    let e = ServiceEstate::create("elb");
    let made = e.drift(&[
        "listener-added",
        "health-check-changed",
        "idle-timeout",
        "instance-deregistered",
        "retagged",
        "detached",
        "unmanaged-elb",
    ]);
    let web = e.id("web");
    let by_hand = made["elb"].as_str().unwrap().to_owned();
    let report = e.scan();
    let want: BTreeSet<_> = [
        change("drifted", "aws_elb", &web, "listener"),
        change("drifted", "aws_elb", &web, "health_check"),
        change("drifted", "aws_elb", &web, "idle_timeout"),
        change("drifted", "aws_elb", &web, "instances"),
        change("drifted", "aws_elb", &web, "tags"),
        change("deleted", "aws_elb_attachment", &format!("{},{}", e.id("api"), e.id("instance")), ""),
        // Its own security group, made by AWS as for every balancer given none, is not unmanaged.
        change("unmanaged", "aws_elb", &by_hand, ""),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");

    let found = |attribute: &str| {
        report["changes"].as_array().unwrap().iter().find(|c| c["attribute"] == attribute).cloned().unwrap()
    };
    let timeout = found("idle_timeout");
    assert_eq!((timeout["declared"].as_i64(), timeout["actual"].as_i64()), (Some(400), Some(60)), "{timeout:#}");
    let check = found("health_check");
    assert!(check["actual"].to_string().contains("HTTP:8080/\""), "{check:#}");
    let listener = found("listener");
    assert!(listener["actual"].to_string().contains("8443"), "{listener:#}");

    let unmanaged = report["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "unmanaged").unwrap();
    let import = unmanaged["import"].as_str().unwrap_or_else(|| panic!("no import block: {unmanaged:#}"));
    assert!(import.contains("to = aws_elb.") && import.contains(&format!("id = \"{by_hand}\"")), "{import}");
}

#[test]
fn a_deleted_classic_elb_is_deleted_with_its_attachment() {
    let e = ServiceEstate::create("elb");
    e.drift(&["delete-api"]);
    let report = e.scan();
    let want: BTreeSet<_> = [
        change("deleted", "aws_elb", &e.id("api"), ""),
        change("deleted", "aws_elb_attachment", &format!("{},{}", e.id("api"), e.id("instance")), ""),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");
}
