//! Slack notifications against a webhook server on loopback: the message's shape, one message per
//! run, never twice for the same change, 429 and 500 handling, failures kept for the next run,
//! escaping of AWS text, and the webhook address never shown.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::{driftscan, run, Estate, History, Run};
use crate::history::{record, routine, write_trail};
use crate::webhook_server::{WebhookServer, SECRET};

const SG: &str = "sg-0a0000000000000a1";
const INSTANCE: &str = "i-0d000000000000001";
/// An actor whose name tries to ping the whole channel.
const MALLORY: &str = "arn:aws:iam::123456789012:user/<!channel>@here";

/// A Sunday 03:14 change by a new principal: anomalous after the routine history.
fn night(event_id: &str, sg: &str) -> Vec<Value> {
    vec![record(
        event_id,
        "2026-12-06T03:14:00Z",
        "us-east-1",
        "AuthorizeSecurityGroupIngress",
        json!({"groupId": sg}),
        MALLORY,
    )]
}

fn learn(dir: &Path, server: &WebhookServer, file: &Path, now: &str) -> Run {
    let history = History::of(dir);
    let out = run(history.env(driftscan().current_dir(dir)).env("DRIFTSCAN_SLACK_WEBHOOK", &server.url).args([
        "learn",
        "--cloudtrail",
        file.to_str().unwrap(),
        "--db",
        &history.arg(),
        "--format",
        "json",
        "--now",
        now,
    ]));
    assert_no_secret(&out);
    out
}

fn assert_no_secret(out: &Run) {
    for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(!text.contains(SECRET) && !text.contains("xoxTestSecret"), "webhook address in {name}:\n{text}");
    }
}

fn statuses(dir: &Path) -> Vec<(i64, String, i64)> {
    let rows = History::of(dir).rows("SELECT change_id, status, attempts FROM notifications ORDER BY change_id");
    rows.into_iter()
        .map(|r| (r[0].as_i64().unwrap(), r[1].as_str().unwrap().to_owned(), r[2].as_i64().unwrap()))
        .collect()
}

/// A history with four weeks of routine work, learned with Slack set: routine is not posted.
fn routine_history(dir: &Path, server: &WebhookServer) {
    let file = write_trail(dir, "routine.json", routine(SG, INSTANCE));
    let out = learn(dir, server, &file, "2026-11-30T00:00:00Z");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(server.requests().is_empty(), "routine changes are not anomalous, so nothing is posted");
}

#[test]
fn an_anomalous_change_is_posted_once_with_what_where_who_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let server = WebhookServer::start();
    routine_history(dir.path(), &server);

    let file = write_trail(dir.path(), "night.json", night("night-1", SG));
    let out = learn(dir.path(), &server, &file, "2026-12-06T03:20:00Z");
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.is_empty(), "a delivered message says nothing on stderr: {}", out.stderr);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "one message per run");
    assert_eq!(reqs[0].path, format!("/services/{SECRET}"));
    assert_eq!(reqs[0].content_type, "application/json");
    let msg = reqs[0].json();
    let blocks = msg["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["text"], "driftscan: 1 anomalous change");
    let section = &blocks[1];
    assert_eq!(section["type"], "section");
    let what = section["text"]["text"].as_str().unwrap();
    assert!(what.contains("AuthorizeSecurityGroupIngress") && what.contains(SG), "{what}");
    let fields: Vec<&str> = section["fields"].as_array().unwrap().iter().map(|f| f["text"].as_str().unwrap()).collect();
    assert_eq!(fields[0], "*Where*\naccount 123456789012, us-east-1");
    // AWS text escaped: no mention, no link, no broadcast.
    assert_eq!(fields[1], "*Who*\narn:aws:iam::123456789012:user/&lt;!channel&gt;@\u{2060}here");
    assert_eq!(fields[2], "*When*\n2026-12-06T03:14:00Z");
    let why = blocks[2]["elements"][0]["text"].as_str().unwrap();
    assert!(why.starts_with("*Why unusual*\n• ") && why.contains("Sun 03:14 UTC"), "{why}");
    let more = blocks.last().unwrap()["elements"][0]["text"].as_str().unwrap();
    assert_eq!(more, "See more: `driftscan report --since 2026-12-06T03:14:00Z --anomalous`");
    assert!(!reqs[0].body.contains("<!channel>") && !reqs[0].body.contains("@here"), "{}", reqs[0].body);
    assert!(msg["text"].as_str().unwrap().contains(SG));

    // Read again, and a later run with nothing new: nothing posted twice.
    assert_eq!(learn(dir.path(), &server, &file, "2026-12-06T04:00:00Z").code, 0);
    let other = write_trail(dir.path(), "empty.json", vec![]);
    let _ = learn(dir.path(), &server, &other, "2026-12-06T05:00:00Z");
    assert_eq!(server.requests().len(), 1, "the same change is never posted twice");
    assert_eq!(statuses(dir.path()).iter().filter(|s| s.1 == "sent").count(), 1);
    assert!(!History::of(dir.path()).dump().contains("xoxTestSecret"), "the webhook is not stored");
}

