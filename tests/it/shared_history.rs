//! The history on both backends: the same behaviour on a SQLite file and on a real PostgreSQL
//! server (see `pg`), and what only a shared history has: runners at once, per-workspace
//! turns, a killed run, `history copy`, the password kept out of every message.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::{run, Estate, Moto, Run};
use crate::pg::{Pg, PASSWORD};

/// Where a test's history lives.
enum Backend {
    Sqlite,
    Postgres(Pg),
}

impl Backend {
    fn db(&self) -> String {
        match self {
            Backend::Sqlite => "history.db".into(),
            // No sslmode: libpq's default, prefer, falls back to plain on this server.
            Backend::Postgres(pg) => format!("postgres://{}@127.0.0.1:{}/driftscan", crate::pg::USER, pg.port),
        }
    }

    fn count(&self, estate: &Estate, sql: &str) -> i64 {
        match self {
            Backend::Sqlite => file_db(estate).query_row(sql, [], |r| r.get(0)).unwrap(),
            Backend::Postgres(pg) => pg.count("driftscan", sql),
        }
    }
}

/// The SQLite side's file, whatever the pass's backend: these tests name both.
fn file_db(estate: &Estate) -> rusqlite::Connection {
    rusqlite::Connection::open(estate.path("history.db")).expect("history db")
}

fn checked(r: Run) -> Run {
    assert!(!r.stdout.contains(PASSWORD) && !r.stderr.contains(PASSWORD), "the password reached the output");
    r
}

fn scan(estate: &Estate, b: &Backend, now: &str) -> Value {
    let db = b.db();
    let r =
        checked(run(crate::pg::env(&mut estate.scan_command()).args(["--db", &db, "--format", "json", "--now", now])));
    assert!(r.code == 0 || r.code == 2 || r.code == 3, "scan failed ({}): {}", r.code, r.stderr);
    r.json()
}

fn by_attr<'a>(report: &'a Value, attribute: &str) -> &'a Value {
    report["changes"].as_array().unwrap().iter().find(|c| c["attribute"] == attribute).unwrap()
}

/// A drift opened, carried, updated and resolved; acknowledged as expected, which teaches the
/// model; then reported: the same on both backends.
fn lifecycle(b: Backend) {
    let estate = Estate::create();
    let db = b.db();
    estate.drift(&["resize-instance"]);
    let first = scan(&estate, &b, "2026-11-24T10:00:00Z");
    let c = by_attr(&first, "instance_type");
    assert_eq!(c["status"], "opened", "{c:#}");
    let id = c["change_id"].as_i64().unwrap();
    let second = scan(&estate, &b, "2026-11-24T11:00:00Z");
    let c = by_attr(&second, "instance_type");
    assert_eq!((c["change_id"].as_i64(), &c["status"]), (Some(id), &json!("carried")));
    estate.drift(&["resize-instance-again"]);
    let third = scan(&estate, &b, "2026-11-24T12:00:00Z");
    let c = by_attr(&third, "instance_type");
    assert_eq!(
        (c["change_id"].as_i64(), &c["status"], &c["actual"]),
        (Some(id), &json!("updated"), &json!("t3.xlarge"))
    );

    let counters = b.count(&estate, "SELECT count(*) FROM score_counters");
    assert!(counters > 0, "the scans taught the model");
    let ack = checked(run(crate::pg::env(&mut estate.command(&["ack", &id.to_string(), "--expected", "--db", &db]))));
    assert_eq!(ack.code, 0, "{}", ack.stderr);
    assert_eq!(b.count(&estate, &format!("SELECT CAST(expected AS BIGINT) FROM changes WHERE id = {id}")), 1);

    estate.drift(&["revert-resize"]);
    let fourth = scan(&estate, &b, "2026-11-24T13:00:00Z");
    assert_eq!(fourth["resolved"][0]["id"].as_i64(), Some(id));
    assert_eq!(b.count(&estate, "SELECT count(*) FROM scans"), 4);
    assert_eq!(
        b.count(&estate, "SELECT count(*) FROM changes WHERE attribute = 'instance_type'"),
        1,
        "one change across four scans"
    );

    let report = checked(run(crate::pg::env(&mut estate.command(&[
        "report",
        "--db",
        &db,
        "--since",
        "2026-11-24T00:00:00Z",
        "--format",
        "json",
        "--now",
        "2026-11-25T00:00:00Z",
    ]))));
    assert_eq!(report.code, 0, "{}", report.stderr);
    let r = report.json();
    let row = r["changes"].as_array().unwrap().iter().find(|c| c["id"].as_i64() == Some(id)).unwrap();
    assert_eq!(
        (&row["status"], &row["resolved_at"], &row["expected"]),
        (&json!("resolved"), &json!("2026-11-24T13:00:00Z"), &json!(true))
    );
}

