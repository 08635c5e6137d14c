//! Safe under a scheduler: a run killed mid-way corrupts nothing and the next run is correct;
//! a run that finds another holding the history waits, and gives up after --lock-timeout;
//! writers started at once on one new history take turns.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{run, Backend, Estate};
use crate::history::{routine, write_trail};

/// Starts a scan that pauses inside its recording transaction, and returns once it is there.
fn held_scan(estate: &Estate, hold_ms: u64) -> Child {
    let mut cmd = estate.scan_command();
    cmd.args(["--db", &estate.history_arg(), "--format", "json"])
        .env("DRIFTSCAN_TEST_HOLD_RECORD_MS", hold_ms.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    default_signals(&mut cmd);
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

/// The child gets the default actions for the signals the tests send it. A process inherits the
/// signals its parent ignores: `make test &` (or a CI runner that starts it so) runs every test
/// with SIGINT ignored, and a scan told to stop would carry on. driftscan itself keeps what it
/// inherits, as a program started in the background is meant to.
fn default_signals(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec only async-signal-safe calls are allowed; signal(2) is one,
    // and nothing here allocates.
    unsafe {
        cmd.pre_exec(|| {
            for sig in [libc::SIGINT, libc::SIGTERM] {
                if libc::signal(sig, libc::SIG_DFL) == libc::SIG_ERR {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

fn integrity_ok(estate: &Estate) {
    estate.history().assert_intact();
}

fn count(estate: &Estate, table: &str) -> i64 {
    estate.history().count(&format!("SELECT count(*) FROM {table}"))
}

/// A run that gave up waiting for another: the same words on both backends; the file lock also
/// names the process that holds it.
fn gave_up(estate: &Estate, stderr: &str) -> bool {
    let holder = match estate.history().backend() {
        Backend::Sqlite => "history.db: another driftscan run (pid ",
        Backend::Postgres => "another driftscan run is ",
    };
    stderr.contains(holder) && stderr.contains("waited 1 s, giving up")
}

#[test]
fn a_scan_killed_while_listing_or_recording_leaves_the_history_whole() {
    let estate = Estate::create();
    assert_eq!(estate.scan(&[]).code, 0);
    estate.drift(&["resize-instance"]);

    // Killed during the AWS listing: nothing was written yet.
    let mut early = estate.scan_command();
    early.args(["--db", &estate.history_arg()]).stdout(Stdio::null()).stderr(Stdio::null());
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
    match estate.history().backend() {
        Backend::Sqlite => assert_eq!(report["scan"]["id"], 2),
        // PostgreSQL's identity never hands an id out twice, not even a rolled-back run's.
        Backend::Postgres => assert!(report["scan"]["id"].as_i64() > Some(1), "{:#}", report["scan"]),
    }
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
    assert!(gave_up(&estate, &out.stderr), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    // A patient run waits its turn and then scans; --quiet: in sync, nothing on stdout.
    let mut patient = estate.scan_command();
    patient.args(["--db", &estate.history_arg(), "--quiet", "--lock-timeout", "60s"]);
    let out = run(&mut patient);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(first.wait().unwrap().success());
    integrity_ok(&estate);
    let ids = estate.history().table("SELECT id FROM scans ORDER BY id");
    assert_eq!(ids, [["1"], ["2"]], "both the held run and the patient one are recorded, one after the other");
}

/// Six cron jobs on one new history: four `learn` runs (one trail file each, the last one all of
/// them again) and two scans, started at once. Each waits its turn; the migrations run once.
#[test]
fn writers_started_at_once_on_a_new_history_all_succeed_and_record_everything_once() {
    let estate = Estate::create();
    let events = routine(&estate.id("sg_web"), &estate.id("web_0"));
    let trail = tempfile::tempdir().unwrap();
    let files: Vec<_> = events
        .chunks(16)
        .enumerate()
        .map(|(i, chunk)| write_trail(trail.path(), &format!("part{i}.json"), chunk.to_vec()))
        .collect();
    assert_eq!(files.len(), 3);
    let mut commands = Vec::new();
    for paths in [&files[0..1], &files[1..2], &files[2..3], &files[..]] {
        let mut cmd = estate.command(&["learn", "--db", "history.db", "--lock-timeout", "120s"]);
        for p in paths {
            cmd.args(["--cloudtrail", p.to_str().unwrap()]);
        }
        cmd.args(["--now", "2026-11-30T00:00:00Z"]);
        commands.push(("learn", cmd));
    }
    for _ in 0..2 {
        let mut cmd = estate.scan_command();
        cmd.args(["--db", &estate.history_arg(), "--lock-timeout", "120s"]);
        commands.push(("scan", cmd));
    }
    let running: Vec<_> = commands
        .into_iter()
        .map(|(what, mut cmd)| (what, cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()))
        .collect();
    for (what, child) in running {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // A learn run may find some of the first events unusual (exit 3); a scan is in sync.
        let ok: &[i32] = if what == "learn" { &[0, 3] } else { &[0] };
        assert!(out.status.code().is_some_and(|c| ok.contains(&c)), "{what} failed ({:?}): {stderr}", out.status);
        assert!(!stderr.contains("error"), "{what}: {stderr}");
    }
    integrity_ok(&estate);
    let (version, migrations) = estate.history().schema_version();
    assert_eq!(version, migrations as i64, "every migration applied");
    assert_eq!(count(&estate, "scans"), 2);
    let counted =
        estate.history().pairs("SELECT count(*), count(DISTINCT event_id) FROM changes WHERE source = 'cloudtrail'");
    assert_eq!(counted, [("48".to_owned(), "48".to_owned())], "each of the 48 events recorded exactly once");
}

/// `learn`, `ack` and `notify` write the history too: each waits for a run that holds it and
/// gives up after its --lock-timeout, in one line, as a scan does.
#[test]
fn every_writer_waits_for_the_lock_and_gives_up_in_one_line() {
    let estate = Estate::create();
    let trail = tempfile::tempdir().unwrap();
    let file = write_trail(trail.path(), "t.json", routine(&estate.id("sg_web"), &estate.id("web_0")));
    let mut first = held_scan(&estate, 6_000);
    if estate.history().backend() == Backend::Postgres {
        // A shared history has no one-writer lock: only scans of one workspace take turns, and
        // learning and telling go on while the scan records.
        for args in [vec!["learn", "--cloudtrail", file.to_str().unwrap()], vec!["notify"]] {
            let mut cmd = estate.command(&args);
            cmd.args(["--db", &estate.history_arg(), "--lock-timeout", "1s"])
                .env("DRIFTSCAN_SLACK_WEBHOOK", "https://hooks.slack.com/services/T000/B000/XXXX");
            let out = run(&mut cmd);
            assert!(out.code == 0 || out.code == 3, "{args:?}: {}", out.stderr);
            assert!(first.try_wait().unwrap().is_none(), "{args:?} waited for the scan");
        }
        assert!(first.wait().unwrap().success());
        assert_eq!(count(&estate, "scans"), 1);
        assert!(count(&estate, "changes") > 0, "learned while the scan held its workspace");
        return;
    }
    for args in [vec!["learn", "--cloudtrail", file.to_str().unwrap()], vec!["ack", "1"], vec!["notify"]] {
        let mut cmd = estate.command(&args);
        cmd.args(["--db", &estate.history_arg(), "--lock-timeout", "1s"])
            .env("DRIFTSCAN_SLACK_WEBHOOK", "https://hooks.slack.com/services/T000/B000/XXXX");
        let started = Instant::now();
        let out = run(&mut cmd);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(started.elapsed() >= Duration::from_secs(1), "{args:?} did not wait");
        assert!(gave_up(&estate, &out.stderr), "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {}", out.stderr);
    }
    assert!(first.wait().unwrap().success());
    assert_eq!(count(&estate, "changes"), 0, "nothing was learned while the scan held the history");
}