#[test]
fn a_failed_delivery_never_fails_the_run_and_is_sent_by_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let server = WebhookServer::start();
    routine_history(dir.path(), &server);
    server.answer(&[(500, None), (500, None), (500, None), (500, None)]);

    let file = write_trail(dir.path(), "night.json", night("night-1", SG));
    let out = learn(dir.path(), &server, &file, "2026-12-06T03:20:00Z");
    assert_eq!(out.code, 3, "the run's own exit code, whatever Slack says: {}", out.stderr);
    assert!(out.json()["summary"]["added"] == 1, "{}", out.stdout);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("warning") && out.stderr.contains("HTTP 500") && out.stderr.contains("4 attempts"),
        "{}",
        out.stderr
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4, "retried with backoff");
    let gaps: Vec<Duration> = reqs.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[2] > gaps[0], "the waits grow: {gaps:?}");
    assert_eq!(statuses(dir.path()).iter().map(|s| (s.1.as_str(), s.2)).collect::<Vec<_>>(), vec![("failed", 4)]);

    // The next run, with nothing new of its own, sends what is queued.
    let empty = write_trail(dir.path(), "empty.json", vec![]);
    let out = learn(dir.path(), &server, &empty, "2026-12-06T04:00:00Z");
    assert_eq!(out.code, 0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 5);
    assert!(reqs[4].body.contains(SG) && reqs[4].body.contains("1 anomalous change"), "{}", reqs[4].body);
    assert_eq!(statuses(dir.path())[0].1, "sent");
    let _ = learn(dir.path(), &server, &empty, "2026-12-06T05:00:00Z");
    assert_eq!(server.requests().len(), 5, "sent once");
}

#[test]
fn a_429_is_waited_out_for_its_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let server = WebhookServer::start();
    routine_history(dir.path(), &server);
    server.answer(&[(429, Some("Retry-After: 2"))]);
    let file = write_trail(dir.path(), "night.json", night("night-1", SG));
    let out = learn(dir.path(), &server, &file, "2026-12-06T03:20:00Z");
    assert_eq!(out.code, 3);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].at - reqs[0].at >= Duration::from_secs(2), "waited {:?}", reqs[1].at - reqs[0].at);
    assert_eq!(reqs[0].body, reqs[1].body, "the same message again");
    assert_eq!(statuses(dir.path())[0].1, "sent");
}