#[test]
fn lifecycle_ack_and_report_on_sqlite() {
    lifecycle(Backend::Sqlite);
}

#[test]
fn lifecycle_ack_and_report_on_postgres() {
    lifecycle(Backend::Postgres(Pg::start()));
}

/// A config of `n` workspaces, each declaring one VPC that does not exist (so each scan opens
/// one deletion of its own), in a folder of its own.
fn workspaces(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut hcl = String::new();
    for i in 0..n {
        let id = format!("vpc-{i:017x}");
        let state = json!({
            "version": 4, "terraform_version": "1.5.7", "serial": 1, "lineage": format!("ws-{i}"), "outputs": {},
            "resources": [{
                "mode": "managed", "type": "aws_vpc", "name": "main",
                "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                "instances": [{"schema_version": 1, "sensitive_attributes": [], "attributes": {
                    "id": id, "cidr_block": format!("10.{i}.0.0/16"),
                    "arn": format!("arn:aws:ec2:us-east-1:123456789012:vpc/{id}"), "tags": {}
                }}]
            }]
        });
        std::fs::write(dir.path().join(format!("ws{i}.tfstate")), state.to_string()).unwrap();
        hcl.push_str(&format!("workspace \"ws{i}\" {{\n  states = [\"ws{i}.tfstate\"]\n}}\n\n"));
    }
    std::fs::write(dir.path().join("driftscan.hcl"), hcl).unwrap();
    dir
}

fn ws_scan(moto: &Moto, dir: &std::path::Path, db: &str, ws: &str) -> Command {
    let mut cmd = moto.driftscan();
    crate::pg::env(&mut cmd).current_dir(dir).args(["scan", "--workspace", ws, "--db", db, "--format", "json"]);
    cmd.args(["--now", "2026-11-24T10:00:00Z", "--notify", "off"]);
    cmd
}

