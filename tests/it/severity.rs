//! Severity across real scans: what a change does leads the report even when nothing about it is
//! unusual, and a harmless change stays low.

use serde_json::{json, Value};

use crate::harness::{run, Estate};
use crate::history::{record, routine, write_trail};

const ANA: &str = "arn:aws:iam::123456789012:user/ana";

fn learn(estate: &Estate, name: &str, records: Vec<Value>, now: &str) {
    let file = write_trail(estate.dir.path(), name, records);
    let out = run(&mut estate.command(&[
        "learn",
        "--cloudtrail",
        file.to_str().unwrap(),
        "--db",
        "history.db",
        "--now",
        now,
    ]));
    assert!(out.code == 0 || out.code == 3, "{}", out.stderr);
}

fn change<'a>(report: &'a Value, attribute: &str) -> &'a Value {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["attribute"] == attribute)
        .unwrap_or_else(|| panic!("no {attribute}: {report}"))
}

/// An estate with four weeks of routine work on the web security group by ana and bo, Tuesday to
/// Thursday in office hours, and a first scan in sync.
fn routine_estate() -> Estate {
    let estate = Estate::create();
    learn(&estate, "routine.json", routine(&estate.id("sg_web"), &estate.id("web_0")), "2026-11-30T00:00:00Z");
    assert_eq!(estate.scan(&["--now", "2026-12-01T09:00:00Z"]).code, 0);
    estate
}

#[test]
fn ssh_opened_to_the_world_by_a_known_engineer_in_office_hours_is_high_and_leads_the_report() {
    let estate = routine_estate();
    let sg = estate.id("sg_web");
    estate.drift(&["open-ssh"]);
    // Wednesday 11:05, by one of the two engineers who edit this group every week.
    let event = record(
        "ssh-1",
        "2026-12-02T11:05:00Z",
        "us-east-1",
        "AuthorizeSecurityGroupIngress",
        json!({"groupId": sg}),
        ANA,
    );
    learn(&estate, "ssh.json", vec![event], "2026-12-02T11:10:00Z");
    let out = estate.scan(&["--now", "2026-12-02T11:30:00Z"]);
    assert!(out.code == 2 || out.code == 3, "{}", out.stderr);
    let report = out.json();
    let ingress = change(&report, "ingress");
    assert_eq!(ingress["actor"], ANA, "{ingress}");
    assert_eq!(ingress["impact"], "high", "{ingress}");
    let severity = ingress["severity"].as_str().unwrap();
    assert!(severity == "high" || severity == "critical", "{ingress}");
    let reasons = ingress["impact_reasons"].as_array().unwrap();
    assert_eq!(reasons[0], "ingress tcp 22-22 from 0.0.0.0/0 opens SSH (22) to the internet");

    // The table puts it first, whatever its score.
    let table = run(estate.scan_command().args(["--db", &estate.history_arg(), "--now", "2026-12-02T11:40:00Z"]));
    assert!(table.stdout.starts_with("SEVERE (1)\n"), "{}", table.stdout);
    assert!(table.stdout.contains("opens SSH (22) to the internet"), "{}", table.stdout);

    // The report leads with it in every format for people.
    let md = run(&mut estate.command(&[
        "report",
        "--db",
        "history.db",
        "--since",
        "2026-11-01T00:00:00Z",
        "--format",
        "markdown",
        "--now",
        "2026-12-03T00:00:00Z",
    ]));
    assert_eq!(md.code, 0, "{}", md.stderr);
    let severe = md.stdout.find("## Severe changes (1)").expect(&md.stdout);
    assert!(md.stdout[severe..].lines().nth(2).unwrap().contains("drifted ingress"), "{}", md.stdout);
    assert!(severe < md.stdout.find("## All changes").unwrap());
    let html = run(&mut estate.command(&[
        "report",
        "--db",
        "history.db",
        "--since",
        "2026-11-01T00:00:00Z",
        "--format",
        "html",
        "--now",
        "2026-12-03T00:00:00Z",
    ]));
    let first_row = html.stdout.find("<tr class=\"severe").expect("a severe row");
    assert!(html.stdout[first_row..].contains("ingress tcp 22-22 from 0.0.0.0/0"), "severe rows in the page");

    // The event and the drift it explains are one item: the drift, with the event's name and actor.
    let day = run(&mut estate.command(&[
        "report",
        "--db",
        "history.db",
        "--since",
        "2026-12-02T00:00:00Z",
        "--type",
        "aws_security_group",
        "--now",
        "2026-12-03T00:00:00Z",
    ]));
    assert_eq!(day.code, 0, "{}", day.stderr);
    assert_eq!(
        day.stdout.matches("drifted ingress (AuthorizeSecurityGroupIngress)").count(),
        2,
        "its row and its severe entry: {}",
        day.stdout
    );
    assert!(!day.stdout.contains("cloudtrail"), "no row of its own for the event: {}", day.stdout);
    assert!(day.stdout.contains("\n1 changes,"), "{}", day.stdout);
    let json = run(&mut estate.command(&[
        "report",
        "--db",
        "history.db",
        "--since",
        "2026-12-02T00:00:00Z",
        "--format",
        "json",
        "--now",
        "2026-12-03T00:00:00Z",
    ]));
    let sources: Vec<Value> = json.json()["changes"].as_array().unwrap().iter().map(|c| c["source"].clone()).collect();
    assert_eq!(sources, [json!("cloudtrail"), json!("scan")], "JSON keeps both rows, as recorded");

    // --fail-on severity:LEVEL counts only what is that severe.
    let gate = |level: &str| estate.scan(&["--now", "2026-12-02T11:50:00Z", "--fail-on", level]).code;
    assert_ne!(gate("severity:high"), 0);
    if severity == "high" {
        assert_eq!(gate("severity:critical"), 0);
    }
    let bad = run(estate.scan_command().args(["--no-history", "--fail-on", "severity:urgent"]));
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("severity:LEVEL"), "{}", bad.stderr);
}

#[test]
fn a_tag_edit_is_low() {
    let estate = routine_estate();
    estate.drift(&["retag-sg"]);
    let out = estate.scan(&["--now", "2026-12-02T11:30:00Z"]);
    let report = out.json();
    let tags = change(&report, "tags");
    assert_eq!(tags["impact"], Value::Null, "{tags}");
    assert_eq!(tags["severity"], "low", "{tags}");
    assert_eq!(tags["impact_reasons"], json!([]));
    assert_eq!(estate.scan(&["--now", "2026-12-02T11:40:00Z", "--fail-on", "severity:medium"]).code, 0);
}
