//! The scoring model's counters in SQLite (`score_counters`), as a [`scoring::Store`].
//!
//! Scoring one change reads and writes a fixed handful of keys by primary key, so its cost does
//! not grow with the history; every read and write happens inside the caller's transaction, so a
//! failed run teaches the model nothing.

use rusqlite::{params_from_iter, Connection, OptionalExtension};

use crate::scoring::{self, Counter};

/// Counters read and written through one connection (a transaction derefs to one).
pub struct SqlStore<'c> {
    conn: &'c Connection,
}

impl<'c> SqlStore<'c> {
    pub fn new(conn: &'c Connection) -> Self {
        SqlStore { conn }
    }
}

impl scoring::Store for SqlStore<'_> {
    type Error = rusqlite::Error;

    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Counter>>, rusqlite::Error> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // One statement for the batch: `IN` over at most `MAX_KEYS` primary keys.
        let marks = vec!["?"; keys.len()].join(",");
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT key, value, at FROM score_counters WHERE key IN ({marks})"))?;
        let mut found = std::collections::HashMap::with_capacity(keys.len());
        let mut rows = stmt.query(params_from_iter(keys.iter()))?;
        while let Some(row) = rows.next()? {
            let key: String = row.get(0)?;
            found.insert(key, Counter { value: row.get(1)?, at: row.get(2)? });
        }
        Ok(keys.iter().map(|k| found.get(k).copied()).collect())
    }

    fn put_many(&mut self, entries: &[(String, Counter)]) -> Result<(), rusqlite::Error> {
        if entries.is_empty() {
            return Ok(());
        }
        // One statement for the batch, as `get_many` reads it: recording a scan writes a few
        // dozen counters per change, and one statement each was most of a large scan's recording.
        let rows = vec!["(?, ?, ?)"; entries.len()].join(", ");
        let mut stmt = self.conn.prepare_cached(&format!(
            "INSERT INTO score_counters (key, value, at) VALUES {rows}
             ON CONFLICT(key) DO UPDATE SET value = excluded.value, at = excluded.at"
        ))?;
        let values = entries.iter().flat_map(|(key, c)| {
            [key as &dyn rusqlite::ToSql, &c.value as &dyn rusqlite::ToSql, &c.at as &dyn rusqlite::ToSql]
        });
        stmt.execute(params_from_iter(values))?;
        Ok(())
    }
}

/// How many counters the model holds, for `report` and tests.
pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM score_counters", [], |r| r.get(0)).optional().map(|n| n.unwrap_or(0))
}