#[test]
fn eight_runners_at_once_lose_no_change_and_no_counter_update() {
    let pg = Pg::start();
    let moto = Moto::start();
    let dir = workspaces(8);
    let db = pg.url("driftscan");
    let runners: Vec<_> = (0..8)
        .map(|i| {
            ws_scan(&moto, dir.path(), &db, &format!("ws{i}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for r in runners {
        let out = r.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(!String::from_utf8_lossy(&out.stderr).contains(PASSWORD));
    }
    assert_eq!(pg.count("driftscan", "SELECT count(*) FROM scans"), 8);
    assert_eq!(pg.count("driftscan", "SELECT count(DISTINCT workspace) FROM scans"), 8);
    assert_eq!(pg.count("driftscan", "SELECT count(*) FROM changes WHERE kind = 'deleted' AND resolved_at IS NULL"), 8);
    // Every run learned its change into the account's counter, all at the same instant: eight.
    let mut c = pg.client("driftscan");
    let n: f64 = c.query_one("SELECT value FROM score_counters WHERE key = 'na|123456789012'", &[]).unwrap().get(0);
    assert!((n - 8.0).abs() < 1e-9, "the account's change count is {n}, not 8: an update was lost");
}

/// Starts a run that pauses inside its recording transaction, and returns once it has.
fn held(mut cmd: Command, ms: u64) -> std::process::Child {
    let mut child = cmd
        .env("DRIFTSCAN_TEST_HOLD_RECORD_MS", ms.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "the run ended before it held");
        if line.contains("test hold") {
            break;
        }
    }
    // Keep draining, so the run never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    child
}

#[test]
fn two_runs_of_one_workspace_take_turns_and_other_workspaces_do_not_wait() {
    let pg = Pg::start();
    let moto = Moto::start();
    let dir = workspaces(2);
    let db = pg.url("driftscan");
    // Schema first, so that the timings below are the turns' alone.
    assert_eq!(run(&mut ws_scan(&moto, dir.path(), &db, "ws1")).code, 2);
    let mut first = held(ws_scan(&moto, dir.path(), &db, "ws0"), 6000);
    let started = Instant::now();
    let other = run(&mut ws_scan(&moto, dir.path(), &db, "ws1"));
    let other_took = started.elapsed();
    assert_eq!(other.code, 2, "{}", other.stderr);
    let same = run(&mut ws_scan(&moto, dir.path(), &db, "ws0"));
    let same_ended = started.elapsed();
    assert_eq!(same.code, 2, "{}", same.stderr);
    let status = first.wait().unwrap();
    assert!(status.success() || status.code() == Some(2));
    assert!(other_took < Duration::from_secs(5), "another workspace waited {other_took:?} for the held one");
    assert!(same_ended >= Duration::from_millis(5500), "the same workspace did not wait its turn ({same_ended:?})");
    // The second run of ws0 saw the first as its previous scan: the drift carried, not opened twice.
    assert_eq!(pg.count("driftscan", "SELECT count(*) FROM changes WHERE workspace = 'ws0'"), 1);
}

#[test]
fn a_run_killed_mid_transaction_leaves_no_partial_scan() {
    let pg = Pg::start();
    let moto = Moto::start();
    let dir = workspaces(1);
    let db = pg.url("driftscan");
    let mut child = held(ws_scan(&moto, dir.path(), &db, "ws0"), 60_000);
    child.kill().unwrap();
    child.wait().unwrap();
    for table in ["scans", "scan_resources", "changes", "score_counters", "notifications"] {
        assert_eq!(
            pg.count("driftscan", &format!("SELECT count(*) FROM {table}")),
            0,
            "{table} holds part of the killed run"
        );
    }
    // Its lock went with its connection: the next run records at once.
    let started = Instant::now();
    assert_eq!(run(&mut ws_scan(&moto, dir.path(), &db, "ws0")).code, 2);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(pg.count("driftscan", "SELECT count(*) FROM scans"), 1);
}

const TABLES: [&str; 7] =
    ["scans", "scan_resources", "unscanned", "changes", "score_counters", "learn_runs", "notifications"];

#[test]
fn history_copy_round_trips_sqlite_to_postgres_to_sqlite() {
    let pg = Pg::start();
    let estate = Estate::create();
    estate.drift(&["resize-instance"]);
    scan(&estate, &Backend::Sqlite, "2026-11-24T10:00:00Z");
    estate.drift(&["resize-instance-again"]);
    scan(&estate, &Backend::Sqlite, "2026-11-24T11:00:00Z");
    let url = pg.url("driftscan");
    let to_pg =
        checked(run(crate::pg::env(&mut estate.command(&["history", "copy", "--from", "history.db", "--to", &url]))));
    assert_eq!(to_pg.code, 0, "{}", to_pg.stderr);
    assert!(to_pg.stdout.contains("scans"), "{}", to_pg.stdout);
    let back =
        checked(run(crate::pg::env(&mut estate.command(&["history", "copy", "--from", &url, "--to", "back.db"]))));
    assert_eq!(back.code, 0, "{}", back.stderr);
    let back_db = rusqlite::Connection::open(estate.path("back.db")).unwrap();
    for t in TABLES {
        let sql = format!("SELECT count(*) FROM {t}");
        let sqlite: i64 = file_db(&estate).query_row(&sql, [], |r| r.get(0)).unwrap();
        assert_eq!((t, pg.count("driftscan", &sql)), (t, sqlite));
        assert_eq!((t, back_db.query_row(&sql, [], |r| r.get::<_, i64>(0)).unwrap()), (t, sqlite));
    }
    assert!(file_db(&estate).query_row("SELECT count(*) FROM changes", [], |r| r.get::<_, i64>(0)).unwrap() > 0);
    // The same rows, ids and all.
    let rows = |c: &rusqlite::Connection| -> Vec<(i64, String, Option<String>)> {
        let mut s = c.prepare("SELECT id, kind, actual FROM changes ORDER BY id").unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(rows(&back_db), rows(&file_db(&estate)));
    // A history recorded after the copy goes on from the copied ids.
    let next = scan(&estate, &Backend::Postgres(pg), "2026-11-24T12:00:00Z");
    assert!(next["scan"]["id"].as_i64().unwrap() > 2, "{:#}", next["scan"]);
    // A target that holds a history is refused.
    let again =
        run(crate::pg::env(&mut estate.command(&["history", "copy", "--from", "history.db", "--to", "back.db"])));
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already holds a history"), "{}", again.stderr);
}

#[test]
fn a_wrong_password_fails_in_one_line_without_the_password() {
    let pg = Pg::start();
    let dir = tempfile::tempdir().unwrap();
    let wrong = "not-the-password-4711";
    let url = format!("postgres://{}:{wrong}@127.0.0.1:{}/driftscan?sslmode=disable", crate::pg::USER, pg.port);
    for (db, env) in [(url.as_str(), None), (&pg.url("driftscan")[..], Some(wrong))] {
        let mut cmd = crate::harness::driftscan();
        cmd.current_dir(dir.path())
            .env("PGPASSFILE", "/nonexistent/pgpass")
            .args(["report", "--db", db, "--since", "30d"]);
        if let Some(p) = env {
            cmd.env("PGPASSWORD", p);
        }
        let out = run(&mut cmd);
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains("password authentication failed"), "{}", out.stderr);
        assert!(!out.stderr.contains(wrong) && !out.stdout.contains(wrong), "{}", out.stderr);
    }
}

#[test]
fn tls_required_of_a_server_without_it_is_refused_and_a_newer_schema_too() {
    let pg = Pg::start();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("postgres://{}@127.0.0.1:{}/driftscan?sslmode=require", crate::pg::USER, pg.port);
    let out = run(crate::pg::env(crate::harness::driftscan().current_dir(dir.path())).args(["report", "--db", &url]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("TLS") || out.stderr.contains("tls"), "{}", out.stderr);

    // An empty database holds no history yet: a report says so and creates nothing, as it
    // creates no file; the first run that records creates the schema.
    let url = pg.url("driftscan");
    let none = run(crate::pg::env(crate::harness::driftscan().current_dir(dir.path())).args(["report", "--db", &url]));
    assert_eq!(none.code, 1, "{}", none.stderr);
    let shown = format!("no history at postgres://{}@127.0.0.1:{}/driftscan:", crate::pg::USER, pg.port);
    assert!(none.stderr.contains(&shown), "{}", none.stderr);
    let tables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'";
    assert_eq!(pg.count("driftscan", tables), 0);
    std::fs::write(dir.path().join("empty.json"), r#"{"Records": []}"#).unwrap();
    let learn = ["learn", "--cloudtrail", "empty.json", "--db", &url];
    let first = run(crate::pg::env(crate::harness::driftscan().current_dir(dir.path())).args(learn));
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(pg.count("driftscan", "SELECT max(version)::bigint FROM driftscan_schema"), 7);
    let first = run(crate::pg::env(crate::harness::driftscan().current_dir(dir.path())).args(["report", "--db", &url]));
    assert_eq!(first.code, 0, "{}", first.stderr);
    pg.client("driftscan").batch_execute("UPDATE driftscan_schema SET version = 99").unwrap();
    let out = run(crate::pg::env(crate::harness::driftscan().current_dir(dir.path())).args(["report", "--db", &url]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("newer than this driftscan knows"), "{}", out.stderr);
}
