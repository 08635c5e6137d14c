//! The change history across real scans and CloudTrail logs: the lifecycle of a change, `learn`,
//! scoring with its exit code 3, `report` and `ack`.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::harness::{driftscan, exists, run, testdata, Estate};

/// A CloudTrail record as AWS writes it, for a write event on one resource.
pub(crate) fn record(event_id: &str, time: &str, region: &str, name: &str, req: Value, actor: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": actor,
                         "accountId": "123456789012", "userName": actor.rsplit('/').next().unwrap()},
        "eventTime": time,
        "eventSource": "ec2.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": req,
        "responseElements": {"requestId": "r-1", "_return": true},
        "requestID": "r-1",
        "eventID": event_id,
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "123456789012",
        "eventCategory": "Management"
    })
}

pub(crate) fn write_trail(dir: &std::path::Path, name: &str, records: Vec<Value>) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&json!({ "Records": records })).unwrap()).unwrap();
    path
}

/// Four weeks of ordinary work, Tue to Thu 10:00-16:00 UTC in us-east-1 by two engineers, on
/// security groups and instances: the history a team builds up.
pub(crate) fn routine(sg: &str, instance: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut n = 0;
    for week in 0..4 {
        for day in [3, 4, 5] {
            for hour in [10, 11, 13, 15] {
                n += 1;
                let date = 2 + week * 7 + day - 3; // 2026-11-03 is a Tuesday
                let time = format!("2026-11-{date:02}T{hour:02}:{:02}:00Z", (n * 7) % 60);
                let actor =
                    if n % 2 == 0 { "arn:aws:iam::123456789012:user/ana" } else { "arn:aws:iam::123456789012:user/bo" };
                let (name, req) = if n % 3 == 0 {
                    ("ModifyInstanceAttribute", json!({"instanceId": instance, "instanceType": {"value": "t3.micro"}}))
                } else {
                    ("AuthorizeSecurityGroupIngress", json!({"groupId": sg, "ipPermissions": {}}))
                };
                out.push(record(&format!("routine-{n}"), &time, "us-east-1", name, req, actor));
            }
        }
    }
    out
}

fn learn(estate: &Estate, path: &std::path::Path, now: &str) -> crate::harness::Run {
    run(&mut estate.command(&[
        "learn",
        "--cloudtrail",
        path.to_str().unwrap(),
        "--db",
        "history.db",
        "--format",
        "json",
        "--now",
        now,
    ]))
}

fn by_attr<'a>(report: &'a Value, attribute: &str) -> &'a Value {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["attribute"] == attribute)
        .unwrap_or_else(|| panic!("no change of {attribute} in {report:#}"))
}

