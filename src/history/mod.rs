//! The SQLite history. Migrations are the numbered files in `migrations/`, embedded in the
//! binary and applied in order when the store opens; `PRAGMA user_version` records how many ran.

//!
//! Data flows in through [`History::record`] (a scan), [`History::learn`] (CloudTrail events) and
//! [`History::ack`]; each runs in one transaction, scoring and all, so the history and the model
//! never hold half a run.

//! The history: SQLite by default, or a PostgreSQL database that many runners share. Each
//! backend has its numbered migrations (`migrations/`, `migrations/postgres/`), embedded in the
//! binary and applied in order when the store opens; the history's SQL is written once over
//! both (see [`db`]).
//!
//! Data flows in through [`History::record`] (a scan), [`History::learn`] (CloudTrail events) and
//! [`History::ack`]; each runs in one transaction, scoring and all, so the history and the model
//! never hold half a run.

mod behind;
pub mod copy;
mod counters;
pub(crate) mod db;
mod events;
mod lifecycle;
pub mod location;
mod notifications;
mod query;
mod scans;
mod schema;
mod watch;

use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

pub use behind::Behind;
use db::{args, Db, Dialect};
pub use events::{LearnOutcome, LearnedChange};
pub use location::Location;
pub use notifications::{Action, Delivery, Pending, Queue, SinkQueue};
pub use query::{ChangeRow, Facets, Window};
pub use scans::ScanPoint;
pub use watch::{Reread, WatchOutcome};

use crate::cloudtrail::Loaded;
use crate::diff::Coverage;
use crate::report::{Report, Status};
use crate::resource::Resource;
use crate::scoring;

/// Times are stored as RFC 3339 UTC with whole seconds, so that text order is time order.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An open history database.
pub struct History {
    db: Db,
    location: Location,
    /// Where the changes this history records are queued to be told, if anywhere.
    queue: Option<Queue>,
}

impl History {
    /// Opens the history at `location` (creating a SQLite file if needed) and brings its schema
    /// up to date.
    pub fn open(location: &Location) -> Result<Self> {
        match location {
            Location::File(path) => Self::open_file(path),
            Location::Postgres(url) => {
                let db = Db::postgres(url.connect()?);
                let h = History { db, location: location.clone(), queue: None };
                schema::migrate_postgres(&h.db).map_err(|e| h.storage_error(e))?;
                Ok(h)
            }
        }
    }

