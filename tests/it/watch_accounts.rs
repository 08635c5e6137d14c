//! `driftscan watch` with one queue for several accounts: two workspaces of two emulated
//! accounts (moto's AssumeRole into another account id) name the same queue; it is polled once,
//! each event goes to the workspace of its account only, and an event of an account no
//! workspace is for is counted and deleted, recorded nowhere. Then several watch processes on
//! one queue split its messages and record each event once.

use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::Estate;
use crate::proxy::{Plan, Proxy};
use crate::watch::{count, eventbridge, in_queue, log, queue, send, start_with, stop, wait_for, ACTOR};
use crate::webhook_server::WebhookServer;
use crate::workspaces::{assume_b, estate_b, ACCOUNT_B, ROLE_B};

const ACTOR_B: &str = "arn:aws:iam::222222222222:user/night-shift-b";

/// [`eventbridge`]'s event, made in `account` by `actor`.
fn event_in(account: &str, actor: &str, event_id: &str, sg: &str) -> Value {
    let mut ev = eventbridge(event_id, sg);
    ev["account"] = json!(account);
    ev["detail"]["recipientAccountId"] = json!(account);
    ev["detail"]["userIdentity"]["accountId"] = json!(account);
    ev["detail"]["userIdentity"]["arn"] = json!(actor);
    ev
}

/// The `/metrics` page of every watch process whose address the log names, in start order.
fn metrics_pages(estate: &Estate) -> Vec<String> {
    use std::io::{Read, Write};
    let text = log(estate);
    text.split("metrics on http://")
        .skip(1)
        .map(|r| {
            let mut s = std::net::TcpStream::connect(r.split('/').next().unwrap()).unwrap();
            write!(s, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        })
        .collect()
}

/// The `/metrics` page of the one watch process.
fn metrics(estate: &Estate) -> String {
    metrics_pages(estate).into_iter().next().expect("the metrics address")
}

/// The value of one sample in a `/metrics` page.
fn sample(page: &str, name: &str) -> u64 {
    let line = page.lines().find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '));
    line.and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name}: {page}"))
}