#[test]
fn a_drift_opens_carries_updates_and_resolves() {
    let estate = Estate::create();
    estate.drift(&["resize-instance"]);
    let first = estate.scan(&["--now", "2026-11-24T10:00:00Z"]).json();
    let c = by_attr(&first, "instance_type");
    assert_eq!(c["status"], "opened", "{c:#}");
    assert_eq!(c["first_seen"], "2026-11-24T10:00:00Z");
    let id = c["change_id"].as_i64().unwrap();
    assert_eq!(c["id"], estate.id("web_0"), "`id` stays the resource's id");
    assert_eq!(first["summary"]["opened"], 1);

    // Nothing moved: the same change, carried, not a new row.
    let second = estate.scan(&["--now", "2026-11-24T11:00:00Z"]).json();
    let c = by_attr(&second, "instance_type");
    assert_eq!(
        (c["change_id"].as_i64(), &c["status"], &c["first_seen"]),
        (Some(id), &json!("carried"), &json!("2026-11-24T10:00:00Z"))
    );
    assert_eq!(second["summary"]["opened"], 0);

    // The live value moves again: the same change, updated.
    estate.drift(&["resize-instance-again"]);
    let third = estate.scan(&["--now", "2026-11-24T12:00:00Z"]).json();
    let c = by_attr(&third, "instance_type");
    assert_eq!(
        (c["change_id"].as_i64(), &c["status"], &c["actual"]),
        (Some(id), &json!("updated"), &json!("t3.xlarge"))
    );

    // Put back by hand: resolved, and gone from the scan.
    estate.drift(&["revert-resize"]);
    let out = estate.scan(&["--now", "2026-11-24T13:00:00Z"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let fourth = out.json();
    assert_eq!(fourth["changes"], json!([]));
    assert_eq!(fourth["summary"]["resolved"], 1);
    assert_eq!(fourth["resolved"][0]["id"].as_i64(), Some(id));

    let row = estate
        .history()
        .table("SELECT count(*), min(first_seen), max(last_seen), max(updated_at), max(resolved_at) FROM changes");
    assert_eq!(row[0][0], "1", "one change across four scans");
    assert_eq!(
        row[0][1..],
        ["2026-11-24T10:00:00Z", "2026-11-24T12:00:00Z", "2026-11-24T12:00:00Z", "2026-11-24T13:00:00Z"]
    );

    // The report shows it resolved.
    let report = run(&mut estate.command(&[
        "report",
        "--db",
        "history.db",
        "--since",
        "2026-11-24T00:00:00Z",
        "--format",
        "json",
        "--now",
        "2026-11-25T00:00:00Z",
    ]));
    assert_eq!(report.code, 0, "{}", report.stderr);
    let r = report.json();
    assert_eq!(r["changes"][0]["status"], "resolved");
    assert_eq!(r["changes"][0]["resolved_at"], "2026-11-24T13:00:00Z");
}

#[test]
fn a_drift_whose_state_was_not_read_stays_open() {
    let estate = Estate::create();
    estate.drift(&["grow-volume"]);
    let first = estate.scan(&["--now", "2026-11-24T10:00:00Z"]).json();
    assert_eq!(by_attr(&first, "size")["status"], "opened");
    // Scanning only a state that does not declare the volume does not resolve it.
    let out = run(&mut estate.command(&[
        "scan",
        "--state",
        "infra/terraform.tfstate",
        "--db",
        "history.db",
        "--format",
        "json",
        "--now",
        "2026-11-24T11:00:00Z",
    ]));
    assert!(out.code == 0 || out.code == 2, "{}", out.stderr);
    assert_eq!(out.json()["summary"]["resolved"], 0);
    let open = estate.history().count("SELECT count(*) FROM changes WHERE attribute = 'size' AND resolved_at IS NULL");
    assert_eq!(open, 1, "the volume's state was not read, so its drift stays open");
}

#[test]
fn cloudtrail_names_who_changed_a_drift_and_off_hours_drift_is_anomalous() {
    let estate = Estate::create();
    let sg = estate.id("sg_web");
    let instance = estate.id("web_0");
    let trail = tempfile::tempdir().unwrap();
    let file = write_trail(trail.path(), "routine.json", routine(&sg, &instance));

    let out = learn(&estate, &file, "2026-11-30T00:00:00Z");
    assert_eq!(out.code, 0, "routine work is not anomalous:\n{}\n{}", out.stdout, out.stderr);
    let learned = out.json();
    assert_eq!(learned["summary"]["added"], 48);
    // Read again: nothing is added twice.
    let again = learn(&estate, &file, "2026-11-30T00:00:00Z").json();
    assert_eq!(
        (again["summary"]["added"].as_u64(), again["summary"]["already_recorded"].as_u64()),
        (Some(0), Some(48))
    );

    // Sunday 03:14 UTC: someone opens RDP to the world, as a new principal.
    estate.drift(&["open-rdp"]);
    let night = write_trail(
        trail.path(),
        "night.json",
        vec![record(
            "night-1",
            "2026-12-06T03:14:00Z",
            "us-east-1",
            "AuthorizeSecurityGroupIngress",
            json!({"groupId": sg}),
            "arn:aws:iam::123456789012:user/mallory",
        )],
    );
    let out = learn(&estate, &night, "2026-12-06T03:20:00Z");
    assert_eq!(out.code, 3, "an off-hours change by a new principal is anomalous:\n{}", out.stdout);
    let event = &out.json()["changes"][0];
    assert_eq!(event["anomalous"], true);
    let reasons = event["reasons"].as_array().unwrap();
    assert!(reasons.iter().any(|r| r.as_str().unwrap().contains("Sun 03:14 UTC")), "{reasons:#?}");

    // The scan that finds the drift names who did it, when, and why it is unusual: exit 3.
    let out = estate.scan(&["--now", "2026-12-06T04:00:00Z"]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    let report = out.json();
    let c = by_attr(&report, "ingress");
    assert_eq!(c["actor"], "arn:aws:iam::123456789012:user/mallory");
    assert_eq!(c["changed_at"], "2026-12-06T03:14:00Z");
    assert_eq!(c["anomalous"], true);
    assert_eq!(c["account"], "123456789012");
    assert!(!c["reasons"].as_array().unwrap().is_empty());
    assert_eq!(report["summary"]["anomalous"], 1);

    // The table shows the anomaly first, with its reasons.
    let table =
        run(&mut estate.command(&["report", "--db", "history.db", "--since", "30d", "--now", "2026-12-06T05:00:00Z"]));
    assert!(table.stdout.contains("ANOMALOUS"), "{}", table.stdout);
    assert!(table.stdout.contains("user/mallory"), "{}", table.stdout);

    // report --format json lists every change in the window with its fields.
    let r = run(&mut estate.command(&[
        "report",
        "--db",
        "history.db",
        "--since",
        "2026-12-01T00:00:00Z",
        "--format",
        "json",
        "--now",
        "2026-12-06T05:00:00Z",
    ]))
    .json();
    let sources: BTreeSet<&str> =
        r["changes"].as_array().unwrap().iter().map(|c| c["source"].as_str().unwrap()).collect();
    assert_eq!(sources, BTreeSet::from(["cloudtrail", "scan"]), "{r:#}");
    let ev = r["changes"].as_array().unwrap().iter().find(|c| c["source"] == "cloudtrail").unwrap();
    for field in
        ["id", "event_id", "kind", "type", "resource_id", "region", "actor", "time", "score", "anomalous", "reasons"]
    {
        assert!(ev.get(field).is_some(), "report change lacks {field}: {ev:#}");
    }
    assert_eq!(ev["event_id"], "night-1");
}

#[test]
fn ack_expected_teaches_the_model() {
    let estate = Estate::create();
    let sg = estate.id("sg_web");
    let instance = estate.id("web_0");
    let trail = tempfile::tempdir().unwrap();
    let file = write_trail(trail.path(), "routine.json", routine(&sg, &instance));
    assert_eq!(learn(&estate, &file, "2026-11-30T00:00:00Z").code, 0);

    // A Saturday-night maintenance window by a deploy role: unusual the first time.
    let window = |n: usize, date: &str| {
        record(
            &format!("maint-{n}"),
            &format!("{date}T02:30:00Z"),
            "us-east-1",
            "ModifyInstanceAttribute",
            json!({"instanceId": instance}),
            "arn:aws:iam::123456789012:role/maintenance",
        )
    };
    let first =
        learn(&estate, &write_trail(trail.path(), "m1.json", vec![window(1, "2026-12-05")]), "2026-12-05T03:00:00Z");
    assert_eq!(first.code, 3, "{}", first.stdout);
    let first = first.json();
    let id = first["changes"][0]["id"].as_i64().unwrap();
    let score_before = first["changes"][0]["score"].as_f64().unwrap();

    let out = run(&mut estate.command(&[
        "ack",
        &id.to_string(),
        "--expected",
        "--db",
        "history.db",
        "--now",
        "2026-12-05T09:00:00Z",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("expected"), "{}", out.stdout);

    // The same window next week scores lower: the model learned it.
    let next =
        learn(&estate, &write_trail(trail.path(), "m2.json", vec![window(2, "2026-12-12")]), "2026-12-12T03:00:00Z")
            .json();
    let score_after = next["changes"][0]["score"].as_f64().unwrap();
    assert!(score_after < score_before, "{score_after} should be below {score_before}");

    let r = run(&mut estate.command(&[
        "report",
        "--db",
        "history.db",
        "--since",
        "30d",
        "--format",
        "json",
        "--now",
        "2026-12-12T04:00:00Z",
    ]))
    .json();
    let acked = r["changes"].as_array().unwrap().iter().find(|c| c["id"].as_i64() == Some(id)).unwrap();
    assert_eq!(acked["expected"], true);
    assert_eq!(acked["acked_at"], "2026-12-05T09:00:00Z");

    // An id that does not exist is an error that says so.
    let out = run(&mut estate.command(&["ack", "999999", "--db", "history.db"]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no change with id 999999"), "{}", out.stderr);
}

#[test]
fn learn_reads_real_cloudtrail_files_bare_and_wrapped_and_skips_broken_ones() {
    let dir = tempfile::tempdir().unwrap();
    let reference = testdata("cloudtrail/reference");
    let estate_logs = testdata("cloudtrail/estate");
    let broken = testdata("cloudtrail/broken");
    let out = run(driftscan().current_dir(dir.path()).args([
        "learn",
        "--cloudtrail",
        reference.to_str().unwrap(),
        "--cloudtrail",
        estate_logs.to_str().unwrap(),
        "--cloudtrail",
        broken.to_str().unwrap(),
        "--db",
        "h.db",
        "--format",
        "json",
        "--now",
        "2030-01-01T00:00:00Z",
    ]));
    assert!(out.code == 0 || out.code == 3, "{}", out.stderr);
    let j = out.json();
    assert!(j["summary"]["added"].as_u64().unwrap() > 0, "{j:#}");
    // Broken files are named on stderr and skipped; the rest is kept.
    assert!(j["summary"]["skipped"].as_u64().unwrap() >= 1, "{j:#}");
    assert!(out.stderr.contains("skipped"), "{}", out.stderr);
    let times: Vec<&str> = j["changes"].as_array().unwrap().iter().map(|c| c["time"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "events are recorded in time order");
}

#[test]
fn report_and_ack_need_an_existing_history_and_create_none() {
    let dir = tempfile::tempdir().unwrap();
    for args in [vec!["report", "--db", "none.db"], vec!["ack", "1", "--db", "none.db"]] {
        let out = run(driftscan().current_dir(dir.path()).args(&args));
        assert_eq!(out.code, 1, "{args:?}");
        assert!(out.stderr.contains("no history at none.db"), "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
    assert!(!exists(&dir.path().join("none.db")));
    let out = run(driftscan().current_dir(dir.path()).args(["report", "--db", "x.db", "--since", "yesterday"]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("30m, 24h, 7d, 2w"), "{}", out.stderr);
    let out = run(driftscan().current_dir(dir.path()).args(["learn", "--cloudtrail", "missing/", "--db", "x.db"]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("missing"), "{}", out.stderr);
    assert!(!exists(&dir.path().join("x.db")), "a failed learn creates no history");
}

#[test]
fn learn_reads_logs_straight_from_s3() {
    let estate = Estate::create();
    let sg = estate.id("sg_web");
    let records = serde_json::to_string(&json!({"Records": routine(&sg, &estate.id("web_0"))[..10]})).unwrap();
    // One object plain, the same records again gzipped under another key (a delivery overlap),
    // and a stray non-CloudTrail object.
    estate.moto.python(&format!(
        r#"
import boto3, gzip
s3 = boto3.client("s3")
s3.create_bucket(Bucket="org-trail")
body = {records:?}.encode()
p = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/05/"
s3.put_object(Bucket="org-trail", Key=p + "a.json", Body=body)
s3.put_object(Bucket="org-trail", Key=p + "b.json.gz", Body=gzip.compress(body))
s3.put_object(Bucket="org-trail", Key="AWSLogs/README.txt", Body=b"not a log")
"#
    ));
    let out = run(&mut estate.command(&[
        "learn",
        "--cloudtrail",
        "s3://org-trail/AWSLogs/",
        "--db",
        "history.db",
        "--format",
        "json",
        "--now",
        "2026-11-30T00:00:00Z",
    ]));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let j = out.json();
    assert_eq!(j["summary"]["files"], 3, "{j:#}");
    assert_eq!(j["summary"]["added"], 10, "each event once: {j:#}");
    assert_eq!(j["summary"]["skipped"], 1, "{j:#}");
    assert!(out.stderr.contains("s3://org-trail/AWSLogs/README.txt"), "{}", out.stderr);

    let out = run(&mut estate.command(&["learn", "--cloudtrail", "s3://no-such-bucket/x", "--db", "other.db"]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("s3://no-such-bucket/x") && out.stderr.contains("NoSuchBucket"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(!exists(&estate.path("other.db")));
}

#[test]
fn tag_events_explain_tag_drift_and_other_writes_the_rest() {
    let estate = Estate::create();
    let vpc = estate.id("vpc_main");
    estate.drift(&["retag-vpc", "vpc-dns-off"]);
    let trail = tempfile::tempdir().unwrap();
    let file = write_trail(
        trail.path(),
        "t.json",
        vec![
            record(
                "dns",
                "2026-11-24T09:00:00Z",
                "us-east-1",
                "ModifyVpcAttribute",
                json!({"vpcId": vpc}),
                "arn:aws:iam::123456789012:user/netops",
            ),
            record(
                "tag",
                "2026-11-24T09:30:00Z",
                "us-east-1",
                "CreateTags",
                json!({"resourcesSet": {"items": [{"resourceId": vpc}]}}),
                "arn:aws:iam::123456789012:user/finops",
            ),
        ],
    );
    assert_eq!(learn(&estate, &file, "2026-11-24T10:00:00Z").code, 0);
    let report = estate.scan(&["--now", "2026-11-24T10:00:00Z"]).json();
    assert_eq!(by_attr(&report, "tags")["actor"], "arn:aws:iam::123456789012:user/finops");
    assert_eq!(by_attr(&report, "enable_dns_hostnames")["actor"], "arn:aws:iam::123456789012:user/netops");
    assert_eq!(by_attr(&report, "enable_dns_hostnames")["changed_at"], "2026-11-24T09:00:00Z");
}