    fn open_file(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                create_private_dir(dir).with_context(|| format!("creating history directory {}", dir.display()))?;
            }
        }
        let new = !path.exists();
        let conn = rusqlite::Connection::open(path).with_context(|| format!("opening history {}", path.display()))?;
        if new {
            // What the estate looks like, and who changed it: for its owner only. SQLite gives
            // the -wal and -shm files the database file's permissions.
            make_private(path).with_context(|| format!("restricting {} to its owner", path.display()))?;
        }
        schema::migrate_sqlite(&conn, path)
            .with_context(|| format!("history {}", path.display()))
            .map_err(|e| storage_error(path, e))?;
        Ok(History { db: Db::sqlite(conn), location: Location::File(path.to_path_buf()), queue: None })
    }

    /// Queues what [`Self::record`] and [`Self::learn`] record for `queue`'s channel, in the
    /// same transaction: a run killed after recording still has its changes queued, and the next
    /// run tells them.
    pub fn queueing(mut self, queue: Option<Queue>) -> Self {
        self.queue = queue;
        self
    }

    /// Where this history lives.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The SQLite connection of a file history (`None` on PostgreSQL), for the benchmark's
    /// bulk writes and for tests that look under the model.
    pub fn sqlite_connection(&self) -> Option<&rusqlite::Connection> {
        self.db.sqlite_conn()
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
            // Two runs of one workspace take turns; runs of different workspaces do not.
            tx.turn(&format!("workspace {}", report.scan.workspace.as_deref().unwrap_or("")))?;
            let since: Option<String> = tx
                .row(
                    "SELECT started_at FROM scans WHERE workspace IS NOT DISTINCT FROM ?1 ORDER BY id DESC LIMIT 1",
                    args![report.scan.workspace],
                    |r| r.get(0),
                )?;
            let s = &report.summary;
            let scan_id: i64 = tx.one(
                "INSERT INTO scans (started_at, finished_at, regions, states, managed, drifted, deleted, unmanaged, unscanned, coverage_pct, api_calls,
                                    workspace, account)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id",
                args![
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
            for (side, list) in [("declared", declared), ("live", live)] {
                for r in list {
                    let address = r.declared.as_ref().map(|d| d.address.as_str());
                    tx.execute(
                        "INSERT INTO scan_resources (scan_id, side, type, resource_id, region, address, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        args![scan_id, side, r.rtype, r.id, r.region.as_deref().unwrap_or(""), address, fingerprint(r)],
                    )?;
                }
            }
            for u in &report.unscanned {
                tx.execute(
                    "INSERT INTO unscanned (scan_id, type, region, reason) VALUES (?1, ?2, ?3, ?4)",
                    args![scan_id, u.rtype, u.region, u.reason],
                )?;
            }
            let workspace = report.scan.workspace.clone();
            let ctx = lifecycle::ScanContext {
                scan_id: Some(scan_id),
                now,
                since,
                coverage,
                scoring,
                workspace: workspace.as_deref(),
                only: None,
            };
            lifecycle::apply(tx, &ctx, report)?;
            if let Some(q) = &queue {
                queue_report(q, tx, report, now)?;
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
            // Two runs reading CloudTrail take turns: each event is recorded once.
            tx.turn("cloudtrail")?;
            let outcome = events::record(tx, loaded, now, scoring)?;
            if let Some(q) = &queue {
                queue_learned(q, tx, &outcome, now)?;
            }
            Ok(outcome)
        })
    }

    /// The changes whose time falls in `window`, oldest first.
    pub fn changes(&self, window: &Window) -> Result<Vec<ChangeRow>> {
        query::list(&self.db, window)
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
            let n = tx.execute("UPDATE changes SET revert_requested_at = ?1 WHERE id = ?2", args![rfc3339(now), id])?;
            if n == 0 {
                bail!("no change with id {id} in the history");
            }
            Ok(())
        })
    }

    /// Runs `f` in one transaction and commits it: every write to the history goes through here,
    /// so a run is recorded whole or not at all, and a storage failure is told in words.
    fn in_transaction<T>(&mut self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        let out = self.db.transaction(f);
        out.map_err(|e| self.storage_error(e))
    }

    /// A storage failure in one line naming the history (see [`storage_error`]).
    fn storage_error(&self, e: anyhow::Error) -> anyhow::Error {
        match &self.location {
            Location::File(path) => storage_error(path, e),
            Location::Postgres(_) => {
                let shown = self.location.display().to_string();
                let pg = e.chain().find_map(|c| c.downcast_ref::<postgres::Error>());
                match pg {
                    None => e,
                    Some(p) => {
                        let mut causes = Vec::new();
                        for c in e.chain() {
                            if c.downcast_ref::<postgres::Error>().is_some() {
                                causes.push(location::words(p));
                                break;
                            }
                            causes.push(c.to_string());
                        }
                        let text = causes.join(": ");
                        if text.contains(&shown) {
                            anyhow::anyhow!(text)
                        } else {
                            anyhow::anyhow!("history {shown}: {text}")
                        }
                    }
                }
            }
        }
    }

    /// Holds this history's notification turn until it is closed: two runs that tell what is
    /// queued (a `notify`, the end of a scan) never send the same row twice. SQLite: nothing;
    /// such runs hold the history's file lock.
    pub fn hold_notify_turn(&self) -> Result<()> {
        self.db.session_turn("notify").map_err(|e| self.storage_error(e))
    }

    /// Scores a change against the model without learning it: for changes not made yet (a plan).
    pub fn score(&self, obs: &scoring::Observation, cfg: &scoring::Config) -> Result<scoring::Score> {
        counters::with_store(&self.db, cfg, |store| scoring::score(store, obs, cfg))
    }

    /// How many counters the model holds.
    pub fn model_size(&self) -> Result<i64> {
        counters::count(&self.db)
    }

    /// The connection, for queries by other modules of the history (`copy`) and tests.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The SQLite connection, for tests that look beneath the history.
    #[cfg(test)]
    pub fn connection(&self) -> &rusqlite::Connection {
        self.db.sqlite_conn().expect("a SQLite history")
    }

    /// Which server the history is on.
    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }
}

/// Queues what `report` opened or moved for `q`'s sinks, and the resolves of what it no longer
/// finds, in the recording transaction.
fn queue_report(q: &Queue, tx: &Db, report: &Report, now: DateTime<Utc>) -> Result<()> {
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
    Ok(())
}

/// Queues the CloudTrail changes `outcome` recorded for `q`'s sinks.
fn queue_learned(q: &Queue, tx: &Db, outcome: &LearnOutcome, now: DateTime<Utc>) -> Result<()> {
    let told: Vec<notifications::Told> = outcome
        .changes
        .iter()
        .map(|c| notifications::Told { id: c.id, anomalous: c.anomalous, updated: false })
        .collect();
    q.changes(tx, &told, now)?;
    Ok(())
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
pub(super) fn sqlite_words(e: &rusqlite::Error) -> String {
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
    use rusqlite::{params, Connection};
    use schema::MIGRATIONS;

    fn open(path: &Path) -> Result<History> {
        History::open(&Location::File(path.to_path_buf()))
    }

    #[test]
    fn migrates_once_and_refuses_newer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/history.db");
        drop(open(&path).unwrap());
        let h = open(&path).unwrap();
        let v: usize = h.connection().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, MIGRATIONS.len());
        h.connection().pragma_update(None, "user_version", 99).unwrap();
        drop(h);
        let err = open(&path).err().unwrap();
        assert!(format!("{err:#}").contains("newer than this driftscan knows"), "{err:#}");
    }

    #[test]
    fn a_failing_migration_is_told_in_one_line_without_its_sql() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        // Says it holds 0001's schema, but has none of its tables: 0002 fails on its first read.
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 1).unwrap();
        let err = open(&path).err().unwrap();
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
        let h = open(&path).unwrap();
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
