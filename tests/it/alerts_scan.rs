//! Alerts from scans of a live estate (moto): PagerDuty is triggered once per drift, not paged
//! again by its update, acknowledged on `ack` and resolved by the scan that no longer finds it,
//! all under one dedup_key; one attribute moved the same way on 40 resources is one alert.

use crate::alerts::{bodies, history_has_no_secret, no_secret, Sinks, ROUTING};
use crate::harness::{run, Estate, History};

#[test]
fn pagerduty_triggers_once_is_acknowledged_on_ack_and_resolved_by_the_scan_with_one_dedup_key() {
    let estate = Estate::create();
    let sinks = Sinks::start();
    sinks.config(estate.dir.path(), "route {\n  to = [\"pagerduty\"]\n}\n");
    let scan = |now: &str| {
        let out = run(sinks.env(&mut estate.scan_command()).args([
            "--db",
            &estate.history_arg(),
            "--format",
            "json",
            "--notify",
            "all",
            "--now",
            now,
        ]));
        no_secret(&out);
        out
    };
    assert_eq!(scan("2026-12-07T10:00:00Z").code, 0);
    assert!(sinks.pd.requests().is_empty());

    estate.drift(&["resize-instance"]);
    let out = scan("2026-12-07T11:00:00Z");
    assert!(out.code == 2 || out.code == 3, "{}", out.stderr);
    let pd = bodies(&sinks.pd.requests());
    assert_eq!(pd.len(), 1, "{pd:?}");
    assert_eq!(pd[0]["event_action"], "trigger");
    let key = pd[0]["dedup_key"].as_str().unwrap().to_owned();
    assert!(["critical", "error", "warning", "info"].contains(&pd[0]["payload"]["severity"].as_str().unwrap()));
    assert!(pd[0]["payload"]["summary"].as_str().unwrap().contains("instance_type"), "{}", pd[0]);

    estate.drift(&["resize-instance-again"]);
    assert!(scan("2026-12-07T12:00:00Z").code >= 2);
    assert_eq!(sinks.pd.requests().len(), 1, "the update does not page again");
    assert!(sinks.slack.requests().is_empty(), "the route sends only to PagerDuty");

    let id = estate.history().count("SELECT id FROM changes WHERE attribute = 'instance_type'");
    let out = run(sinks.env(&mut estate.command(&["ack", &id.to_string(), "--db", "history.db"])));
    assert_eq!(out.code, 0, "{}", out.stderr);
    no_secret(&out);
    let pd = bodies(&sinks.pd.requests());
    assert_eq!(pd.len(), 2);
    assert_eq!(
        (pd[1]["event_action"].as_str(), pd[1]["dedup_key"].as_str()),
        (Some("acknowledge"), Some(key.as_str()))
    );

    estate.drift(&["revert-resize"]);
    let out = scan("2026-12-07T13:00:00Z");
    assert!(out.json()["resolved"].as_array().is_some_and(|r| !r.is_empty()), "{}", out.stdout);
    let pd = bodies(&sinks.pd.requests());
    assert_eq!(pd.len(), 3, "{pd:?}");
    assert_eq!((pd[2]["event_action"].as_str(), pd[2]["dedup_key"].as_str()), (Some("resolve"), Some(key.as_str())));
    assert_eq!(pd[2]["routing_key"], ROUTING);
    let _ = scan("2026-12-07T14:00:00Z");
    assert_eq!(sinks.pd.requests().len(), 3, "nothing told twice");
    history_has_no_secret(estate.dir.path());
}

