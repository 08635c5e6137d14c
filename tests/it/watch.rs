//! `driftscan watch` against the emulator's SQS: a change made through the API plus its
//! CloudTrail event in the queue becomes the drift, with its actor, and a Slack message; the
//! daemon's promises (once per event, an unreadable message blocks nothing, SIGTERM and kill -9
//! lose nothing, a rewritten state is read again).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::{Estate, History};
use crate::history::record;
use crate::webhook_server::{WebhookServer, SECRET};

pub(crate) const ACTOR: &str = "arn:aws:iam::123456789012:user/night-shift";

/// An EventBridge "AWS API Call via CloudTrail" event whose detail opens a port on `sg`, made a
/// minute ago.
pub(crate) fn eventbridge(event_id: &str, sg: &str) -> Value {
    let time = (chrono::Utc::now() - chrono::Duration::minutes(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let detail = record(event_id, &time, "us-east-1", "AuthorizeSecurityGroupIngress", json!({"groupId": sg}), ACTOR);
    json!({
        "version": "0", "id": format!("eb-{event_id}"), "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ec2", "account": "123456789012", "time": time, "region": "us-east-1",
        "resources": [], "detail": detail
    })
}

/// A queue in the estate's emulator, its messages back after `visibility` seconds.
pub(crate) fn queue(estate: &Estate, visibility: u32) -> String {
    estate
        .moto
        .python(&format!(
            "import boto3; print(boto3.client('sqs').create_queue(QueueName='driftscan', \
             Attributes={{'VisibilityTimeout': '{visibility}'}})['QueueUrl'])"
        ))
        .trim()
        .to_owned()
}

/// Sends each body as one message.
pub(crate) fn send(estate: &Estate, url: &str, bodies: &[String]) {
    let file = estate.path("bodies.json");
    std::fs::write(&file, serde_json::to_string(bodies).unwrap()).unwrap();
    estate.moto.python(&format!(
        "import boto3, json\nq = boto3.client('sqs')\nfor b in json.load(open({file:?})):\n    q.send_message(QueueUrl={url:?}, MessageBody=b)",
        file = file.to_str().unwrap()
    ));
}

/// Messages still in the queue, visible or taken.
pub(crate) fn in_queue(estate: &Estate, url: &str) -> u64 {
    let out = estate.moto.python(&format!(
        "import boto3\na = boto3.client('sqs').get_queue_attributes(QueueUrl={url:?}, AttributeNames=['All'])['Attributes']\n\
         print(int(a['ApproximateNumberOfMessages']) + int(a['ApproximateNumberOfMessagesNotVisible']))"
    ));
    out.trim().parse().unwrap()
}

/// `driftscan watch` over the estate's states, stderr to `watch.log` (appended), `--notify all`.
fn start(estate: &Estate, url: &str, server: &WebhookServer, env: &[(&str, &str)]) -> Child {
    start_with(estate, url, server, env, &[])
}

/// [`start`] with more flags.
pub(crate) fn start_with(
    estate: &Estate,
    url: &str,
    server: &WebhookServer,
    env: &[(&str, &str)],
    extra: &[&str],
) -> Child {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(estate.path("watch.log")).unwrap();
    let mut cmd = estate.command(&[
        "watch",
        "--queue",
        url,
        "--state",
        "infra/terraform.tfstate",
        "--state",
        "envs/*/terraform.tfstate",
        "--db",
        "history.db",
        "--notify",
        "all",
    ]);
    // Short polls, so a test's stop is not held up by a long one, unless the test is about them.
    if !extra.contains(&"--wait") {
        cmd.args(["--wait", "1s"]);
    }
    cmd.args(extra).env("DRIFTSCAN_SLACK_WEBHOOK", &server.url).stdout(Stdio::null()).stderr(log);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("starting driftscan watch")
}

pub(crate) fn log(estate: &Estate) -> String {
    std::fs::read_to_string(estate.path("watch.log")).unwrap_or_default()
}

/// Waits up to 60 s for `cond`; panics with the watch's log when it does not come.
pub(crate) fn wait_for(estate: &Estate, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}; watch said:\n{}", log(estate));
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// What each change's notifications became, for a failing assertion to show.
fn told_rows(db: &History) -> String {
    let rows = db.table(
        "SELECT c.id, c.source, c.changed_at, c.first_seen, n.status, n.sent_at, coalesce(n.error, '')
           FROM changes c LEFT JOIN notifications n ON n.change_id = c.id ORDER BY c.id",
    );
    rows.iter().map(|r| r.join(" | ")).collect::<Vec<_>>().join("\n")
}

/// A count in the history, 0 while the watch has not made it yet.
pub(crate) fn count(db: &History, sql: &str) -> i64 {
    db.count_or_zero(sql)
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill").args([sig, &child.id().to_string()]).status().unwrap().success();
    assert!(ok, "kill {sig}");
}

pub(crate) fn stop(estate: &Estate, mut child: Child) {
    signal(&child, "-TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0), "SIGTERM exits 0; watch said:\n{}", log(estate));
            return;
        }
        assert!(Instant::now() < deadline, "watch did not stop within 10 s of SIGTERM:\n{}", log(estate));
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_event_in_the_queue_opens_the_drift_with_its_actor_and_tells_slack_once() {
    let estate = Estate::create();
    let sg = estate.id("sg_web");
    let url = queue(&estate, 30);
    let server = WebhookServer::start();
    let db = estate.history();
    estate.drift(&["open-rdp"]);
    let event = eventbridge("watch-1", &sg).to_string();
    // Unreadable first: it must not hold the change behind it. Then the change, twice, and once
    // more inside an SNS envelope, as a topic between EventBridge and the queue delivers it.
    let sns = json!({"Type": "Notification", "MessageId": "sns-1", "Message": event}).to_string();
    send(&estate, &url, &["{not json".to_owned(), event.clone(), event.clone(), sns]);
    let child = start(&estate, &url, &server, &[]);

    let drift = format!(
        "SELECT count(*) FROM changes WHERE source = 'scan' AND kind = 'drifted' AND resource_id = '{sg}'
            AND attribute = 'ingress' AND actor = '{ACTOR}' AND resolved_at IS NULL"
    );
    wait_for(&estate, "the drift with its actor", || count(db, &drift) == 1);
    wait_for(&estate, "the Slack message", || !server.requests().is_empty());
    wait_for(&estate, "the readable messages deleted", || in_queue(&estate, &url) == 1);
    std::thread::sleep(Duration::from_secs(2));

    // Put back as declared, and its event: the drift is resolved by the re-read alone.
    estate.moto.python(&format!(
        "import boto3; boto3.client('ec2').revoke_security_group_ingress(GroupId={sg:?}, IpPermissions=[\
         {{'IpProtocol': 'tcp', 'FromPort': 3389, 'ToPort': 3389, 'IpRanges': [{{'CidrIp': '0.0.0.0/0'}}]}}])"
    ));
    let mut revoke = eventbridge("watch-2", &sg);
    revoke["detail"]["eventName"] = json!("RevokeSecurityGroupIngress");
    // Made after the drift was first seen, as it was: an event dated before that would be read
    // as the drift's cause (events.rs), as a scan reads an event it learns late.
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    revoke["time"] = json!(now);
    revoke["detail"]["eventTime"] = json!(now);
    send(&estate, &url, &[revoke.to_string()]);
    let resolved = format!(
        "SELECT count(*) FROM changes WHERE source = 'scan' AND resource_id = '{sg}' AND resolved_at IS NOT NULL"
    );
    wait_for(&estate, "the drift resolved", || count(db, &resolved) == 1);
    stop(&estate, child);

    let events = count(db, "SELECT count(*) FROM changes WHERE event_id = 'watch-1'");
    assert_eq!(events, 1, "three deliveries of one event record it once");
    let reqs = server.requests();
    // The opening event and the drift it explains: one message; then the revoking event's.
    assert_eq!(reqs.len(), 2, "one message per change: {:#?}", reqs.iter().map(|r| &r.body).collect::<Vec<_>>());
    let body = &reqs[0].body;
    assert!(body.contains("night-shift") && body.contains(&sg), "who and what: {body}");
    let text = log(&estate);
    let named: Vec<_> = text.lines().filter(|l| l.contains("not JSON")).collect();
    assert!(!named.is_empty() && named[0].contains("redrive"), "the unreadable message is named:\n{text}");
    assert!(!text.contains(SECRET), "the webhook address is never logged:\n{text}");
    assert_eq!(in_queue(&estate, &url), 1, "the unreadable message stays for the dead-letter queue");
}

#[test]
fn sigterm_then_kill_9_then_a_restart_lose_nothing_and_double_nothing() {
    let estate = Estate::create();
    let sg = estate.id("sg_web");
    // Messages taken by a killed process come back after 2 s.
    let url = queue(&estate, 2);
    let server = WebhookServer::start();
    let db = estate.history();
    estate.drift(&["open-rdp"]);
    let bodies: Vec<String> = (0..12).map(|i| eventbridge(&format!("burst-{i}"), &sg).to_string()).collect();
    send(&estate, &url, &bodies);
    let recorded = "SELECT count(*) FROM changes WHERE source = 'cloudtrail'";

    // SIGTERM in the middle of the burst: the batch in hand is committed, then exit 0.
    let child = start(&estate, &url, &server, &[]);
    wait_for(&estate, "a first event", || count(db, recorded) >= 1);
    stop(&estate, child);

    // kill -9 inside a transaction, held open for the purpose: it is rolled back.
    let more: Vec<String> = (12..18).map(|i| eventbridge(&format!("burst-{i}"), &sg).to_string()).collect();
    send(&estate, &url, &more);
    let child = start(&estate, &url, &server, &[("DRIFTSCAN_TEST_HOLD_RECORD_MS", "3000")]);
    let mut child = child;
    wait_for(&estate, "a transaction held open", || log(&estate).contains("test hold"));
    signal(&child, "-KILL");
    let _ = child.wait();

    let child = start(&estate, &url, &server, &[]);
    wait_for(&estate, "every event recorded", || count(db, recorded) == 18);
    wait_for(&estate, "the queue emptied", || in_queue(&estate, &url) == 0);
    stop(&estate, child);
    assert_eq!(count(db, recorded), 18, "each event once");
    let drifts = count(db, "SELECT count(*) FROM changes WHERE source = 'scan'");
    assert_eq!(drifts, 1, "one drift, carried by the later events");
    // --notify all: the drift and the event that opened it are one item; the burst's other
    // events re-apply the drift already told, and are told with it (covered). Each change is in
    // exactly one accepted message or covered, none twice, none waits.
    let rows = told_rows(db);
    let told = "SELECT count(DISTINCT change_id) FROM notifications WHERE status IN ('sent', 'covered')";
    assert_eq!(count(db, told), 19, "every change told:\n{rows}");
    assert_eq!(count(db, "SELECT count(*) FROM notifications WHERE status IN ('sent', 'covered')"), 19, "{rows}");
    assert!(count(db, "SELECT count(*) FROM notifications WHERE status = 'sent'") >= 2, "{rows}");
    assert_eq!(count(db, "SELECT count(*) FROM notifications WHERE status IN ('pending', 'failed')"), 0);
    assert!(!server.requests().is_empty());
}

#[test]
fn a_state_rewritten_on_disk_is_read_again() {
    let estate = Estate::create();
    let sg = estate.id("sg_web");
    let url = queue(&estate, 30);
    let server = WebhookServer::start();
    let db = estate.history();
    let child = start(&estate, &url, &server, &[]);
    wait_for(&estate, "polling", || log(&estate).contains("polling"));

    // `terraform state rm` of the group: it is no longer declared anywhere.
    let states = [estate.path("infra/terraform.tfstate")];
    estate.moto.python(&format!(
        "import json\nfor p in {paths:?}:\n    s = json.load(open(p))\n    s['resources'] = [r for r in s['resources'] if not any(i['attributes'].get('id') == {sg:?} for i in r['instances'])]\n    s['serial'] += 1\n    json.dump(s, open(p, 'w'))",
        paths = states.iter().map(|p| p.to_str().unwrap()).collect::<Vec<_>>(),
    ));
    wait_for(&estate, "the reload", || log(&estate).contains("states changed"));
    estate.drift(&["open-rdp"]);
    send(&estate, &url, &[eventbridge("after-rm", &sg).to_string()]);
    let unmanaged = format!("SELECT count(*) FROM changes WHERE kind = 'unmanaged' AND resource_id = '{sg}'");
    wait_for(&estate, "the group reported unmanaged", || count(db, &unmanaged) == 1);
    stop(&estate, child);
    let drifted = format!("SELECT count(*) FROM changes WHERE kind = 'drifted' AND resource_id = '{sg}'");
    assert_eq!(count(db, &drifted), 0, "compared with the new state, not the old");
}

#[test]
fn an_s3_notification_of_a_gzipped_log_records_its_changes_and_skips_its_reads() {
    let estate = Estate::create();
    let sg = estate.id("sg_web");
    let url = queue(&estate, 30);
    let server = WebhookServer::start();
    let db = estate.history();
    estate.drift(&["open-rdp"]);
    let time = (chrono::Utc::now() - chrono::Duration::minutes(2)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let change = record("s3-1", &time, "us-east-1", "AuthorizeSecurityGroupIngress", json!({"groupId": sg}), ACTOR);
    let mut read = record("s3-2", &time, "us-east-1", "DescribeInstances", json!({}), ACTOR);
    read["readOnly"] = json!(true);
    let log = estate.path("trail.json");
    std::fs::write(&log, json!({"Records": [change, read]}).to_string()).unwrap();
    let key = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/12/01/123456789012_CloudTrail_us-east-1_x.json.gz";
    estate.moto.python(&format!(
        "import boto3, gzip\ns3 = boto3.client('s3')\ns3.create_bucket(Bucket='org-trail')\n\
         s3.put_object(Bucket='org-trail', Key={key:?}, Body=gzip.compress(open({log:?}, 'rb').read()))",
        log = log.to_str().unwrap()
    ));
    let notification = json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "org-trail"}, "object": {"key": key}}}]});
    send(&estate, &url, &[notification.to_string()]);
    let child = start(&estate, &url, &server, &[]);
    let drift =
        format!("SELECT count(*) FROM changes WHERE kind = 'drifted' AND resource_id = '{sg}' AND actor = '{ACTOR}'");
    wait_for(&estate, "the drift from the log object", || count(db, &drift) == 1);
    wait_for(&estate, "the message deleted", || in_queue(&estate, &url) == 0);
    stop(&estate, child);
    assert_eq!(count(db, "SELECT count(*) FROM changes WHERE source = 'cloudtrail'"), 1, "the read is not a change");
}

