//! Faults between driftscan and AWS, injected by the loopback proxy: what is retried ends right;
//! what still fails is unscanned with its reason, never deleted; the history gets whole scans.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde_json::json;

use crate::harness::{run, Estate};
use crate::proxy::{Fault, Proxy};
use crate::scan::change_keys;

fn scan_through(estate: &Estate, proxy: &Proxy, extra: &[&str]) -> crate::harness::Run {
    // Three attempts, not driftscan's ten: the outcome is the same, the test minutes shorter.
    run(estate
        .scan_command()
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("AWS_MAX_ATTEMPTS", "3")
        .args(["--db", &estate.history_arg(), "--format", "json"])
        .args(extra))
}

/// Each kind of transient fault, on one request in four: retried, and the result is exactly what
/// a clean scan finds.
#[test]
fn transient_faults_are_retried_and_the_result_stays_exact() {
    let estate = Estate::create();
    estate.drift(&["open-rdp", "grow-volume"]);
    let clean = estate.scan(&["--no-history"]).json();
    let faults = [Fault::ServerError, Fault::Reset, Fault::Truncate, Fault::Slow(1500)];
    for fault in faults {
        let proxy = Proxy::with_plan(&estate.moto.endpoint, Arc::new(move |n, _| (n % 4 == 2).then_some(fault)));
        let out = run(estate.scan_command().env("AWS_ENDPOINT_URL", &proxy.endpoint).args([
            "--no-history",
            "--format",
            "json",
        ]));
        assert_eq!(out.code, 2, "{fault:?}: {}", out.stderr);
        let report = out.json();
        assert_eq!(report["unscanned"], json!([]), "{fault:?} left something unscanned");
        assert_eq!(change_keys(&report), change_keys(&clean), "{fault:?}");
        assert!(proxy.counts.faulted.load(Ordering::SeqCst) > 0, "{fault:?} was never injected");
    }
}

/// A list that keeps failing after its retries is unscanned with the reason: its declared
/// resources are not reported deleted, the rest is scanned, and the history records the scan
/// whole, unscanned part included.
#[test]
fn a_list_that_keeps_failing_is_unscanned_not_deleted() {
    let estate = Estate::create();
    estate.drift(&["open-rdp"]);
    let proxy = Proxy::with_plan(
        &estate.moto.endpoint,
        Arc::new(|_, body: &str| body.contains("Action=DescribeVolumes").then_some(Fault::ServerError)),
    );
    let out = scan_through(&estate, &proxy, &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let report = out.json();
    let unscanned = report["unscanned"].as_array().unwrap();
    assert!(!unscanned.is_empty());
    // Volumes, and their attachments read from the same list.
    assert!(
        unscanned.iter().all(|u| u["type"] == "aws_ebs_volume" || u["type"] == "aws_volume_attachment"),
        "{unscanned:#?}"
    );
    assert!(unscanned[0]["reason"].as_str().unwrap().contains("InternalError"), "{unscanned:#?}");
    assert!(
        report["changes"].as_array().unwrap().iter().all(|c| c["kind"] != "deleted"),
        "unscanned volumes reported deleted: {report:#}"
    );
    assert!(change_keys(&report).contains(&("drifted".into(), "aws_security_group.web".into(), "ingress".into())));
    let history = estate.history();
    let (scans, unscanned_rows) =
        (history.count("SELECT count(*) FROM scans"), history.count("SELECT count(*) FROM unscanned"));
    assert_eq!((scans, unscanned_rows), (1, unscanned.len() as i64));
}

/// Nothing answers: the scan fails in one line, exit 1, and no history is created.
#[test]
fn every_call_failing_is_an_error_and_records_nothing() {
    let estate = Estate::create();
    let proxy = Proxy::with_plan(&estate.moto.endpoint, Arc::new(|_, _| Some(Fault::Reset)));
    let out = run(estate.scan_command().env("AWS_ENDPOINT_URL", &proxy.endpoint).env("AWS_MAX_ATTEMPTS", "2").args([
        "--db",
        &estate.history_arg(),
        "--format",
        "json",
    ]));
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.starts_with("driftscan: error: nothing could be scanned"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(!estate.history().exists());
}
