//! Alerts to several sinks, each a loopback server recording bodies and headers: routes send
//! each change where the config says; the signed webhook verifies with the README's scheme (in
//! Python's hmac, not driftscan's) and a changed body does not; 40 changes of one cause are one
//! alert; a sink answering 500 then 200 gets each alert once; a run killed before sending loses
//! nothing; no secret reaches output or the history. Alerts from scans: `alerts_scan.rs`.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use crate::harness::{driftscan, run, History, Run};
use crate::history::{record, write_trail};
use crate::webhook_server::{Request, WebhookServer, SECRET};

const SIGNING: &str = "whsec-test-signing-secret-9f8e";
pub(crate) const ROUTING: &str = "R0UTINGKEYtest00000000000000ab42";
const MALLORY: &str = "arn:aws:iam::123456789012:user/mallory";
const ANA: &str = "arn:aws:iam::123456789012:user/ana";

/// One server per sink, and the environment that names them.
pub(crate) struct Sinks {
    pub(crate) slack: WebhookServer,
    pub(crate) audit: WebhookServer,
    pub(crate) teams: WebhookServer,
    pub(crate) pd: WebhookServer,
}

impl Sinks {
    pub(crate) fn start() -> Sinks {
        Sinks {
            slack: WebhookServer::start(),
            audit: WebhookServer::start(),
            teams: WebhookServer::start(),
            pd: WebhookServer::start(),
        }
    }

    /// Every sink, with `routes` after them.
    pub(crate) fn config(&self, dir: &Path, routes: &str) {
        let text = format!(
            "notify \"slack\" {{\n  webhook_env = \"HOOK\"\n}}\n\
             notify \"webhook\" \"audit\" {{\n  url_env    = \"AUDIT_URL\"\n  secret_env = \"AUDIT_SECRET\"\n}}\n\
             notify \"teams\" {{\n  url_env = \"TEAMS_URL\"\n}}\n\
             notify \"pagerduty\" {{\n  routing_key_env = \"PD_KEY\"\n  events_url      = \"{}\"\n}}\n{routes}",
            self.pd.url
        );
        std::fs::write(dir.join("driftscan.hcl"), text).unwrap();
    }

    pub(crate) fn env<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("HOOK", &self.slack.url)
            .env("AUDIT_URL", &self.audit.url)
            .env("AUDIT_SECRET", SIGNING)
            .env("TEAMS_URL", &self.teams.url)
            .env("PD_KEY", ROUTING)
    }
}

pub(crate) fn no_secret(out: &Run) {
    for text in [&out.stdout, &out.stderr] {
        for s in [SECRET, SIGNING, ROUTING] {
            assert!(!text.contains(s), "a sink secret reached the output:\n{text}");
        }
    }
}

pub(crate) fn history_has_no_secret(dir: &Path) {
    let bytes = History::of(dir).dump();
    for s in [SECRET, SIGNING, ROUTING] {
        assert!(!bytes.contains(s), "a sink secret is stored in the history");
    }
}

fn learn(dir: &Path, sinks: &Sinks, records: Vec<Value>, now: &str) -> Run {
    let file = write_trail(dir, &format!("trail-{now}.json"), records);
    let history = History::of(dir);
    let out = run(sinks
        .env(history.env(driftscan().current_dir(dir)))
        .args(["learn", "--cloudtrail"])
        .arg(&file)
        .args(["--db", &history.arg(), "--format", "json", "--notify", "all", "--now", now]));
    no_secret(&out);
    out
}

fn sg_event(id: &str, time: &str, sg: &str, actor: &str) -> Value {
    record(id, time, "us-east-1", "AuthorizeSecurityGroupIngress", json!({"groupId": sg}), actor)
}

/// Checks the signature header with Python's own HMAC, as a receiver following the README would.
fn python_verifies(header: &str, body: &str) -> bool {
    const CHECK: &str = "import hashlib, hmac, sys\n\
        parts = dict(p.split('=', 1) for p in sys.argv[2].split(','))\n\
        body = sys.stdin.buffer.read()\n\
        mac = hmac.new(sys.argv[1].encode(), parts['t'].encode() + b'.' + body, hashlib.sha256).hexdigest()\n\
        sys.exit(0 if hmac.compare_digest(mac, parts['v1']) else 1)\n";
    let mut child = Command::new("python3")
        .args(["-c", CHECK, SIGNING, header])
        .stdin(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), body.as_bytes()).unwrap();
    drop(child.stdin.take());
    child.wait().unwrap().success()
}

pub(crate) fn bodies(reqs: &[Request]) -> Vec<Value> {
    reqs.iter().map(Request::json).collect()
}

