//! The history a test's runs write, on the backend this pass of the suite tests: a SQLite file
//! in the test's scratch folder (the default), or with `DRIFTSCAN_TEST_HISTORY=postgres`
//! (`make test` runs the history's tests a second time so), a database of its own on one
//! PostgreSQL server shared by the whole test process. Tests read what was recorded through
//! [`History`], in SQL both backends answer alike, so one test checks both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_json::Value;

use crate::pg::{self, Pg};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backend of this pass: `DRIFTSCAN_TEST_HISTORY` is `sqlite` (or unset) or `postgres`.
pub fn backend() -> Backend {
    match std::env::var("DRIFTSCAN_TEST_HISTORY").as_deref() {
        Err(_) | Ok("") | Ok("sqlite") => Backend::Sqlite,
        Ok("postgres") => Backend::Postgres,
        Ok(other) => panic!("DRIFTSCAN_TEST_HISTORY={other}: expected sqlite or postgres"),
    }
}

pub struct History {
    place: Place,
}

enum Place {
    Sqlite(PathBuf),
    Postgres { pg: &'static Pg, db: String },
}

impl History {
    /// The history of a scratch folder: `history.db` there, or a database of its own on the
    /// server. The same folder always has the same history, so a test that names its folder
    /// finds its history.
    pub fn of(dir: &Path) -> &'static History {
        static ALL: Mutex<BTreeMap<PathBuf, &'static History>> = Mutex::new(BTreeMap::new());
        let mut all = ALL.lock().unwrap_or_else(|e| e.into_inner());
        all.entry(dir.to_path_buf()).or_insert_with(|| Box::leak(Box::new(History::new(dir))))
    }

