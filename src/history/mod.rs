//! The SQLite history. Migrations are the numbered files in `migrations/`, embedded in the
//! binary and applied in order when the store opens; `PRAGMA user_version` records how many ran.

//!
//! Data flows in through [`History::record`] (a scan), [`History::learn`] (CloudTrail events) and
//! [`History::ack`]; each runs in one transaction, scoring and all, so the history and the model
//! never hold half a run.

mod behind;
mod counters;
mod events;
mod lifecycle;
mod notifications;
mod query;
mod scans;

use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

pub use behind::Behind;
pub use events::{LearnOutcome, LearnedChange};
pub use notifications::{Action, Delivery, Pending, Queue, SinkQueue};
pub use query::{ChangeRow, Facets, Window};
pub use scans::ScanPoint;

use crate::cloudtrail::Loaded;
use crate::diff::Coverage;
use crate::report::{Report, Status};
use crate::resource::Resource;
use crate::scoring;

/// Every migration, in order. Append only: a released migration never changes.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../migrations/0001_init.sql")),
    ("0002_lifecycle", include_str!("../../migrations/0002_lifecycle.sql")),
    ("0003_workspaces", include_str!("../../migrations/0003_workspaces.sql")),
    ("0004_notifications", include_str!("../../migrations/0004_notifications.sql")),
    ("0005_alerts", include_str!("../../migrations/0005_alerts.sql")),
    ("0006_revert_requested", include_str!("../../migrations/0006_revert_requested.sql")),
];

/// Times are stored as RFC 3339 UTC with whole seconds, so that text order is time order.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An open history database.
pub struct History {
    conn: Connection,
    path: std::path::PathBuf,
    /// Where the changes this history records are queued to be told, if anywhere.
    queue: Option<Queue>,
}

