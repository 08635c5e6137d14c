//! The history's storage failing under a scan: a read-only database and a full disk each give one
//! clear line and exit 1, corrupt nothing, and the next scan once the fault is gone is correct.
//! Both need root (chattr, mount), as the test machines and CI run; without it they fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{run, Estate};

/// Undoes a storage fault even when an assertion fails first.
struct Undo(Vec<Vec<String>>);

impl Drop for Undo {
    fn drop(&mut self) {
        for cmd in self.0.iter().rev() {
            let _ = Command::new(&cmd[0]).args(&cmd[1..]).status();
        }
    }
}

fn sh(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().expect(args[0]);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

fn scans(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT count(*) FROM scans", [], |r| r.get(0)).unwrap()
}

#[test]
fn a_read_only_history_is_a_clear_error_and_stays_intact() {
    let estate = Estate::create();
    assert_eq!(estate.scan(&[]).code, 0);
    estate.drift(&["open-rdp"]);
    let db = estate.path("history.db");
    // A checkpoint first, so the file alone holds the history while it is read-only.
    rusqlite::Connection::open(&db).unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let path = db.to_str().unwrap().to_owned();
    sh(&["chattr", "+i", &path]);
    let undo = Undo(vec![vec!["chattr".into(), "-i".into(), path.clone()]]);

    let out = estate.scan(&[]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("history.db") && out.stderr.contains("read-only"), "{}", out.stderr);
    drop(undo);

    assert_eq!(integrity(&db), "ok");
    assert_eq!(scans(&db), 1, "the failed scan left nothing");
    let out = estate.scan(&[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(scans(&db), 2);
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_next_scan_is_right() {
    let estate = Estate::create();
    let mnt: PathBuf = estate.path("small");
    std::fs::create_dir(&mnt).unwrap();
    let m = mnt.to_str().unwrap().to_owned();
    sh(&["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", &m]);
    let _undo = Undo(vec![vec!["umount".into(), "-l".into(), m.clone()]]);
    let db = mnt.join("history.db");
    let db_arg = db.to_str().unwrap().to_owned();
    let scan = |extra: &[&str]| run(estate.scan_command().args(["--db", &db_arg, "--format", "json"]).args(extra));
    assert_eq!(scan(&[]).code, 0);
    estate.drift(&["open-rdp", "resize-instance", "unmanaged-instance"]);

    // Fill what is left of the disk.
    let filler = mnt.join("filler");
    let _ = Command::new("dd").args(["if=/dev/zero", &format!("of={}", filler.display()), "bs=4k"]).output();
    let out = scan(&[]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("full"), "{}", out.stderr);

    std::fs::remove_file(&filler).unwrap();
    assert_eq!(integrity(&db), "ok");
    assert_eq!(scans(&db), 1, "the failed scan left nothing");
    let out = scan(&[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["summary"]["opened"], 3, "{report:#}");
    assert_eq!(scans(&db), 2);
}