#[test]
fn a_change_with_no_event_is_found_by_the_full_scan_in_the_same_process() {
    let estate = Estate::create();
    let url = queue(&estate, 30);
    let server = WebhookServer::start();
    let db = estate.history();
    // No event will tell of this one.
    estate.drift(&["open-rdp"]);
    let child = start_with(&estate, &url, &server, &[], &["--full-scan-every", "2s", "--metrics-addr", "127.0.0.1:0"]);
    let scanned =
        "SELECT count(*) FROM changes WHERE source = 'scan' AND attribute = 'ingress' AND first_scan_id IS NOT NULL";
    wait_for(&estate, "the full scan's drift", || count(db, scanned) == 1);
    wait_for(&estate, "a second full scan", || count(db, "SELECT count(*) FROM scans") >= 2);
    let text = log(&estate);
    let addr = text.split("metrics on http://").nth(1).and_then(|r| r.split('/').next()).expect("the metrics address");
    let get = |path: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    let metrics = get("/metrics");
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert!(metrics.contains("# TYPE driftscan_watch_events_recorded_total counter"), "{metrics}");
    assert!(get("/healthz").starts_with("HTTP/1.1 200"));
    stop(&estate, child);
    let rows: Vec<String> = db
        .table("SELECT kind || ' ' || type || ' ' || resource_id || ' ' || coalesce(attribute, '') FROM changes WHERE source = 'scan'")
        .into_iter()
        .map(|mut r| r.remove(0))
        .collect();
    // The drift once, carried by the second scan; the queue itself is undeclared, so unmanaged.
    assert_eq!(rows.iter().filter(|r| r.ends_with(" ingress")).count(), 1, "carried, not opened again: {rows:#?}");
    assert!(rows.iter().any(|r| r.starts_with("unmanaged aws_sqs_queue")), "{rows:#?}");
}