#[test]
fn routes_send_each_change_where_they_say_and_the_webhook_is_signed() {
    let dir = tempfile::tempdir().unwrap();
    let sinks = Sinks::start();
    sinks.config(
        dir.path(),
        "route {\n  types = [\"aws_security_group*\"]\n  to    = [\"pagerduty\", \"audit\"]\n}\n\
         route {\n  types = [\"aws_instance\"]\n  to    = [\"slack\", \"teams\"]\n}\n",
    );
    let check = run(sinks.env(driftscan().current_dir(dir.path())).args(["config", "check"]));
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(check.stdout.contains("sink audit (webhook): AUDIT_URL (set), AUDIT_SECRET (set)"), "{}", check.stdout);
    assert!(
        check.stdout.contains("route 1 (line 15): types aws_security_group* -> pagerduty, audit"),
        "{}",
        check.stdout
    );
    no_secret(&check);

    let records = vec![
        sg_event("night-1", "2026-12-06T03:14:00Z", "sg-0a0000000000000a1", MALLORY),
        record(
            "day-1",
            "2026-12-06T10:00:00Z",
            "us-east-1",
            "ModifyInstanceAttribute",
            json!({"instanceId": "i-0d000000000000001", "instanceType": {"value": "t3.large"}}),
            ANA,
        ),
    ];
    let out = learn(dir.path(), &sinks, records, "2026-12-06T11:00:00Z");
    assert!(out.stderr.is_empty(), "{}", out.stderr);

    // The security group to PagerDuty and the audit webhook, the instance to Slack and Teams.
    let pd = bodies(&sinks.pd.requests());
    assert_eq!(pd.len(), 1, "{pd:?}");
    assert_eq!((pd[0]["event_action"].as_str(), pd[0]["routing_key"].as_str()), (Some("trigger"), Some(ROUTING)));
    assert_eq!(pd[0]["payload"]["component"], "sg-0a0000000000000a1");
    let slack = sinks.slack.requests();
    assert_eq!(slack.len(), 1);
    assert!(slack[0].body.contains("i-0d000000000000001") && !slack[0].body.contains("sg-0a0"), "{}", slack[0].body);
    let teams = sinks.teams.requests();
    assert_eq!(teams.len(), 1);
    assert_eq!(teams[0].json()["attachments"][0]["content"]["type"], "AdaptiveCard");
    assert!(teams[0].body.contains("i-0d000000000000001") && !teams[0].body.contains("sg-0a0"));

    let audit = sinks.audit.requests();
    assert_eq!(audit.len(), 1);
    let body = audit[0].json();
    assert_eq!(
        (body["version"].as_u64(), body["action"].as_str(), body["size"].as_u64()),
        (Some(1), Some("trigger"), Some(1))
    );
    assert_eq!(body["changes"][0]["resource_id"], "sg-0a0000000000000a1");
    let header = audit[0].header("X-Driftscan-Signature").expect("signed");
    let t: i64 = header.strip_prefix("t=").and_then(|r| r.split(',').next()).unwrap().parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - t).abs() < 120, "the signed time is the sending time: {header}");
    assert!(python_verifies(header, &audit[0].body), "the documented scheme verifies: {header}");
    let forged = audit[0].body.replace("sg-0a0000000000000a1", "sg-0a0000000000000a2");
    assert!(!python_verifies(header, &forged), "a changed body fails");
    history_has_no_secret(dir.path());

    // One sink tested alone; an unknown name is refused with the names there are.
    let out = run(sinks.env(driftscan().current_dir(dir.path())).args(["notify", "--test", "--to", "audit"]));
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "the webhook \"audit\" accepted the test message.\n"),
        "{}",
        out.stderr
    );
    assert_eq!((sinks.audit.requests().len(), sinks.pd.requests().len()), (2, 1));
    let out = run(sinks.env(driftscan().current_dir(dir.path())).args(["notify", "--test", "--to", "pager"]));
    assert!(
        out.code == 1 && out.stderr.contains("no such sink (sinks: slack, audit, teams, pagerduty)"),
        "{}",
        out.stderr
    );
}

#[test]
fn forty_changes_by_one_actor_within_minutes_are_one_alert() {
    let dir = tempfile::tempdir().unwrap();
    let sinks = Sinks::start();
    sinks.config(dir.path(), "");
    let records: Vec<Value> = (0..40)
        .map(|i| {
            let time = format!("2026-12-06T03:{:02}:{:02}Z", 10 + i / 12, (i * 5) % 60);
            sg_event(&format!("mass-{i}"), &time, &format!("sg-0b{i:015}"), MALLORY)
        })
        .collect();
    let out = learn(dir.path(), &sinks, records, "2026-12-06T04:00:00Z");
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    assert_eq!(out.json()["summary"]["added"], 40, "{}", out.stdout);
    for (name, server) in
        [("audit", &sinks.audit), ("pagerduty", &sinks.pd), ("slack", &sinks.slack), ("teams", &sinks.teams)]
    {
        assert_eq!(server.requests().len(), 1, "{name}: one alert for one cause");
    }
    let audit = sinks.audit.requests()[0].json();
    assert_eq!((audit["size"].as_u64(), audit["changes"].as_array().unwrap().len()), (Some(40), 40));
    assert_eq!(audit["cause"], json!({"kind": "actor", "actor": MALLORY}));
    let lead = audit["most_unusual"].as_i64().unwrap();
    assert!(audit["changes"].as_array().unwrap().iter().any(|c| c["id"] == lead));
    let pd = sinks.pd.requests()[0].json();
    assert_eq!(pd["payload"]["custom_details"]["size"], 40);
    assert!(pd["payload"]["summary"].as_str().unwrap().contains("40 changes by"), "{pd}");
    let slack = sinks.slack.requests()[0].body.clone();
    assert!(slack.contains("One cause, 40 changes") && slack.contains("and 30 more"), "{slack}");
}