#[test]
fn one_attribute_moved_the_same_way_on_40_resources_is_one_alert() {
    let moto = crate::harness::Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let sinks = Sinks::start();
    sinks.config(dir.path(), "");
    // 40 security groups made through the API, declared in a state as the estate tool writes one.
    let make = format!(
        "import json, sys\nsys.path.insert(0, {tools:?})\nimport estate as e\n\
         east = e.client(e.EAST)\n\
         vpc_id, vpc = e.make_vpc(east, e.EAST, '10.20.0.0/16', {{'Name': 'mass'}})\n\
         res = [e.resource('aws_vpc', 'mass', [e.instance_entry(vpc, [])])]\n\
         ids = []\n\
         for i in range(40):\n    \
             sid, attrs = e.make_sg(east, e.EAST, vpc_id, f'mass-{{i}}', 'Mass', [], [e.rule('-1', 0, 0, ['0.0.0.0/0'])], {{'Team': 'web'}})\n    \
             ids.append(sid)\n    \
             res.append(e.resource('aws_security_group', f'mass_{{i}}', [e.instance_entry(attrs, ['aws_vpc.mass'])]))\n\
         json.dump(e.state(res, 1), open({out:?}, 'w'))\n\
         print(json.dumps(ids))\n",
        tools = crate::harness::root().join("tools").display().to_string(),
        out = dir.path().join("mass.tfstate").display().to_string(),
    );
    let ids: Vec<String> = serde_json::from_str(&moto.python(&make)).unwrap();
    let scan = |notify: &str, now: &str| {
        let history = History::of(dir.path());
        let out = run(sinks.env(history.env(&mut moto.driftscan()).current_dir(dir.path())).args([
            "scan",
            "--state",
            "mass.tfstate",
            "--db",
            &history.arg(),
            "--format",
            "json",
            "--notify",
            notify,
            "--now",
            now,
        ]));
        no_secret(&out);
        assert_ne!(out.code, 1, "{}", out.stderr);
        out
    };
    scan("off", "2026-12-07T10:00:00Z");
    moto.python(&format!(
        "import boto3\nboto3.client('ec2').create_tags(Resources={ids:?}, Tags=[{{'Key': 'Team', 'Value': 'ops'}}])\n"
    ));
    let out = scan("all", "2026-12-07T11:00:00Z");
    assert_eq!(out.json()["summary"]["drifted"], 40, "every group drifted: {}", out.stdout);
    let audit = sinks.audit.requests();
    assert_eq!(audit.len(), 1, "one alert for one cause");
    let body = audit[0].json();
    assert_eq!(body["cause"]["kind"], "mass_change", "{body}");
    assert_eq!(body["size"], 40);
    assert!(body["summary"].as_str().unwrap().starts_with("the same change on 40 resources: tags"), "{body}");
    assert_eq!(sinks.pd.requests().len(), 1);
    assert_eq!(sinks.slack.requests().len(), 1);
}

