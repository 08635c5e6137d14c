//! The scans recorded in a window, as points over time: what the report draws coverage from.

use anyhow::Result;
use serde::Serialize;

use super::db::args;
use super::{rfc3339, History, Window};

/// One recorded scan's counts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScanPoint {
    pub id: i64,
    pub started_at: String,
    pub managed: i64,
    pub drifted: i64,
    pub deleted: i64,
    pub unmanaged: i64,
    pub coverage_pct: f64,
}

impl History {
    /// The (workspace, account) pairs of every scan that recorded both: which accounts each
    /// config workspace scanned.
    pub fn scanned_accounts(&self) -> Result<Vec<(String, String)>> {
        self.db.query(
            "SELECT DISTINCT workspace, account FROM scans WHERE workspace IS NOT NULL AND account IS NOT NULL",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// The scans that started in `window`, oldest first.
    pub fn scan_points(&self, window: &Window) -> Result<Vec<ScanPoint>> {
        let since = window.since.map(rfc3339).unwrap_or_default();
        let until = window.until.map(rfc3339).unwrap_or_else(|| "9999".into());
        self.db.query(
            "SELECT id, started_at, managed, drifted, deleted, unmanaged, coverage_pct FROM scans
              WHERE started_at >= ?1 AND started_at < ?2 ORDER BY started_at, id",
            args![since, until],
            |r| {
                Ok(ScanPoint {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    managed: r.get(2)?,
                    drifted: r.get(3)?,
                    deleted: r.get(4)?,
                    unmanaged: r.get(5)?,
                    coverage_pct: r.get(6)?,
                })
            },
        )
    }
}
