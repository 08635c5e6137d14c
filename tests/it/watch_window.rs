//! `driftscan watch --window`: what the events of several polls queued is told together, so one
//! script's changes to many resources are one alert naming its size; changes farther apart than
//! the window are alerts of their own, each told when its window closes, even in a long poll;
//! SIGTERM tells what the window holds, once.

use std::time::{Duration, Instant};

use crate::harness::{driftscan, root, run, Estate};
use crate::watch::{count, eventbridge, in_queue, log, queue, send, start_with, stop, wait_for};
use crate::webhook_server::WebhookServer;

/// `n` security groups made by one script and declared in `envs/mass/terraform.tfstate`, each
/// declared with no ingress and then given the same rule out of band; their ids.
fn mass(estate: &Estate, n: usize) -> Vec<String> {
    let out = estate.moto.python(&format!(
        r#"import json, os, sys
sys.path.insert(0, {tools:?})
import estate as e
ec2 = e.client(e.EAST)
made = [e.make_sg(ec2, e.EAST, {vpc:?}, f"mass-{{i}}", "Mass", [], [], {{"Name": f"mass-{{i}}"}}) for i in range({n})]
os.makedirs({dir:?}, exist_ok=True)
instances = [e.instance_entry(attrs, [], i) for i, (_, attrs) in enumerate(made)]
json.dump(e.state([e.resource("aws_security_group", "mass", instances, each="list")], 1), open({dir:?} + "/terraform.tfstate", "w"))
for gid, _ in made:
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
        {{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{{"CidrIp": "0.0.0.0/0"}}]}}])
print(json.dumps([gid for gid, _ in made]))"#,
        tools = root().join("tools").to_str().unwrap(),
        vpc = estate.id("vpc_main"),
        dir = estate.path("envs/mass").to_str().unwrap(),
    ));
    serde_json::from_str(&out).expect("the groups' ids")
}

#[test]
fn forty_changes_of_one_script_over_several_polls_are_one_alert_naming_its_size() {
    let estate = Estate::create();
    let url = queue(&estate, 30);
    let server = WebhookServer::start();
    let db = estate.history();
    let groups = mass(&estate, 40);
    // A window longer than the test: only the stop tells, so nothing depends on timing.
    let child = start_with(&estate, &url, &server, &[], &["--window", "5m"]);
    wait_for(&estate, "polling", || log(&estate).contains("polling"));
    // Four sends a second apart, and SQS hands out ten messages a receive: several polls.
    for (n, chunk) in groups.chunks(10).enumerate() {
        let bodies: Vec<String> =
            chunk.iter().enumerate().map(|(i, sg)| eventbridge(&format!("mass-{n}-{i}"), sg).to_string()).collect();
        send(&estate, &url, &bodies);
        std::thread::sleep(Duration::from_secs(1));
    }
    let drifts = "SELECT count(*) FROM changes WHERE source = 'scan' AND kind = 'drifted' AND attribute = 'ingress'
        AND resource_id LIKE 'sg-%' AND resolved_at IS NULL";
    wait_for(&estate, "every change recorded", || count(db, drifts) == 40);
    // Held, not lost: the messages go once their events are committed, the alert waits.
    wait_for(&estate, "the messages deleted", || in_queue(&estate, &url) == 0);
    std::thread::sleep(Duration::from_secs(2));
    assert!(server.requests().is_empty(), "nothing told before the window closes: {:#?}", server.requests());
    let pending = "SELECT count(*) FROM notifications WHERE status IN ('pending', 'failed')";
    assert!(count(db, pending) >= 40, "what is held is queued in the history");

    // SIGTERM: what the window holds is told before exit 0, once.
    stop(&estate, child);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "one alert: {:#?}", reqs.iter().map(|r| &r.body).collect::<Vec<_>>());
    let body = &reqs[0].body;
    assert!(body.contains("One cause, 40 changes"), "the alert names its size: {body}");
    assert!(body.contains("the same change on 40 resources: ingress"), "and its cause: {body}");
    assert_eq!(count(db, pending), 0, "nothing left waiting");
    let sent = "SELECT count(*) FROM notifications WHERE status = 'sent'";
    let distinct = "SELECT count(DISTINCT change_id) FROM notifications WHERE status = 'sent'";
    assert_eq!(count(db, sent), count(db, distinct), "nothing told twice");
    assert!(count(db, sent) >= 40);
}

