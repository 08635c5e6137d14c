//! The SQLite history. Migrations are the numbered files in `migrations/`, embedded in the
//! binary and applied in order when the store opens; `PRAGMA user_version` records how many ran.

use std::path::Path;

use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};

use crate::report::Report;
use crate::resource::Resource;

/// Every migration, in order. Append only: a released migration never changes.
const MIGRATIONS: &[(&str, &str)] = &[("0001_init", include_str!("../../migrations/0001_init.sql"))];

/// An open history database.
pub struct History {
    conn: Connection,
}

impl History {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                create_private_dir(dir).with_context(|| format!("creating history directory {}", dir.display()))?;
            }
        }
        let conn = Connection::open(path).with_context(|| format!("opening history {}", path.display()))?;
        let mut h = History { conn };
        h.prepare().with_context(|| format!("history {}", path.display()))?;
        Ok(h)
    }

    fn prepare(&mut self) -> Result<()> {
        // A scheduled run may meet another holding the database; wait rather than fail at once.
        self.conn.busy_timeout(std::time::Duration::from_secs(30))?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        let version: usize = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > MIGRATIONS.len() {
            bail!(
                "the database has schema version {version}, newer than this driftscan knows ({}); upgrade driftscan",
                MIGRATIONS.len()
            );
        }
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql).with_context(|| format!("applying migration {name}"))?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Records a whole scan in one transaction and returns its id.
    pub fn record(&mut self, report: &Report, declared: &[Resource], live: &[Resource]) -> Result<i64> {
        let tx = self.conn.transaction()?;
        let s = &report.summary;
        tx.execute(
            "INSERT INTO scans (started_at, finished_at, regions, states, managed, drifted, deleted, unmanaged, unscanned, coverage_pct, api_calls)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
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
            let mut put = tx.prepare(
                "INSERT INTO changes (scan_id, kind, type, resource_id, region, address, attribute, declared, actual) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for c in &report.changes {
                let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
                put.execute(params![
                    scan_id,
                    c.kind.as_str(),
                    c.rtype,
                    c.id,
                    c.region,
                    c.address,
                    c.attribute,
                    json(&c.declared),
                    json(&c.actual)
                ])?;
            }
            let mut put =
                tx.prepare("INSERT INTO unscanned (scan_id, type, region, reason) VALUES (?1, ?2, ?3, ?4)")?;
            for u in &report.unscanned {
                put.execute(params![scan_id, u.rtype, u.region, u.reason])?;
            }
        }
        tx.commit()?;
        Ok(scan_id)
    }

    /// The underlying connection, for read-only queries by other modules and tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// A short hash of a resource's normalised compared attributes: two scans with the same
/// fingerprint saw the same thing.
pub fn fingerprint(r: &Resource) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::Value::Object(r.attributes.clone()).to_string().as_bytes());
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The history directory holds what the estate looks like: readable by its owner only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
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
}
