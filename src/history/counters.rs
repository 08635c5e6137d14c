//! The scoring model's counters (`score_counters`), as a [`scoring::Store`].
//!
//! Scoring one change reads and writes a fixed handful of keys by primary key, so its cost does
//! not grow with the history; every read and write happens inside the caller's transaction, so a
//! failed run teaches the model nothing.
//!
//! A store keeps what it read and wrote: the changes of one scan or one CloudTrail file share
//! most of their keys (the account's, the type's, the hour's), so each is read once and written
//! once, when [`with_store`] ends, instead of once per change (recording 10,000 changes wrote
//! 200,000 counter rows before, 20,000 after).
//!
//! What is written is what this run added, merged into the stored counter in SQL, never the
//! value it read plus its own: runners sharing one history (PostgreSQL) learn at once, and a
//! counter another run moved since this one read it keeps that run's update too. Rows are
//! written in one order (by merge, then key), so two runs writing the same keys never wait for
//! each other in a circle.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use anyhow::Result;

use super::db::{Db, Value};
use crate::scoring::{self, Counter, Merge};

/// Rows per statement when flushing: three parameters each, well under either server's limit.
const FLUSH_ROWS: usize = 500;

/// Counters read and written through one connection. What is written stays here until it is
/// flushed, which [`with_store`] does when its work succeeds.
pub struct SqlStore<'c> {
    db: &'c Db,
    cfg: &'c scoring::Config,
    /// Every key read or written so far, with its counter (`None`: not in the table).
    known: RefCell<HashMap<String, Option<Counter>>>,
    /// Each key as it was first read from the table: what this run's writes are measured from.
    read: RefCell<HashMap<String, Option<Counter>>>,
    /// Keys written and not yet flushed.
    dirty: HashSet<String>,
}

/// Runs `work` with a store over `db`, then writes what it put, in the caller's transaction;
/// work that fails writes nothing (and its transaction is rolled back by the caller).
pub fn with_store<'c, T>(
    db: &'c Db,
    cfg: &'c scoring::Config,
    work: impl FnOnce(&mut SqlStore<'c>) -> Result<T>,
) -> Result<T> {
    let mut store = SqlStore { db, cfg, known: RefCell::default(), read: RefCell::default(), dirty: HashSet::new() };
    let out = work(&mut store)?;
    store.flush()?;
    Ok(out)
}

/// One row to merge: the key, what is inserted when the table has none, and when.
struct Put<'a> {
    key: &'a str,
    value: f64,
    at: i64,
}

impl SqlStore<'_> {
    /// Writes what was put since the last flush.
    fn flush(&mut self) -> Result<()> {
        let known = self.known.borrow();
        let read = self.read.borrow();
        let mut puts: Vec<(u8, u64, Put)> = Vec::with_capacity(self.dirty.len());
        for key in &self.dirty {
            let Some(Some(now)) = known.get(key).copied() else { continue };
            let before = read.get(key).copied().flatten();
            match scoring::merge_of(key, self.cfg) {
                Merge::Earliest => puts.push((0, 0, Put { key, value: now.value, at: now.at })),
                m @ Merge::Decaying { rate } => {
                    // What this run added, as of its write's time.
                    let added = now.value - before.map_or(0.0, |b| scoring::carried(b, now.at, m));
                    puts.push((1, rate.to_bits(), Put { key, value: added, at: now.at }));
                }
            }
        }
        puts.sort_by(|a, b| (a.0, a.1, a.2.key).cmp(&(b.0, b.1, b.2.key)));
        for group in puts.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let rate = f64::from_bits(group[0].1);
            for batch in group.chunks(FLUSH_ROWS) {
                self.merge(group[0].0 == 0, rate, batch)?;
            }
        }
        drop((known, read));
        self.dirty.clear();
        Ok(())
    }

    fn merge(&self, earliest: bool, rate: f64, batch: &[(u8, u64, Put)]) -> Result<()> {
        // The rate is ?1 where the decay uses it; PostgreSQL refuses a parameter no clause types.
        let first = if earliest { 1 } else { 2 };
        let rows: Vec<String> = (0..batch.len())
            .map(|i| format!("(?{}, ?{}, ?{})", 3 * i + first, 3 * i + first + 1, 3 * i + first + 2))
            .collect();
        let set = if earliest {
            "value = CASE WHEN score_counters.value < excluded.value THEN score_counters.value ELSE excluded.value END,
             at = CASE WHEN score_counters.at < excluded.at THEN score_counters.at ELSE excluded.at END"
                .to_owned()
        } else {
            // Both sides carried to the later of their times, then added; never below zero.
            let t = "(CASE WHEN score_counters.at > excluded.at THEN score_counters.at ELSE excluded.at END)";
            let r = "CAST(?1 AS DOUBLE PRECISION)";
            let sum = format!(
                "(score_counters.value * exp(-({t} - score_counters.at) * {r}) + excluded.value * exp(-({t} - excluded.at) * {r}))"
            );
            format!("value = CASE WHEN {sum} < 0 THEN 0 ELSE {sum} END, at = {t}")
        };
        let sql = format!(
            "INSERT INTO score_counters (key, value, at) VALUES {} ON CONFLICT (key) DO UPDATE SET {set}",
            rows.join(", ")
        );
        let mut params = Vec::with_capacity(1 + 3 * batch.len());
        if !earliest {
            params.push(Value::Real(rate));
        }
        for (_, _, p) in batch {
            params.extend([Value::Text(p.key), Value::Real(p.value), Value::Int(p.at)]);
        }
        self.db.execute(&sql, &params)?;
        Ok(())
    }
}