#[test]
fn notify_test_sends_a_sample_and_errors_name_no_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let server = WebhookServer::start();
    let notify = |url: &str| {
        let out =
            run(driftscan().current_dir(dir.path()).env("DRIFTSCAN_SLACK_WEBHOOK", url).args(["notify", "--test"]));
        assert_no_secret(&out);
        out
    };
    let out = notify(&server.url);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "Slack accepted the test message.\n");
    let msg = server.requests()[0].json();
    assert_eq!(msg["blocks"][0]["text"]["text"], "driftscan: test message (sample change)");
    assert!(!dir.path().join(".driftscan").exists(), "a test message records nothing");

    server.answer(&[(404, None)]);
    let out = notify(&server.url);
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("HTTP 404") && out.stderr.contains("1 attempt"), "{}", out.stderr);
    assert_eq!(server.requests().len(), 2, "a 404 is not retried");

    // Nobody listening: the transport error would name the address; it is redacted.
    let refused = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = notify(&format!("http://127.0.0.1:{refused}/services/{SECRET}"));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("cannot reach the webhook") && out.stderr.contains("4 attempts"), "{}", out.stderr);

    for bad in [format!("http://hooks.example.com/services/{SECRET}"), format!("hooks.slack.com/services/{SECRET}")] {
        let out = notify(&bad);
        assert_eq!(out.code, 1);
        assert!(out.stderr.contains("webhook"), "{}", out.stderr);
    }
    let out = run(driftscan().current_dir(dir.path()).args(["notify", "--test"]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("DRIFTSCAN_SLACK_WEBHOOK is not set"), "{}", out.stderr);
}

#[test]
fn a_scan_does_not_repost_a_drift_whose_event_was_posted_and_notify_all_posts_new_drift() {
    let estate = Estate::create();
    let server = WebhookServer::start();
    let (sg, instance) = (estate.id("sg_web"), estate.id("web_0"));
    let trail = tempfile::tempdir().unwrap();
    let learn = |file: &Path, now: &str| {
        let out = run(estate
            .command(&["learn", "--cloudtrail", file.to_str().unwrap(), "--db", "history.db"])
            .env("DRIFTSCAN_SLACK_WEBHOOK", &server.url)
            .args(["--now", now]));
        assert_no_secret(&out);
        out
    };
    assert_eq!(learn(&write_trail(trail.path(), "r.json", routine(&sg, &instance)), "2026-11-30T00:00:00Z").code, 0);
    estate.drift(&["open-rdp"]);
    assert_eq!(learn(&write_trail(trail.path(), "n.json", night("night-1", &sg)), "2026-12-06T03:20:00Z").code, 3);
    assert_eq!(server.requests().len(), 1);

    let scan = |now: &str, extra: &[&str]| {
        let out = run(estate
            .scan_command()
            .env("DRIFTSCAN_SLACK_WEBHOOK", &server.url)
            .args(["--db", &estate.history_arg(), "--format", "json", "--now", now])
            .args(extra));
        assert_no_secret(&out);
        out
    };
    let out = scan("2026-12-06T04:00:00Z", &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(server.requests().len(), 1, "the drift is the event already posted");
    let covered = estate.history().count("SELECT count(*) FROM notifications WHERE status = 'covered'");
    assert_eq!(covered, 1, "recorded as told with its event");

    // --notify all: the next new drift is posted, though not anomalous, and the carried one is not.
    estate.drift(&["resize-instance"]);
    let out = scan("2026-12-07T11:00:00Z", &["--notify", "all"]);
    assert!(out.code == 2 || out.code == 3, "{}", out.stderr);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "one message for the run");
    let body = &reqs[1].body;
    assert!(body.contains("instance_type") && body.contains(&instance), "{body}");
    assert!(body.contains("`\\\"t3.micro\\\"` → `\\\"t3.large\\\"`"), "before -> after: {body}");
    assert!(!body.contains("ingress"), "the carried drift is not posted again: {body}");
}

#[test]
fn the_config_names_the_variable_that_holds_the_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let server = WebhookServer::start();
    std::fs::write(dir.path().join("driftscan.hcl"), "slack {\n  webhook_env = \"TEAM_DRIFT_HOOK\"\n}\n").unwrap();
    let out = run(driftscan().current_dir(dir.path()).env("TEAM_DRIFT_HOOK", &server.url).args(["notify", "--test"]));
    assert_no_secret(&out);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(server.requests().len(), 1);
    // The default variable is not read when the config names another.
    let out =
        run(driftscan().current_dir(dir.path()).env("DRIFTSCAN_SLACK_WEBHOOK", &server.url).args(["notify", "--test"]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("TEAM_DRIFT_HOOK is not set"), "{}", out.stderr);
}