#[test]
fn one_queue_of_two_accounts_is_polled_once_and_each_event_goes_to_its_accounts_workspace() {
    let a = Estate::create();
    let keys_b = assume_b(&a.moto);
    let beta = a.path("beta");
    let ids_b: Value =
        serde_json::from_str(&estate_b(&a.moto, &keys_b, &["create", "--out", beta.to_str().unwrap()])).unwrap();
    let (sg_a, sg_b) = (a.id("sg_web"), ids_b["sg_web"].as_str().unwrap().to_owned());
    // The same port opened by hand in both accounts; only the events say who did it where.
    a.drift(&["open-rdp"]);
    estate_b(&a.moto, &keys_b, &["drift", "--out", beta.to_str().unwrap(), "open-rdp"]);
    let url = queue(&a, 30);
    std::fs::write(
        a.path("driftscan.hcl"),
        format!(
            r#"history = "{db}"

workspace "alpha" {{
  states = ["infra/terraform.tfstate", "envs/*/terraform.tfstate"]
  queue  = "{url}"
}}

workspace "beta" {{
  states   = ["beta/infra/terraform.tfstate", "beta/envs/*/terraform.tfstate"]
  role_arn = "{ROLE_B}"
  queue    = "{url}"
}}
"#,
            db = a.history_arg()
        ),
    )
    .unwrap();
    send(
        &a,
        &url,
        &[
            event_in(ACCOUNT_B, ACTOR_B, "acct-b", &sg_b).to_string(),
            eventbridge("acct-a", &sg_a).to_string(),
            event_in("333333333333", ACTOR, "acct-c", "sg-0123456789abcdef0").to_string(),
        ],
    );

    // Every request through a proxy that notes when each ReceiveMessage starts.
    let receives = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let noted = receives.clone();
    let plan: Plan = Arc::new(move |_, body: &str| {
        if body.contains("WaitTimeSeconds") {
            noted.lock().unwrap().push(Instant::now());
        }
        None
    });
    let proxy = Proxy::with_plan(&a.moto.endpoint, plan);
    let server = WebhookServer::start();
    let log_file = std::fs::File::create(a.path("watch.log")).unwrap();
    let child = a
        .command(&["watch", "--notify", "all", "--wait", "2s", "--metrics-addr", "127.0.0.1:0"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("DRIFTSCAN_SLACK_WEBHOOK", &server.url)
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .unwrap();

    let db = a.history();
    let drift = |ws: &str, account: &str, sg: &str, actor: &str| {
        format!(
            "SELECT count(*) FROM changes WHERE source = 'scan' AND kind = 'drifted' AND attribute = 'ingress'
                AND workspace = '{ws}' AND account = '{account}' AND resource_id = '{sg}' AND actor = '{actor}'"
        )
    };
    wait_for(&a, "account A's drift with its actor", || count(db, &drift("alpha", "123456789012", &sg_a, ACTOR)) == 1);
    wait_for(&a, "account B's drift with its actor", || count(db, &drift("beta", ACCOUNT_B, &sg_b, ACTOR_B)) == 1);
    wait_for(&a, "every message deleted, the unknown account's too", || in_queue(&a, &url) == 0);
    // Both changes may share one post (the window tells what it holds together).
    let pending = "SELECT count(*) FROM notifications WHERE status <> 'sent'";
    wait_for(&a, "the Slack posts", || !server.requests().is_empty() && count(db, pending) == 0);
    let text = log(&a);
    assert!(
        text.contains("for workspaces alpha (123456789012, 36 declared), beta (222222222222, 36 declared)"),
        "{text}"
    );

    // Idle now: one loop's long polls follow each other, 2 s each; a second loop on the same
    // queue would start its own in between.
    let from = Instant::now();
    std::thread::sleep(Duration::from_secs(7));
    let starts: Vec<Instant> = receives.lock().unwrap().iter().copied().filter(|t| *t >= from).collect();
    assert!(starts.len() >= 2, "the queue is polled: {} receives in 7 s", starts.len());
    for pair in starts.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(1500), "two receives {gap:?} apart: the queue is polled more than once");
    }

    let page = metrics(&a);
    assert_eq!(sample(&page, "driftscan_watch_events_unrouted_total{reason=\"account\"}"), 1, "{page}");
    assert_eq!(sample(&page, "driftscan_watch_messages_received_total"), 3, "{page}");
    assert_eq!(sample(&page, "driftscan_watch_messages_deleted_total"), 3, "{page}");
    assert_eq!(sample(&page, "driftscan_watch_events_recorded_total"), 2, "{page}");
    stop(&a, child);

    // Nothing of one account in the other's workspace, nothing at all of the third account.
    let in_ws = |ws: &str, sg: &str| {
        count(db, &format!("SELECT count(*) FROM changes WHERE workspace = '{ws}' AND resource_id = '{sg}'"))
    };
    assert_eq!((in_ws("beta", &sg_a), in_ws("alpha", &sg_b)), (0, 0));
    let recorded = db.pairs("SELECT event_id, account FROM changes WHERE source = 'cloudtrail' ORDER BY event_id");
    let want = [("acct-a", "123456789012"), ("acct-b", ACCOUNT_B)].map(|(e, a)| (e.to_owned(), a.to_owned()));
    assert_eq!(recorded, want);
    let reqs = server.requests();
    let told = |sg: &str, who: &str| reqs.iter().filter(|r| r.body.contains(sg) && r.body.contains(who)).count();
    assert_eq!((told(&sg_a, "night-shift"), told(&sg_b, "night-shift-b")), (1, 1), "{reqs:#?}");
}

#[test]
fn several_watch_processes_on_one_queue_split_its_messages_and_record_each_event_once() {
    let estate = Estate::create();
    let sg = estate.id("sg_web");
    let url = queue(&estate, 30);
    let server = WebhookServer::start();
    let db = estate.history();
    estate.drift(&["open-rdp"]);
    let start = |n: usize| -> Child {
        let child = start_with(&estate, &url, &server, &[], &["--metrics-addr", "127.0.0.1:0"]);
        wait_for(&estate, "polling", || log(&estate).matches("polling").count() == n);
        child
    };
    let (first, second) = (start(1), start(2));
    // 40 events, 10 of them sent twice (a redelivery, or two rules matching one call).
    let mut bodies: Vec<String> = (0..40).map(|i| eventbridge(&format!("split-{i}"), &sg).to_string()).collect();
    bodies.extend((0..10).map(|i| eventbridge(&format!("split-{i}"), &sg).to_string()));
    send(&estate, &url, &bodies);
    let recorded = "SELECT count(*) FROM changes WHERE source = 'cloudtrail'";
    wait_for(&estate, "every event recorded", || count(db, recorded) == 40);
    wait_for(&estate, "the queue emptied", || in_queue(&estate, &url) == 0);
    // Each process's metrics, by the address it printed.
    let pages = metrics_pages(&estate);
    stop(&estate, first);
    stop(&estate, second);
    assert_eq!(count(db, recorded), 40, "each event once");
    assert_eq!(count(db, "SELECT count(*) FROM changes WHERE source = 'scan'"), 1, "one drift");
    let received: Vec<u64> = pages.iter().map(|p| sample(p, "driftscan_watch_messages_received_total")).collect();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|&n| n > 0), "both processes took messages: {received:?}");
    assert!(received.iter().sum::<u64>() >= 50, "{received:?}");
    let pending = "SELECT count(*) FROM notifications WHERE status IN ('pending', 'failed')";
    assert_eq!(count(db, pending), 0);
}