impl History {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                create_private_dir(dir).with_context(|| format!("creating history directory {}", dir.display()))?;
            }
        }
        let new = !path.exists();
        let conn = Connection::open(path).with_context(|| format!("opening history {}", path.display()))?;
        if new {
            // What the estate looks like, and who changed it: for its owner only. SQLite gives
            // the -wal and -shm files the database file's permissions.
            make_private(path).with_context(|| format!("restricting {} to its owner", path.display()))?;
        }
        let mut h = History { conn, path: path.to_path_buf(), queue: None };
        h.prepare().with_context(|| format!("history {}", path.display())).map_err(|e| storage_error(path, e))?;
        Ok(h)
    }

    /// Queues what [`Self::record`] and [`Self::learn`] record for `queue`'s channel, in the
    /// same transaction: a run killed after recording still has its changes queued, and the next
    /// run tells them.
    pub fn queueing(mut self, queue: Option<Queue>) -> Self {
        self.queue = queue;
        self
    }

    fn prepare(&mut self) -> Result<()> {
        // A scheduled run may meet another holding the database; wait rather than fail at once.
        self.conn.busy_timeout(std::time::Duration::from_secs(30))?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        let version = self.schema_version()?;
        let mode: String = self.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if version == MIGRATIONS.len() && mode.eq_ignore_ascii_case("wal") {
            return Ok(());
        }
        // Two runs that open a new or older history at once would both apply the migrations:
        // they run under the history lock. A run that writes the history holds it already;
        // any other takes it for as long as the migrations last.
        let _lock = if crate::lock::held_here(&self.path) {
            None
        } else {
            Some(crate::lock::HistoryLock::acquire(&self.path, crate::lock::DEFAULT_TIMEOUT)?)
        };
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        // Immediate: the write lock is taken before the version is read again, so a run whose
        // lock is a no-op (not Unix) still migrates once.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: usize = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.execute_batch(sql).map_err(|e| anyhow::anyhow!("applying migration {name}: {}", sqlite_words(&e)))?;
            tx.pragma_update(None, "user_version", i + 1)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn schema_version(&self) -> Result<usize> {
        let version: usize = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > MIGRATIONS.len() {
            bail!(
                "the database has schema version {version}, newer than this driftscan knows ({}); upgrade driftscan",
                MIGRATIONS.len()
            );
        }
        Ok(version)
    }

    /// Records a whole scan in one transaction: the scan, what it saw, and its changes through
    /// their lifecycle (opened, carried, updated, resolved), each new one scored. Fills in
    /// `report`'s ids, statuses, scores and resolved list, and returns the scan's id.
    pub fn record(
        &mut self,
        report: &mut Report,
        declared: &[Resource],
        live: &[Resource],
        coverage: &Coverage,
        scoring: &scoring::Config,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let queue = self.queue.clone();
        self.in_transaction(|tx| {
            let since: Option<String> = tx
                .query_row(
                    "SELECT started_at FROM scans WHERE workspace IS ?1 ORDER BY id DESC LIMIT 1",
                    [&report.scan.workspace],
                    |r| r.get(0),
                )
                .optional()?;
            let s = &report.summary;
            tx.execute(
                "INSERT INTO scans (started_at, finished_at, regions, states, managed, drifted, deleted, unmanaged, unscanned, coverage_pct, api_calls,
                                    workspace, account)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    report.scan.started_at,
                    report.scan.finished_at,
                    serde_json::to_string(&report.scan.regions)?,
                    serde_json::to_string(&report.scan.states)?,
                    s.managed,
                    s.drifted,
                    s.deleted,
                    s.unmanaged,
                    s.unscanned,
                    s.coverage_pct,
                    serde_json::to_string(&s.api_calls)?,
                    report.scan.workspace,
                    report.scan.account,
                ],
            )?;
            let scan_id = tx.last_insert_rowid();
            {
                let mut put = tx.prepare(
                    "INSERT INTO scan_resources (scan_id, side, type, resource_id, region, address, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                for (side, list) in [("declared", declared), ("live", live)] {
                    for r in list {
                        let address = r.declared.as_ref().map(|d| d.address.as_str());
                        put.execute(params![
                            scan_id,
                            side,
                            r.rtype,
                            r.id,
                            r.region.as_deref().unwrap_or(""),
                            address,
                            fingerprint(r)
                        ])?;
                    }
                }
                let mut put =
                    tx.prepare("INSERT INTO unscanned (scan_id, type, region, reason) VALUES (?1, ?2, ?3, ?4)")?;
                for u in &report.unscanned {
                    put.execute(params![scan_id, u.rtype, u.region, u.reason])?;
                }
            }
            let workspace = report.scan.workspace.clone();
            let ctx = lifecycle::ScanContext { scan_id, now, since, coverage, scoring, workspace: workspace.as_deref() };
            lifecycle::apply(tx, &ctx, report)?;
            if let Some(q) = &queue {
                // What the scan opened or moved: a change carried unchanged was told already.
                let told: Vec<notifications::Told> = report
                    .changes
                    .iter()
                    .filter_map(|c| {
                        let updated = match c.status {
                            Some(Status::Opened) => false,
                            Some(Status::Updated) => true,
                            _ => return None,
                        };
                        Some(notifications::Told { id: c.change_id?, anomalous: c.anomalous == Some(true), updated })
                    })
                    .collect();
                q.changes(tx, &told, now)?;
                // What it no longer finds ends the alert at sinks that follow the lifecycle.
                for r in &report.resolved {
                    q.action(tx, r.id, Action::Resolve, &rfc3339(now), now)?;
                }
            }
            hold_for_tests();
            Ok(scan_id)
        })
    }

    /// Records CloudTrail events in one transaction: each (event, resource) once, scored against
    /// the history before it (events are in time order), then learned.
    pub fn learn(&mut self, loaded: &Loaded, now: DateTime<Utc>, scoring: &scoring::Config) -> Result<LearnOutcome> {
        let queue = self.queue.clone();
        self.in_transaction(|tx| {
            let outcome = events::record(tx, loaded, now, scoring)?;
            if let Some(q) = &queue {
                let told: Vec<notifications::Told> = outcome
                    .changes
                    .iter()
                    .map(|c| notifications::Told { id: c.id, anomalous: c.anomalous, updated: false })
                    .collect();
                q.changes(tx, &told, now)?;
            }
            Ok(outcome)
        })
    }

    /// The changes whose time falls in `window`, oldest first.
    pub fn changes(&self, window: &Window) -> Result<Vec<ChangeRow>> {
        query::list(&self.conn, window)
    }

    /// Marks change `id` as reviewed, and with `expected` teaches the model it was normal.
    pub fn ack(&mut self, id: i64, expected: bool, now: DateTime<Utc>, scoring: &scoring::Config) -> Result<ChangeRow> {
        let queue = self.queue.clone();
        self.in_transaction(|tx| {
            let row = query::ack(tx, id, expected, now, scoring)?;
            // The acknowledgement reaches the sinks that paged for it, in the same transaction.
            if let (Some(q), Some(at)) = (&queue, &row.acked_at) {
                q.action(tx, id, Action::Acknowledge, at, now)?;
            }
            Ok(row)
        })
    }

    /// Records that a revert of change `id` was requested (`fix --revert`) at `now`.
    pub fn request_revert(&mut self, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.in_transaction(|tx| {
            let n =
                tx.execute("UPDATE changes SET revert_requested_at = ?1 WHERE id = ?2", params![rfc3339(now), id])?;
            if n == 0 {
                bail!("no change with id {id} in the history");
            }
            Ok(())
        })
    }

    /// Runs `f` in one transaction and commits it: every write to the history goes through here,
    /// so a run is recorded whole or not at all, and a storage failure is told in words.
    fn in_transaction<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        let run = || -> Result<T> {
            let tx = self.conn.transaction()?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        run().map_err(|e| storage_error(&path, e))
    }

    /// Scores a change against the model without learning it: for changes not made yet (a plan).
    pub fn score(&self, obs: &scoring::Observation, cfg: &scoring::Config) -> Result<scoring::Score> {
        Ok(counters::with_store(&self.conn, |store| scoring::score(store, obs, cfg))?)
    }

    /// How many counters the scoring model holds.
    pub fn model_size(&self) -> Result<i64> {
        Ok(counters::count(&self.conn)?)
    }

    /// The underlying connection, for read-only queries by other modules and tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Tests of crash safety and locking need a run that is provably in the middle of recording:
/// `DRIFTSCAN_TEST_HOLD_RECORD_MS` sleeps inside the open transaction, after every write and
/// before the commit. Unset (always, outside tests) it does nothing.
fn hold_for_tests() {
    if let Some(ms) = std::env::var("DRIFTSCAN_TEST_HOLD_RECORD_MS").ok().and_then(|v| v.parse().ok()) {
        eprintln!("driftscan: test hold: recording paused for {ms} ms before commit");
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// A short hash of a resource's normalised compared attributes: two scans with the same
/// fingerprint saw the same thing.
pub fn fingerprint(r: &Resource) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::Value::Object(r.attributes.clone()).to_string().as_bytes());
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Storage failures in words a person can act on, naming the file, in one line. Other errors
/// pass as they are, except SQLite's own, whose text can carry the statement that failed (a
/// whole migration): those are told by their message alone.
fn storage_error(path: &Path, e: anyhow::Error) -> anyhow::Error {
    use rusqlite::ErrorCode;
    let sqlite = e.chain().find_map(|c| c.downcast_ref::<rusqlite::Error>());
    let code = match sqlite {
        Some(rusqlite::Error::SqliteFailure(f, _)) => Some(f.code),
        _ => None,
    };
    let why = match code {
        Some(ErrorCode::DiskFull) => "the disk is full",
        Some(ErrorCode::SystemIoFailure) => "the disk failed a write (full, or removed?)",
        Some(ErrorCode::ReadOnly) => "it is read-only (check the file's and its folder's permissions and attributes)",
        Some(ErrorCode::CannotOpen) => "it cannot be opened (check the folder exists and is writable)",
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => "it is not a driftscan history, or it is damaged",
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "another program kept it locked for over 30 s (a driftscan run holds the history lock instead)"
        }
        _ if sqlite.is_none() => return e,
        _ => {
            // The contexts above SQLite's error, then its words; its own sources repeat them.
            let mut causes = Vec::new();
            for c in e.chain() {
                if let Some(s) = c.downcast_ref::<rusqlite::Error>() {
                    causes.push(sqlite_words(s));
                    break;
                }
                causes.push(c.to_string());
            }
            let text = causes.join(": ");
            let named = path.display().to_string();
            return if text.contains(&named) {
                anyhow::anyhow!(text)
            } else {
                anyhow::anyhow!("history {named}: {text}")
            };
        }
    };
    anyhow::anyhow!("history {}: {why}; nothing was recorded", path.display())
}