#[test]
fn a_kill_while_holding_loses_nothing_and_the_next_start_tells_it_once() {
    let estate = Estate::create();
    let url = queue(&estate, 30);
    let server = WebhookServer::start();
    let db = estate.history();
    let groups = mass(&estate, 5);
    let mut child = start_with(&estate, &url, &server, &[], &["--window", "5m"]);
    let bodies: Vec<String> =
        groups.iter().enumerate().map(|(i, sg)| eventbridge(&format!("kill-{i}"), sg).to_string()).collect();
    send(&estate, &url, &bodies);
    let drifts = "SELECT count(*) FROM changes WHERE source = 'scan' AND kind = 'drifted' AND attribute = 'ingress'";
    wait_for(&estate, "every change recorded", || count(db, drifts) == 5);
    wait_for(&estate, "the messages deleted", || in_queue(&estate, &url) == 0);
    assert!(server.requests().is_empty(), "held");
    let _ = std::process::Command::new("kill").args(["-KILL", &child.id().to_string()]).status();
    let _ = child.wait();

    // The messages are gone from the queue: only the history can bring the alert back.
    let child = start_with(&estate, &url, &server, &[], &["--window", "5m"]);
    wait_for(&estate, "the alert, told at start", || !server.requests().is_empty());
    std::thread::sleep(Duration::from_secs(2));
    stop(&estate, child);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "{:#?}", reqs.iter().map(|r| &r.body).collect::<Vec<_>>());
    assert!(reqs[0].body.contains("One cause, 5 changes"), "{}", reqs[0].body);
    assert_eq!(count(db, "SELECT count(*) FROM notifications WHERE status IN ('pending', 'failed')"), 0);
}

#[test]
fn changes_farther_apart_than_the_window_are_two_alerts_each_told_as_its_window_closes() {
    let estate = Estate::create();
    let url = queue(&estate, 30);
    let server = WebhookServer::start();
    let (web, api) = (estate.id("sg_web"), estate.id("sg_api"));
    estate.drift(&["open-rdp"]);
    // Long polls: the window must close while a receive is waiting, not after it.
    let child = start_with(&estate, &url, &server, &[], &["--window", "2s", "--wait", "20s"]);
    wait_for(&estate, "polling", || log(&estate).contains("polling"));

    let sent = Instant::now();
    send(&estate, &url, &[eventbridge("apart-1", &web).to_string()]);
    wait_for(&estate, "the first alert", || server.requests().len() == 1);
    let took = sent.elapsed();
    assert!(took >= Duration::from_secs(2), "held for the window: told after {took:?}");
    assert!(took < Duration::from_secs(12), "told as the window closed, not at the end of the poll: {took:?}");

    // The same actor minutes later would be one alert if told together; it is past the window.
    send(&estate, &url, &[eventbridge("apart-2", &api).to_string()]);
    wait_for(&estate, "the second alert", || server.requests().len() == 2);
    std::thread::sleep(Duration::from_secs(3));
    stop(&estate, child);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "{:#?}", reqs.iter().map(|r| &r.body).collect::<Vec<_>>());
    assert!(reqs[0].body.contains(&web) && !reqs[0].body.contains(&api), "{}", reqs[0].body);
    assert!(reqs[1].body.contains(&api) && !reqs[1].body.contains(&web), "{}", reqs[1].body);
}

#[test]
fn a_window_outside_0s_to_5m_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let watch = |args: &[&str]| run(driftscan().current_dir(dir.path()).arg("watch").args(args));
    let r = watch(&["--queue", "https://sqs.us-east-1.amazonaws.com/1/q", "--window", "6m"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("--window: expected 0s to 5m"), "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    let r = watch(&["--window", "soon"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("expected a duration"), "{}", r.stderr);
}