    fn new(dir: &Path) -> History {
        let place = match backend() {
            Backend::Sqlite => Place::Sqlite(dir.join("history.db")),
            Backend::Postgres => {
                static NEXT: AtomicUsize = AtomicUsize::new(0);
                let db = format!("h{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
                let pg = pg::shared();
                pg.create_db(&db);
                Place::Postgres { pg, db }
            }
        };
        History { place }
    }

    pub fn backend(&self) -> Backend {
        match self.place {
            Place::Sqlite(_) => Backend::Sqlite,
            Place::Postgres { .. } => Backend::Postgres,
        }
    }

    /// What `--db` gets: the file's name (runs start in the scratch folder) or the URL, which
    /// holds no password (runs get it from `PGPASSWORD`, see [`History::env`]).
    pub fn arg(&self) -> String {
        match &self.place {
            Place::Sqlite(_) => "history.db".into(),
            Place::Postgres { pg, db } => pg.url(db),
        }
    }

    /// Gives a driftscan run what it needs to reach this history.
    pub fn env<'c>(&self, cmd: &'c mut std::process::Command) -> &'c mut std::process::Command {
        match self.place {
            Place::Postgres { .. } => pg::env(cmd),
            Place::Sqlite(_) => cmd,
        }
    }

    /// Every row `sql` selects, each column as JSON (integers, reals, text, null).
    pub fn rows(&self, sql: &str) -> Vec<Vec<Value>> {
        self.try_rows(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// As [`History::rows`], or why not (no history yet, no such table).
    pub fn try_rows(&self, sql: &str) -> Result<Vec<Vec<Value>>, String> {
        match &self.place {
            Place::Sqlite(path) => sqlite_rows(path, sql),
            Place::Postgres { pg, db } => pg_rows(pg, db, sql),
        }
    }

    /// Every row `sql` selects, each column as text (a number in decimal, null as empty).
    pub fn table(&self, sql: &str) -> Vec<Vec<String>> {
        let text = |v: Value| match v {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        };
        self.rows(sql).into_iter().map(|r| r.into_iter().map(text).collect()).collect()
    }

    /// Pairs of columns as [`History::table`] reads them.
    pub fn pairs(&self, sql: &str) -> Vec<(String, String)> {
        self.table(sql).into_iter().map(|mut r| (std::mem::take(&mut r[0]), std::mem::take(&mut r[1]))).collect()
    }

    /// The one value `sql` selects.
    pub fn one(&self, sql: &str) -> Value {
        let rows = self.rows(sql);
        rows.first().and_then(|r| r.first()).cloned().unwrap_or_else(|| panic!("{sql}: no row"))
    }

    /// The one integer `sql` selects (a count, an id).
    pub fn count(&self, sql: &str) -> i64 {
        let v = self.one(sql);
        v.as_i64().unwrap_or_else(|| panic!("{sql}: {v} is not an integer"))
    }

    /// As [`History::count`], 0 while there is no history yet (a run still starting).
    pub fn count_or_zero(&self, sql: &str) -> i64 {
        match self.try_rows(sql) {
            Ok(rows) => rows.first().and_then(|r| r.first()).and_then(Value::as_i64).unwrap_or(0),
            Err(_) => 0,
        }
    }

    /// The one text `sql` selects.
    pub fn text(&self, sql: &str) -> String {
        match self.one(sql) {
            Value::String(s) => s,
            other => panic!("{sql}: {other} is not text"),
        }
    }

    /// Every text the history holds, for a test to search for what must never be stored: the
    /// SQLite file and its journal as they are on disk; on PostgreSQL, every row of every table.
    pub fn dump(&self) -> String {
        match &self.place {
            Place::Sqlite(path) => {
                let mut all = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                all.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
                String::from_utf8_lossy(&all).into_owned()
            }
            Place::Postgres { .. } => {
                let tables =
                    self.table("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
                let mut all = String::new();
                for t in tables {
                    for row in self.table(&format!("SELECT CAST(t AS TEXT) FROM \"{}\" t", t[0])) {
                        all.push_str(&row[0]);
                        all.push('\n');
                    }
                }
                all
            }
        }
    }

    /// Whether a history was created at all (a file, or a schema in the database).
    pub fn exists(&self) -> bool {
        match &self.place {
            Place::Sqlite(path) => path.exists(),
            Place::Postgres { .. } => {
                self.count("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") > 0
            }
        }
    }

    /// How many migrations the history has applied, and how many this backend has.
    pub fn schema_version(&self) -> (i64, usize) {
        let (version, folder) = match &self.place {
            Place::Sqlite(_) => (self.count("PRAGMA user_version"), crate::harness::root().join("migrations")),
            Place::Postgres { .. } => (
                self.count("SELECT CAST(version AS BIGINT) FROM driftscan_schema"),
                crate::harness::root().join("migrations/postgres"),
            ),
        };
        let files = std::fs::read_dir(folder)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
            .count();
        (version, files)
    }

    /// The history is whole: SQLite's own check of its file; on PostgreSQL, whose server keeps
    /// its files whole, that no change points at a scan that was not recorded.
    pub fn assert_intact(&self) {
        match &self.place {
            Place::Sqlite(_) => assert_eq!(self.text("PRAGMA integrity_check"), "ok"),
            Place::Postgres { .. } => assert_eq!(
                self.count(
                    "SELECT count(*) FROM changes c LEFT JOIN scans s ON s.id = c.first_scan_id
                      WHERE c.first_scan_id IS NOT NULL AND s.id IS NULL"
                ),
                0,
                "a change of an unrecorded scan"
            ),
        }
    }
}

fn sqlite_rows(path: &Path, sql: &str) -> Result<Vec<Vec<Value>>, String> {
    use rusqlite::types::ValueRef;
    if !path.exists() {
        return Err(format!("no history at {}", path.display()));
    }
    let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
    let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        ValueRef::Null => Value::Null,
                        ValueRef::Integer(v) => v.into(),
                        ValueRef::Real(v) => v.into(),
                        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
                        ValueRef::Blob(_) => panic!("{sql}: a blob column"),
                    })
                })
                .collect::<rusqlite::Result<Vec<Value>>>()
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| e.to_string())
}

fn pg_rows(pg: &Pg, db: &str, sql: &str) -> Result<Vec<Vec<Value>>, String> {
    use postgres::types::Type;
    let rows = pg.client(db).query(sql, &[]).map_err(|e| e.to_string())?;
    let cell = |row: &postgres::Row, i: usize| -> Value {
        let ty = row.columns()[i].type_();
        match *ty {
            Type::INT2 => row.get::<_, Option<i16>>(i).map(Value::from),
            Type::INT4 => row.get::<_, Option<i32>>(i).map(Value::from),
            Type::INT8 => row.get::<_, Option<i64>>(i).map(Value::from),
            Type::FLOAT4 => row.get::<_, Option<f32>>(i).map(Value::from),
            Type::FLOAT8 => row.get::<_, Option<f64>>(i).map(Value::from),
            // SQLite has no booleans: a comparison is 0 or 1 there, and so here.
            Type::BOOL => row.get::<_, Option<bool>>(i).map(|b| Value::from(b as i64)),
            Type::TEXT | Type::VARCHAR | Type::NAME => row.get::<_, Option<String>>(i).map(Value::from),
            _ => panic!("{sql}: column {i} has type {ty}, which the tests do not read"),
        }
        .unwrap_or(Value::Null)
    };
    Ok(rows.iter().map(|r| (0..r.len()).map(|i| cell(r, i)).collect()).collect())
}
