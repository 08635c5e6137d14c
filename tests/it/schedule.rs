//! Safe under a scheduler: a run killed mid-way corrupts nothing and the next run is correct;
//! a run that finds another holding the history waits, and gives up after --lock-timeout.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{run, Estate};

/// Starts a scan that pauses inside its recording transaction, and returns once it is there.
fn held_scan(estate: &Estate, hold_ms: u64) -> Child {
    let mut cmd = estate.scan_command();
    cmd.args(["--db", "history.db", "--format", "json"])
        .env("DRIFTSCAN_TEST_HOLD_RECORD_MS", hold_ms.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("starting driftscan");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = lines.next().expect("driftscan ended before recording").expect("stderr");
        if line.contains("test hold: recording paused") {
            break;
        }
        assert!(Instant::now() < deadline, "no hold marker");
    }
    std::thread::spawn(move || for _ in lines {});
    child
}

fn integrity_ok(estate: &Estate) {
    let check: String = estate.db().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

fn count(estate: &Estate, table: &str) -> i64 {
    estate.db().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

#[test]
fn a_scan_killed_while_listing_or_recording_leaves_the_history_whole() {
    let estate = Estate::create();
    assert_eq!(estate.scan(&[]).code, 0);
    estate.drift(&["resize-instance"]);

    // Killed during the AWS listing: nothing was written yet.
    let mut early = estate.scan_command();
    early.args(["--db", "history.db"]).stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = early.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(150));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    integrity_ok(&estate);

    // Killed with the scan's rows written but not committed.
    let mut child = held_scan(&estate, 30_000);
    child.kill().unwrap();
    child.wait().unwrap();
    integrity_ok(&estate);
    assert_eq!((count(&estate, "scans"), count(&estate, "changes")), (1, 0), "nothing of a killed run is kept");

    // Interrupted (Ctrl-C) or stopped by the scheduler (SIGTERM) mid-transaction: the same.
    for signal in ["-INT", "-TERM"] {
        let mut child = held_scan(&estate, 30_000);
        let status = std::process::Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let exit = child.wait().unwrap();
        assert!(!exit.success(), "{signal}: {exit:?}");
        integrity_ok(&estate);
        assert_eq!((count(&estate, "scans"), count(&estate, "changes")), (1, 0), "{signal}: nothing is kept");
    }

    // The next run takes the lock the dead one held and records the drift, once.
    let out = estate.scan(&["--lock-timeout", "5s"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["scan"]["id"], 2);
    assert_eq!(report["changes"].as_array().unwrap().len(), 1);
    assert_eq!(report["changes"][0]["status"], "opened");
    integrity_ok(&estate);
    assert_eq!((count(&estate, "scans"), count(&estate, "changes")), (2, 1));
}

#[test]
fn a_second_run_waits_for_the_first_then_gives_up_after_the_lock_timeout() {
    let estate = Estate::create();
    let mut first = held_scan(&estate, 4_000);

    let started = Instant::now();
    let out = estate.scan(&["--lock-timeout", "1s"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("history.db: another driftscan run (pid"), "{}", out.stderr);
    assert!(out.stderr.contains("waited 1 s, giving up"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    // A patient run waits its turn and then scans; --quiet: in sync, nothing on stdout.
    let mut patient = estate.scan_command();
    patient.args(["--db", "history.db", "--quiet", "--lock-timeout", "60s"]);
    let out = run(&mut patient);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(first.wait().unwrap().success());
    integrity_ok(&estate);
    let ids: Vec<i64> = estate
        .db()
        .prepare("SELECT id FROM scans ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ids, [1, 2], "both the held run and the patient one are recorded, one after the other");
}