/// A SQLite error in one line, without the SQL text that some carry.
fn sqlite_words(e: &rusqlite::Error) -> String {
    let text = match e {
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
        other => other.to_string(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    let _ = path;
    Ok(())
}

/// The history directory holds what the estate looks like: readable by its owner only.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/history.db");
        drop(History::open(&path).unwrap());
        let h = History::open(&path).unwrap();
        let v: usize = h.connection().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, MIGRATIONS.len());
        h.connection().pragma_update(None, "user_version", 99).unwrap();
        drop(h);
        let err = History::open(&path).err().unwrap();
        assert!(format!("{err:#}").contains("newer than this driftscan knows"), "{err:#}");
    }

    #[test]
    fn a_failing_migration_is_told_in_one_line_without_its_sql() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        // Says it holds 0001's schema, but has none of its tables: 0002 fails on its first read.
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 1).unwrap();
        let err = History::open(&path).err().unwrap();
        let text = crate::error::one_line(&err);
        assert!(text.starts_with(&format!("history {}: applying migration 0002_lifecycle: no such ", path.display())));
        assert!(!text.contains("INSERT") && !text.contains("SELECT"), "{text}");
        let v: usize = Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 1, "a failed migration leaves the schema as it was");
    }

    #[test]
    fn per_scan_rows_of_0001_fold_into_one_change_each() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0].1).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            for (id, at) in [(1, "2026-01-01T00:00:00Z"), (2, "2026-01-02T00:00:00Z"), (3, "2026-01-03T00:00:00Z")] {
                conn.execute(
                    "INSERT INTO scans (id, started_at, finished_at, regions, states, managed, drifted, deleted, unmanaged, unscanned, coverage_pct)
                     VALUES (?1, ?2, ?2, '[]', '[]', 1, 1, 0, 0, 0, 100)",
                    params![id, at],
                )
                .unwrap();
            }
            // A drift seen by all three scans, its live value moving once; a deletion seen only by the first.
            for (scan, actual) in [(1, "\"t3.large\""), (2, "\"t3.large\""), (3, "\"t3.xlarge\"")] {
                conn.execute(
                    "INSERT INTO changes (scan_id, kind, type, resource_id, region, attribute, declared, actual)
                     VALUES (?1, 'drifted', 'aws_instance', 'i-1', 'us-east-1', 'instance_type', '\"t3.micro\"', ?2)",
                    params![scan, actual],
                )
                .unwrap();
            }
            conn.execute(
                "INSERT INTO changes (scan_id, kind, type, resource_id, region) VALUES (1, 'deleted', 'aws_vpc', 'vpc-1', 'us-east-1')",
                [],
            )
            .unwrap();
        }
        let h = History::open(&path).unwrap();
        let rows = h.changes(&Window::default()).unwrap();
        let got: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.kind.as_str(),
                    r.first_seen.as_str(),
                    r.last_seen.as_str(),
                    r.resolved_at.as_deref(),
                    r.actual.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("deleted", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", Some("2026-01-02T00:00:00Z"), None),
                ("drifted", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z", None, Some(serde_json::json!("t3.xlarge"))),
            ]
        );
    }
}
