//! One run at a time per history: a scheduled run that finds another (a slow scan, a manual
//! run, an overlapping cron job) waits up to a bound, then gives up with a clear message.
//!
//! The lock is an advisory `flock` on `<history>.lock` beside the database. The kernel drops it
//! when the process dies, however it dies, so a killed run never leaves a stale lock; the file
//! itself stays (removing a lock file races with a waiter that has it open). SQLite's own
//! locking still guards every transaction; this lock makes whole runs take turns, so a scan's
//! "previous scan" is never being written while it reads.
//!
//! Every command that writes the history (scan, learn, ack, notify) holds it for its whole run,
//! and the schema migrations run under it: a history opened by a run that does not hold it (a
//! report, a check) takes it for as long as the migrations last. `flock` locks belong to an open
//! file, so a second `acquire` in the process that holds the lock would wait for itself; the
//! paths this process holds are therefore kept in [`HELD`], and [`held_here`] says so.
//!
//! A shared history (PostgreSQL) has no file: its runs take turns per workspace on the server,
//! with advisory locks held by the recording transaction (`history::db`), which the server
//! releases when a run's connection ends, however it ends. Its "lock" here only carries the
//! run's timeout to those waits.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// How long a run waits by default (`--lock-timeout`, `lock_timeout` in the config).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The lock files this process holds a lock on.
static HELD: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// How long a shared history's waits for another run last: the timeout of this run's lock.
static SHARED_TIMEOUT: Mutex<Duration> = Mutex::new(DEFAULT_TIMEOUT);

/// How long this run waits for another that holds a workspace of a shared history.
pub fn shared_timeout() -> Duration {
    SHARED_TIMEOUT.lock().map(|t| *t).unwrap_or(DEFAULT_TIMEOUT)
}

/// What a run that waited `timeout` for another says: "another driftscan run{doing}; ...",
/// the same words for the file lock and a shared history's turns.
pub fn gave_up(doing: &str, timeout: Duration) -> String {
    format!(
        "another driftscan run{doing}; waited {} s, giving up \
         (raise --lock-timeout, or space the scheduled runs further apart)",
        timeout.as_secs_f64().round()
    )
}

/// Held for the whole run; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct HistoryLock {
    _file: Option<File>,
    pub path: Option<PathBuf>,
    _turns: Option<crate::history::db::RunTurns>,
}

/// The lock file of the history at `db`: `<db>.lock`.
fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Whether this process holds the lock of the history at `db`.
pub fn held_here(db: &Path) -> bool {
    HELD.lock().map(|h| h.contains(&lock_path(db))).unwrap_or(false)
}

impl HistoryLock {
    /// Takes the lock of the history at `db`, waiting up to `timeout`; for a shared history,
    /// sets how long its per-workspace waits last.
    pub fn acquire(db: &crate::history::Location, timeout: Duration) -> Result<HistoryLock> {
        match db.file() {
            Some(path) => Self::acquire_file(path, timeout),
            None => {
                if let Ok(mut t) = SHARED_TIMEOUT.lock() {
                    *t = timeout;
                }
                Ok(HistoryLock { _file: None, path: None, _turns: None })
            }
        }
    }

    /// As [`Self::acquire`] for a scan of `workspaces` (one unnamed for a scan without): on a
    /// shared history it also holds those workspaces for the whole run, so that a second scan
    /// of one of them waits before calling AWS, as a file's lock makes it.
    pub fn acquire_scan(
        db: &crate::history::Location,
        timeout: Duration,
        workspaces: &[String],
    ) -> Result<HistoryLock> {
        let mut lock = Self::acquire(db, timeout)?;
        lock._turns = crate::history::db::RunTurns::take(db, workspaces)?;
        Ok(lock)
    }

    /// Takes the lock of the SQLite history at `db`, waiting up to `timeout`.
    pub fn acquire_file(db: &Path, timeout: Duration) -> Result<HistoryLock> {
        let path = lock_path(db);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            crate::history::create_private_dir(dir)
                .with_context(|| format!("creating history directory {}", dir.display()))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("{}: cannot open the history lock", path.display()))?;
        let deadline = Instant::now() + timeout;
        loop {
            if try_lock(&file)? {
                break;
            }
            if Instant::now() >= deadline {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                let who = if holder.is_empty() { String::new() } else { format!(" (pid {holder})") };
                bail!("{}: {}", db.display(), gave_up(&format!("{who} is using this history"), timeout));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Who holds it, for the message another run prints; purely informative.
        file.set_len(0).ok();
        let _ = writeln!(file, "{}", std::process::id());
        if let Ok(mut held) = HELD.lock() {
            held.insert(path.clone());
        }
        Ok(HistoryLock { _file: Some(file), path: Some(path), _turns: None })
    }
}

impl Drop for HistoryLock {
    fn drop(&mut self) {
        // The file closes after this, which releases the flock.
        if let (Ok(mut held), Some(path)) = (HELD.lock(), &self.path) {
            held.remove(path);
        }
    }
}

#[cfg(unix)]
fn try_lock(file: &File) -> Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor this function borrows; it touches no memory.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    if err.kind() == std::io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(err).context("locking the history")
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &File) -> Result<bool> {
    // SQLite's busy timeout still serialises writes; whole-run turns are a Unix feature here.
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_then_gives_up_and_a_dropped_lock_frees() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h/history.db");
        let first = HistoryLock::acquire_file(&db, Duration::ZERO).unwrap();
        let started = Instant::now();
        let err = HistoryLock::acquire_file(&db, Duration::from_millis(300)).unwrap_err().to_string();
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert!(err.contains("another driftscan run (pid "), "{err}");
        drop(first);
        HistoryLock::acquire_file(&db, Duration::ZERO).unwrap();
    }

    #[test]
    fn the_process_knows_which_histories_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("history.db");
        assert!(!held_here(&db));
        let lock = HistoryLock::acquire_file(&db, Duration::ZERO).unwrap();
        assert!(held_here(&db));
        assert!(!held_here(&dir.path().join("other.db")));
        drop(lock);
        assert!(!held_here(&db));
    }
}
