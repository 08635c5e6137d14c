//! The scoring model's counters in SQLite (`score_counters`), as a [`scoring::Store`].
//!
//! Scoring one change reads and writes a fixed handful of keys by primary key, so its cost does
//! not grow with the history; every read and write happens inside the caller's transaction, so a
//! failed run teaches the model nothing.
//!
//! A store keeps what it read and wrote: the changes of one scan or one CloudTrail file share
//! most of their keys (the account's, the type's, the hour's), so each is read once and written
//! once, when [`with_store`] ends, instead of once per change (recording 10,000 changes wrote
//! 200,000 counter rows before, 20,000 after).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use rusqlite::{params_from_iter, Connection, OptionalExtension};

use crate::scoring::{self, Counter};

/// Rows per statement when flushing: three parameters each, well under SQLite's limit.
const FLUSH_ROWS: usize = 500;

/// Counters read and written through one connection (a transaction derefs to one). What is
/// written stays here until it is flushed, which [`with_store`] does when its work succeeds.
pub struct SqlStore<'c> {
    conn: &'c Connection,
    /// Every key read or written so far, with its counter (`None`: not in the table).
    known: RefCell<HashMap<String, Option<Counter>>>,
    /// Keys written and not yet flushed.
    dirty: HashSet<String>,
}

/// Runs `work` with a store over `conn`, then writes what it put, in the caller's transaction;
/// work that fails writes nothing (and its transaction is rolled back by the caller).
pub fn with_store<'c, T, E: From<rusqlite::Error>>(
    conn: &'c Connection,
    work: impl FnOnce(&mut SqlStore<'c>) -> Result<T, E>,
) -> Result<T, E> {
    let mut store = SqlStore { conn, known: RefCell::default(), dirty: HashSet::new() };
    let out = work(&mut store)?;
    store.flush()?;
    Ok(out)
}

impl SqlStore<'_> {
    /// Writes what was put since the last flush.
    fn flush(&mut self) -> rusqlite::Result<()> {
        let known = self.known.borrow();
        let dirty: Vec<(&String, Counter)> =
            self.dirty.iter().filter_map(|k| known.get(k).copied().flatten().map(|c| (k, c))).collect();
        for batch in dirty.chunks(FLUSH_ROWS) {
            let rows = vec!["(?, ?, ?)"; batch.len()].join(", ");
            let mut stmt = self.conn.prepare_cached(&format!(
                "INSERT INTO score_counters (key, value, at) VALUES {rows}
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, at = excluded.at"
            ))?;
            let values = batch.iter().flat_map(|(key, c)| {
                [*key as &dyn rusqlite::ToSql, &c.value as &dyn rusqlite::ToSql, &c.at as &dyn rusqlite::ToSql]
            });
            stmt.execute(params_from_iter(values))?;
        }
        drop(known);
        self.dirty.clear();
        Ok(())
    }
}

impl scoring::Store for SqlStore<'_> {
    type Error = rusqlite::Error;

    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Counter>>, rusqlite::Error> {
        let mut known = self.known.borrow_mut();
        let missing: Vec<&String> = keys.iter().filter(|k| !known.contains_key(*k)).collect();
        if !missing.is_empty() {
            // One statement for those not read yet: `IN` over at most `MAX_KEYS` primary keys.
            let marks = vec!["?"; missing.len()].join(",");
            let mut stmt = self
                .conn
                .prepare_cached(&format!("SELECT key, value, at FROM score_counters WHERE key IN ({marks})"))?;
            let mut rows = stmt.query(params_from_iter(missing.iter()))?;
            let mut found = HashMap::with_capacity(missing.len());
            while let Some(row) = rows.next()? {
                let key: String = row.get(0)?;
                found.insert(key, Counter { value: row.get(1)?, at: row.get(2)? });
            }
            for k in missing {
                known.insert(k.clone(), found.get(k).copied());
            }
        }
        Ok(keys.iter().map(|k| known.get(k).copied().flatten()).collect())
    }

    fn put_many(&mut self, entries: &[(String, Counter)]) -> Result<(), rusqlite::Error> {
        let known = self.known.get_mut();
        for (key, c) in entries {
            known.insert(key.clone(), Some(*c));
            self.dirty.insert(key.clone());
        }
        Ok(())
    }
}

/// How many counters the model holds, for `report` and tests.
pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM score_counters", [], |r| r.get(0)).optional().map(|n| n.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::Store;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE score_counters (key TEXT PRIMARY KEY, value REAL NOT NULL, at INTEGER NOT NULL)",
        )
        .unwrap();
        conn.execute("INSERT INTO score_counters VALUES ('old', 2.0, 10)", []).unwrap();
        conn
    }

    fn rows(conn: &Connection) -> Vec<(String, f64, i64)> {
        let mut stmt = conn.prepare("SELECT key, value, at FROM score_counters ORDER BY key").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn a_write_is_read_back_at_once_and_reaches_the_table_once_when_the_work_succeeds() {
        let conn = table();
        let c = |value, at| Counter { value, at };
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        with_store(&conn, |store| -> rusqlite::Result<()> {
            assert_eq!(store.get_many(&keys(&["old", "new"]))?, vec![Some(c(2.0, 10)), None]);
            store.put_many(&[("new".into(), c(1.0, 20)), ("old".into(), c(3.0, 20))])?;
            store.put_many(&[("new".into(), c(1.5, 30))])?;
            // Read back from the store, not yet from the table.
            assert_eq!(store.get_many(&keys(&["new", "old"]))?, vec![Some(c(1.5, 30)), Some(c(3.0, 20))]);
            assert_eq!(rows(&conn), vec![("old".into(), 2.0, 10)]);
            Ok(())
        })
        .unwrap();
        assert_eq!(rows(&conn), vec![("new".into(), 1.5, 30), ("old".into(), 3.0, 20)]);

        let failed: rusqlite::Result<()> = with_store(&conn, |store| {
            store.put_many(&[("lost".into(), c(9.0, 40))])?;
            Err(rusqlite::Error::InvalidQuery)
        });
        assert!(failed.is_err());
        assert_eq!(rows(&conn).len(), 2, "work that fails writes nothing");
    }

    #[test]
    fn many_keys_flush_in_batches() {
        let conn = table();
        let entries: Vec<(String, Counter)> =
            (0..FLUSH_ROWS * 2 + 7).map(|i| (format!("k{i:05}"), Counter { value: i as f64, at: 1 })).collect();
        with_store(&conn, |store| store.put_many(&entries)).unwrap();
        assert_eq!(rows(&conn).len(), entries.len() + 1);
    }
}