impl scoring::Store for SqlStore<'_> {
    type Error = anyhow::Error;

    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Counter>>> {
        let mut known = self.known.borrow_mut();
        let missing: Vec<&String> = keys.iter().filter(|k| !known.contains_key(*k)).collect();
        if !missing.is_empty() {
            // One statement for those not read yet: `IN` over at most `MAX_KEYS` primary keys.
            let marks = vec!["?"; missing.len()].join(",");
            let params: Vec<Value> = missing.iter().map(|k| Value::Text(k)).collect();
            let mut found = HashMap::with_capacity(missing.len());
            self.db.each(
                &format!("SELECT key, value, at FROM score_counters WHERE key IN ({marks})"),
                &params,
                |r| {
                    found.insert(r.get::<String>(0)?, Counter { value: r.get(1)?, at: r.get(2)? });
                    Ok(())
                },
            )?;
            let mut read = self.read.borrow_mut();
            for k in missing {
                let c = found.get(k).copied();
                known.insert(k.clone(), c);
                read.entry(k.clone()).or_insert(c);
            }
        }
        Ok(keys.iter().map(|k| known.get(k).copied().flatten()).collect())
    }

    fn put_many(&mut self, entries: &[(String, Counter)]) -> Result<()> {
        let known = self.known.get_mut();
        for (key, c) in entries {
            known.insert(key.clone(), Some(*c));
            self.dirty.insert(key.clone());
        }
        Ok(())
    }
}

/// How many counters the model holds, for `report` and tests.
pub fn count(db: &Db) -> Result<i64> {
    db.one("SELECT count(*) FROM score_counters", &[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::Store;

    fn table() -> Db {
        let db = Db::sqlite(rusqlite::Connection::open_in_memory().unwrap());
        db.batch("CREATE TABLE score_counters (key TEXT PRIMARY KEY, value REAL NOT NULL, at INTEGER NOT NULL)")
            .unwrap();
        db.execute("INSERT INTO score_counters VALUES ('na|old', 2.0, 10)", &[]).unwrap();
        db
    }

    fn rows(db: &Db) -> Vec<(String, f64, i64)> {
        db.query("SELECT key, value, at FROM score_counters ORDER BY key", &[], |r| {
            Ok((r.get(0)?, (r.get::<f64>(1)? * 1e9).round() / 1e9, r.get(2)?))
        })
        .unwrap()
    }

    #[test]
    fn a_write_is_read_back_at_once_and_reaches_the_table_once_when_the_work_succeeds() {
        let db = table();
        let cfg = scoring::Config::default();
        let c = |value, at| Counter { value, at };
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        with_store(&db, &cfg, |store| -> Result<()> {
            assert_eq!(store.get_many(&keys(&["na|old", "na|new"]))?, vec![Some(c(2.0, 10)), None]);
            store.put_many(&[("na|new".into(), c(1.0, 20)), ("na|old".into(), c(3.0, 20))])?;
            store.put_many(&[("na|new".into(), c(1.5, 30))])?;
            // Read back from the store, not yet from the table.
            assert_eq!(store.get_many(&keys(&["na|new", "na|old"]))?, vec![Some(c(1.5, 30)), Some(c(3.0, 20))]);
            assert_eq!(rows(&db), vec![("na|old".into(), 2.0, 10)]);
            Ok(())
        })
        .unwrap();
        assert_eq!(rows(&db), vec![("na|new".into(), 1.5, 30), ("na|old".into(), 3.0, 20)]);

        let failed: Result<()> = with_store(&db, &cfg, |store| {
            store.put_many(&[("na|lost".into(), c(9.0, 40))])?;
            anyhow::bail!("the work failed")
        });
        assert!(failed.is_err());
        assert_eq!(rows(&db).len(), 2, "work that fails writes nothing");
    }

    #[test]
    fn two_stores_that_read_the_same_counter_both_keep_what_they_added() {
        let db = table();
        // No decay within the test's second, so the sums are exact.
        let cfg = scoring::Config::default();
        let c = |value, at| Counter { value, at };
        let key = || vec!["na|old".to_string()];
        let since = || vec!["since|a".to_string()];
        let mut first =
            SqlStore { db: &db, cfg: &cfg, known: RefCell::default(), read: RefCell::default(), dirty: HashSet::new() };
        let mut second =
            SqlStore { db: &db, cfg: &cfg, known: RefCell::default(), read: RefCell::default(), dirty: HashSet::new() };
        for (s, add, first_at) in [(&mut first, 1.0, 50), (&mut second, 5.0, 40)] {
            let got = s.get_many(&key()).unwrap()[0].unwrap();
            s.put_many(&[("na|old".into(), c(got.value + add, 10))]).unwrap();
            s.get_many(&since()).unwrap();
            s.put_many(&[("since|a".into(), c(first_at as f64, first_at))]).unwrap();
        }
        first.flush().unwrap();
        second.flush().unwrap();
        assert_eq!(rows(&db), vec![("na|old".into(), 8.0, 10), ("since|a".into(), 40.0, 40)]);
    }

    #[test]
    fn many_keys_flush_in_batches() {
        let db = table();
        let cfg = scoring::Config::default();
        let entries: Vec<(String, Counter)> =
            (0..FLUSH_ROWS * 2 + 7).map(|i| (format!("na|k{i:05}"), Counter { value: i as f64, at: 1 })).collect();
        with_store(&db, &cfg, |store| store.put_many(&entries)).unwrap();
        assert_eq!(rows(&db).len(), entries.len() + 1);
    }
}