/// Port 22 opened to the world is told as what it is in every sink: its severity (`high`, or
/// `critical` when also unusual) and the rule's reason; the drift and the CloudTrail event that
/// explains it are one item naming the event, its actor and time; a tag edit is `low`.
#[test]
fn every_sink_shows_the_severity_and_impact_of_ssh_opened_to_the_world_and_a_tag_edit_is_low() {
    const ANA: &str = "arn:aws:iam::123456789012:user/ana";
    let estate = Estate::create();
    let sinks = Sinks::start();
    sinks.config(estate.dir.path(), "");
    let scan = |now: &str| {
        let out = run(sinks.env(&mut estate.scan_command()).args([
            "--db",
            &estate.history_arg(),
            "--format",
            "json",
            "--notify",
            "all",
            "--now",
            now,
        ]));
        no_secret(&out);
        out
    };
    let sg = estate.id("sg_web");
    let learn = |name: &str, records, now: &str| {
        let trail = crate::history::write_trail(estate.dir.path(), name, records);
        let file = trail.to_str().unwrap();
        let out = run(sinks
            .env(&mut estate.command(&["learn", "--cloudtrail", file, "--db", "history.db"]))
            .args(["--notify", "off", "--now", now]));
        assert!(out.code == 0 || out.code == 3, "{}", out.stderr);
    };
    // Four weeks of routine work on the group by ana and bo, as in `severity.rs`.
    learn("routine.json", crate::history::routine(&sg, &estate.id("web_0")), "2026-11-30T00:00:00Z");
    assert_eq!(scan("2026-12-02T09:00:00Z").code, 0);
    estate.drift(&["open-ssh", "retag-sg"]);
    // The event is recorded but not told by `learn`: the scan's message tells it with its drift.
    let event = crate::history::record(
        "ssh-1",
        "2026-12-02T11:05:00Z",
        "us-east-1",
        "AuthorizeSecurityGroupIngress",
        serde_json::json!({"groupId": sg}),
        ANA,
    );
    learn("ssh.json", vec![event], "2026-12-02T11:10:00Z");
    let out = scan("2026-12-02T11:30:00Z");
    assert!(out.code == 2 || out.code == 3, "{}", out.stderr);
    let severe = |s: &str| s == "high" || s == "critical";
    const REASON: &str = "ingress tcp 22-22 from 0.0.0.0/0 opens SSH (22) to the internet";

    // Slack: one line for the drift and its event, with severity, actor, time and reason.
    let slack = sinks.slack.requests();
    assert_eq!(slack.len(), 1, "one message for the run");
    let sections: Vec<String> = slack[0].json()["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "section" && b["fields"].is_array())
        .map(|b| b.to_string())
        .collect();
    assert_eq!(sections.len(), 2, "the ingress drift (with its event) and the tag edit: {sections:?}");
    let ssh = sections.iter().find(|s| s.contains("`ingress`")).expect("the ingress item");
    assert!(ssh.contains("by *AuthorizeSecurityGroupIngress*"), "{ssh}");
    assert!(ssh.contains(ANA) && ssh.contains("2026-12-02T11:05:00Z"), "{ssh}");
    assert!(ssh.contains("*Severity*\\n*high*") || ssh.contains("*Severity*\\n*critical*"), "{ssh}");
    assert!(slack[0].body.contains(REASON), "{}", slack[0].body);
    let tags = sections.iter().find(|s| s.contains("`tags`")).expect("the tag item");
    assert!(tags.contains("*Severity*\\n*low*"), "{tags}");
    assert!(!slack[0].body.contains("*AuthorizeSecurityGroupIngress* on"), "no item of its own for the event");

    // PagerDuty: the ingress alert's payload severity comes from it; the tag edit is info.
    let pd = bodies(&sinks.pd.requests());
    assert_eq!(pd.len(), 2, "{pd:?}");
    let ingress = pd.iter().find(|e| e["payload"]["summary"].as_str().unwrap().contains("ingress")).unwrap();
    assert!(["error", "critical"].contains(&ingress["payload"]["severity"].as_str().unwrap()), "{ingress}");
    assert!(ingress["payload"]["summary"].as_str().unwrap().contains("opens SSH (22)"), "{ingress}");
    assert_eq!(ingress["payload"]["custom_details"]["impact_reasons"][0], REASON);
    assert_eq!(ingress["payload"]["custom_details"]["event_name"], "AuthorizeSecurityGroupIngress");
    let tag = pd.iter().find(|e| e["payload"]["summary"].as_str().unwrap().contains("tags")).unwrap();
    assert_eq!(tag["payload"]["severity"], "info", "{tag}");

    // Teams: the severity fact and the reason.
    let teams = sinks.teams.requests();
    assert_eq!(teams.len(), 1);
    assert!(
        teams[0].body.contains(r#""title":"Severity","value":"high""#)
            || teams[0].body.contains(r#""title":"Severity","value":"critical""#)
    );
    assert!(teams[0].body.contains("opens SSH \\\\(22\\\\) to the internet"), "{}", teams[0].body);

    // The webhook: the alert's severity and reasons, and each change's as in a report.
    let audit = bodies(&sinks.audit.requests());
    assert_eq!(audit.len(), 2, "{audit:?}");
    let body = audit.iter().find(|b| b["changes"][0]["attribute"] == "ingress").unwrap();
    assert!(severe(body["severity"].as_str().unwrap()), "{body}");
    assert_eq!(body["impact_reasons"][0], REASON);
    assert_eq!(body["changes"][0]["impact"], "high");
    assert_eq!(
        (body["changes"][0]["actor"].as_str(), body["changes"][0]["event_name"].as_str()),
        (Some(ANA), Some("AuthorizeSecurityGroupIngress"))
    );
    let body = audit.iter().find(|b| b["changes"][0]["attribute"] == "tags").unwrap();
    assert_eq!(body["severity"], "low", "{body}");
    assert_eq!(body["impact_reasons"], serde_json::json!([]));
    history_has_no_secret(estate.dir.path());
}