#[test]
fn a_sink_answering_500_or_429_then_200_gets_each_alert_once_and_a_failure_waits_for_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let sinks = Sinks::start();
    sinks.config(dir.path(), "");
    sinks.audit.answer(&[(500, None)]);
    sinks.pd.answer(&[(500, None)]);
    sinks.teams.answer(&[(429, Some("Retry-After: 1"))]);
    let out = learn(
        dir.path(),
        &sinks,
        vec![sg_event("n-1", "2026-12-06T03:14:00Z", "sg-0c1", MALLORY)],
        "2026-12-06T04:00:00Z",
    );
    assert!(out.stderr.is_empty(), "a retried 500 is no warning: {}", out.stderr);
    for server in [&sinks.audit, &sinks.pd] {
        let reqs = server.requests();
        assert_eq!(reqs.len(), 2, "the 500 was retried");
        assert_eq!(reqs[0].body, reqs[1].body, "the same alert again");
    }
    let teams = sinks.teams.requests();
    assert_eq!(teams.len(), 2, "a 429 is waited out and sent again");
    assert!(teams[1].at - teams[0].at >= std::time::Duration::from_secs(1), "Retry-After honoured");
    // Down for a whole run: the alert stays queued, the run warns, and the next run sends it.
    sinks.pd.answer(&[(500, None), (500, None), (500, None), (500, None)]);
    let out =
        learn(dir.path(), &sinks, vec![sg_event("n-2", "2026-12-06T05:14:00Z", "sg-0c2", ANA)], "2026-12-06T06:00:00Z");
    assert!(out.stderr.contains("PagerDuty did not take the message (HTTP 500"), "{}", out.stderr);
    assert_eq!(sinks.pd.requests().len(), 6);
    assert_eq!(sinks.audit.requests().len(), 3, "one sink down does not hold back another");
    let out = learn(dir.path(), &sinks, vec![], "2026-12-06T07:00:00Z");
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let pd = sinks.pd.requests();
    assert_eq!(pd.len(), 7);
    assert_eq!(pd[6].json()["payload"]["component"], "sg-0c2");
    let _ = learn(dir.path(), &sinks, vec![], "2026-12-06T08:00:00Z");
    assert_eq!((sinks.pd.requests().len(), sinks.audit.requests().len()), (7, 3), "each alert once");
    history_has_no_secret(dir.path());
}

#[test]
fn a_run_killed_between_recording_and_sending_loses_no_alert() {
    let dir = tempfile::tempdir().unwrap();
    let server = WebhookServer::start();
    std::fs::write(
        dir.path().join("driftscan.hcl"),
        "notify \"webhook\" {\n  url_env    = \"AUDIT_URL\"\n  secret_env = \"AUDIT_SECRET\"\n}\n",
    )
    .unwrap();
    // A sink that takes the connection and never answers: the run is stuck sending.
    let stuck = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stuck_url = format!("http://127.0.0.1:{}/hook/{SECRET}", stuck.local_addr().unwrap().port());
    let file = write_trail(dir.path(), "n.json", vec![sg_event("k-1", "2026-12-06T03:14:00Z", "sg-0d1", MALLORY)]);
    let history = History::of(dir.path());
    let mut child = history
        .env(&mut driftscan())
        .current_dir(dir.path())
        .env("AUDIT_URL", &stuck_url)
        .env("AUDIT_SECRET", SIGNING)
        .args(["learn", "--cloudtrail"])
        .arg(&file)
        .args(["--db", &history.arg(), "--notify", "all", "--now", "2026-12-06T04:00:00Z"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let queued = || history.count_or_zero("SELECT count(*) FROM notifications WHERE status = 'pending'");
    let started = std::time::Instant::now();
    while queued() == 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "the run never committed its queue");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL, while it waits for the stuck sink
    child.wait().unwrap();
    assert_eq!(queued(), 1, "the alert is still queued");

    let notify = || {
        let out = run(history
            .env(&mut driftscan())
            .current_dir(dir.path())
            .env("AUDIT_URL", &server.url)
            .env("AUDIT_SECRET", SIGNING)
            .args(["notify", "--db", &history.arg()]));
        no_secret(&out);
        out
    };
    let out = notify();
    assert_eq!((out.code, out.stdout.as_str()), (0, "1 queued changes posted to the webhook.\n"), "{}", out.stderr);
    assert_eq!(server.requests()[0].json()["changes"][0]["resource_id"], "sg-0d1");
    assert_eq!(notify().stdout, "0 queued changes posted to the webhook.\n");
    assert_eq!(server.requests().len(), 1, "sent once");
}
