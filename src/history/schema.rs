//! Each backend's migrations, applied in order when a history opens: SQLite's in
//! `migrations/` (their count in `PRAGMA user_version`), PostgreSQL's in `migrations/postgres/`
//! (their count in `driftscan_schema`). The two lists move in step, migration N holding the same
//! tables in each. A schema newer than this driftscan knows is refused, never written to.

use std::path::Path;

use anyhow::{bail, Result};

use super::db::{args, Db};

/// Every SQLite migration, in order. Append only: a released migration never changes.
pub(super) const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../migrations/0001_init.sql")),
    ("0002_lifecycle", include_str!("../../migrations/0002_lifecycle.sql")),
    ("0003_workspaces", include_str!("../../migrations/0003_workspaces.sql")),
    ("0004_notifications", include_str!("../../migrations/0004_notifications.sql")),
    ("0005_alerts", include_str!("../../migrations/0005_alerts.sql")),
    ("0006_revert_requested", include_str!("../../migrations/0006_revert_requested.sql")),
    ("0007_unmanaged_live", include_str!("../../migrations/0007_unmanaged_live.sql")),
];

/// Every PostgreSQL migration, in order, as [`MIGRATIONS`].
pub(super) const PG_MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../migrations/postgres/0001_init.sql")),
    ("0002_lifecycle", include_str!("../../migrations/postgres/0002_lifecycle.sql")),
    ("0003_workspaces", include_str!("../../migrations/postgres/0003_workspaces.sql")),
    ("0004_notifications", include_str!("../../migrations/postgres/0004_notifications.sql")),
    ("0005_alerts", include_str!("../../migrations/postgres/0005_alerts.sql")),
    ("0006_revert_requested", include_str!("../../migrations/postgres/0006_revert_requested.sql")),
    ("0007_unmanaged_live", include_str!("../../migrations/postgres/0007_unmanaged_live.sql")),
];

fn newer(version: usize, known: usize) -> Result<()> {
    if version > known {
        bail!(
            "the database has schema version {version}, newer than this driftscan knows ({known}); upgrade driftscan"
        );
    }
    Ok(())
}

pub(super) fn migrate_sqlite(conn: &rusqlite::Connection, path: &Path) -> Result<()> {
    // A scheduled run may meet another holding the database; wait rather than fail at once.
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    newer(version, MIGRATIONS.len())?;
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    if version == MIGRATIONS.len() && mode.eq_ignore_ascii_case("wal") {
        return Ok(());
    }
    // Two runs that open a new or older history at once would both apply the migrations:
    // they run under the history lock. A run that writes the history holds it already;
    // any other takes it for as long as the migrations last.
    let _lock = if crate::lock::held_here(path) {
        None
    } else {
        Some(crate::lock::HistoryLock::acquire_file(path, crate::lock::DEFAULT_TIMEOUT)?)
    };
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // Immediate: the write lock is taken before the version is read again, so a run whose
    // lock is a no-op (not Unix) still migrates once.
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let version: usize = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.execute_batch(sql).map_err(|e| anyhow::anyhow!("applying migration {name}: {}", super::sqlite_words(&e)))?;
        tx.pragma_update(None, "user_version", i + 1)?;
    }
    tx.commit()?;
    Ok(())
}

/// The PostgreSQL schema's version: the migrations applied.
pub(super) fn postgres_version(db: &Db) -> Result<usize> {
    let exists: bool = db.one("SELECT to_regclass('driftscan_schema') IS NOT NULL", &[])?;
    if !exists {
        return Ok(0);
    }
    Ok(db.row("SELECT version FROM driftscan_schema", &[], |r| r.get::<i64>(0))?.unwrap_or(0) as usize)
}

/// Brings a PostgreSQL history up to date in one transaction, under an advisory lock so that
/// runners starting at once against a new database migrate it once.
pub(super) fn migrate_postgres(db: &Db) -> Result<()> {
    let version = postgres_version(db)?;
    newer(version, PG_MIGRATIONS.len())?;
    if version == PG_MIGRATIONS.len() {
        return Ok(());
    }
    db.transaction(|db| {
        db.turn("schema")?;
        db.batch("CREATE TABLE IF NOT EXISTS driftscan_schema (version INTEGER NOT NULL)")?;
        let version = postgres_version(db)?;
        newer(version, PG_MIGRATIONS.len())?;
        for (name, sql) in PG_MIGRATIONS.iter().skip(version) {
            db.batch(sql).map_err(|e| match e.downcast_ref::<postgres::Error>() {
                Some(p) => anyhow::anyhow!("applying migration {name}: {}", super::location::words(p)),
                None => e.context(format!("applying migration {name}")),
            })?;
        }
        db.execute("DELETE FROM driftscan_schema", &[])?;
        db.execute("INSERT INTO driftscan_schema (version) VALUES (?1)", args![PG_MIGRATIONS.len()])?;
        Ok(())
    })
}
