//! One connection to a history, SQLite or PostgreSQL, for SQL written once.
//!
//! The history's statements are written in the dialect the two share: numbered `?N`
//! placeholders (bare `?` counted in order), `ON CONFLICT`, `RETURNING id`, `IS NOT DISTINCT
//! FROM`, and `CASE` where SQLite and PostgreSQL name a scalar function differently. What
//! still differs is handled here, once:
//! - placeholders become `$N` for PostgreSQL;
//! - booleans are integer columns (0/1) in both schemas, as SQLite has them: a `bool`
//!   parameter is sent as the type PostgreSQL inferred for its place (an integer column, or a
//!   boolean expression such as `NOT ?3`), and an integer or boolean column reads as `bool`;
//! - a transaction is `BEGIN`/`COMMIT` on both, and a read snapshot is a repeatable-read
//!   transaction on PostgreSQL;
//! - a workspace's turn is a transaction-scoped advisory lock on PostgreSQL, and nothing on
//!   SQLite, whose runs take turns on the history's file lock instead (see `crate::lock`).

use std::cell::RefCell;
use std::collections::HashMap;

use anyhow::{anyhow, bail, Result};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{IsNull, ToSql, Type};

/// A parameter, borrowed from the caller for the statement's length.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Bool(bool),
}

/// What can be a parameter; see [`args!`].
pub trait ToValue {
    fn to_value(&self) -> Value<'_>;
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value<'_> {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_value!(i64, i32, u32, u64, usize);

impl ToValue for f64 {
    fn to_value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

/// The parameters of one statement: `args![a, b]` is `&[Value]`, each borrowed.
macro_rules! args {
    ($($e:expr),* $(,)?) => {
        &[$($crate::history::db::ToValue::to_value(&$e)),*][..]
    };
}
pub(crate) use args;

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(i),
            Value::Real(f) => ValueRef::Real(f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Bool(b) => ValueRef::Integer(i64::from(b)),
        }))
    }
}

impl ToSql for Value<'_> {
    /// As the type the server inferred for the parameter's place.
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let int = |i: i64, out: &mut bytes::BytesMut| match *ty {
            Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
            Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
            Type::FLOAT8 => (i as f64).to_sql(ty, out),
            Type::FLOAT4 => (i as f32).to_sql(ty, out),
            Type::BOOL => (i != 0).to_sql(ty, out),
            Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
            _ => i.to_sql(ty, out),
        };
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => int(i, out),
            Value::Bool(b) if *ty == Type::BOOL => b.to_sql(ty, out),
            Value::Bool(b) => int(i64::from(b), out),
            Value::Real(f) if *ty == Type::FLOAT4 => (f as f32).to_sql(ty, out),
            Value::Real(f) => f.to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// A row being read.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Pg(&'a postgres::Row),
}

/// What a column can be read as.
pub trait Column<'r>: Sized {
    fn sqlite(v: rusqlite::types::ValueRef<'r>) -> Result<Option<Self>>;
    fn pg(row: &'r postgres::Row, i: usize) -> Result<Option<Self>>;
}

fn pg_int(row: &postgres::Row, i: usize) -> Result<Option<i64>> {
    let ty = row.columns()[i].type_().clone();
    Ok(match ty {
        Type::INT2 => row.try_get::<_, Option<i16>>(i)?.map(i64::from),
        Type::INT4 => row.try_get::<_, Option<i32>>(i)?.map(i64::from),
        Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map(i64::from),
        _ => row.try_get::<_, Option<i64>>(i)?,
    })
}

impl<'r> Column<'r> for i64 {
    fn sqlite(v: rusqlite::types::ValueRef<'r>) -> Result<Option<Self>> {
        use rusqlite::types::ValueRef;
        Ok(match v {
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(i),
            ValueRef::Real(f) => Some(f as i64),
            other => bail!("expected an integer, found {:?}", other.data_type()),
        })
    }
    fn pg(row: &'r postgres::Row, i: usize) -> Result<Option<Self>> {
        pg_int(row, i)
    }
}

impl<'r> Column<'r> for f64 {
    fn sqlite(v: rusqlite::types::ValueRef<'r>) -> Result<Option<Self>> {
        use rusqlite::types::ValueRef;
        Ok(match v {
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(i as f64),
            ValueRef::Real(f) => Some(f),
            other => bail!("expected a number, found {:?}", other.data_type()),
        })
    }
    fn pg(row: &'r postgres::Row, i: usize) -> Result<Option<Self>> {
        Ok(match *row.columns()[i].type_() {
            Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?,
            Type::FLOAT4 => row.try_get::<_, Option<f32>>(i)?.map(f64::from),
            _ => pg_int(row, i)?.map(|n| n as f64),
        })
    }
}

impl<'r> Column<'r> for bool {
    fn sqlite(v: rusqlite::types::ValueRef<'r>) -> Result<Option<Self>> {
        Ok(i64::sqlite(v)?.map(|i| i != 0))
    }
    fn pg(row: &'r postgres::Row, i: usize) -> Result<Option<Self>> {
        Ok(pg_int(row, i)?.map(|i| i != 0))
    }
}

impl<'r> Column<'r> for &'r str {
    fn sqlite(v: rusqlite::types::ValueRef<'r>) -> Result<Option<Self>> {
        use rusqlite::types::ValueRef;
        Ok(match v {
            ValueRef::Null => None,
            ValueRef::Text(t) => Some(std::str::from_utf8(t)?),
            other => bail!("expected text, found {:?}", other.data_type()),
        })
    }
    fn pg(row: &'r postgres::Row, i: usize) -> Result<Option<Self>> {
        Ok(row.try_get::<_, Option<&str>>(i)?)
    }
}

impl<'r> Column<'r> for String {
    fn sqlite(v: rusqlite::types::ValueRef<'r>) -> Result<Option<Self>> {
        Ok(<&str>::sqlite(v)?.map(str::to_owned))
    }
    fn pg(row: &'r postgres::Row, i: usize) -> Result<Option<Self>> {
        Ok(<&str>::pg(row, i)?.map(str::to_owned))
    }
}

/// A value read whatever its type, owned: what `history copy` carries across.
#[derive(Debug, Clone, PartialEq)]
pub enum Owned {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl Owned {
    pub fn value(&self) -> Value<'_> {
        match self {
            Owned::Null => Value::Null,
            Owned::Int(i) => Value::Int(*i),
            Owned::Real(f) => Value::Real(*f),
            Owned::Text(s) => Value::Text(s),
        }
    }
}

impl<'a> Row<'a> {
    /// How many columns the row has.
    pub fn len(&self) -> usize {
        match *self {
            Row::Sqlite(r) => r.as_ref().column_count(),
            Row::Pg(r) => r.len(),
        }
    }

    /// Column `i` as it is stored.
    pub fn any(&self, i: usize) -> Result<Owned> {
        use rusqlite::types::ValueRef;
        Ok(match *self {
            Row::Sqlite(r) => match r.get_ref(i)? {
                ValueRef::Null => Owned::Null,
                ValueRef::Integer(n) => Owned::Int(n),
                ValueRef::Real(f) => Owned::Real(f),
                ValueRef::Text(t) => Owned::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(_) => bail!("column {i}: a blob, which no history column holds"),
            },
            Row::Pg(r) => match *r.columns()[i].type_() {
                Type::FLOAT4 | Type::FLOAT8 => f64::pg(r, i)?.map_or(Owned::Null, Owned::Real),
                Type::INT2 | Type::INT4 | Type::INT8 | Type::BOOL => pg_int(r, i)?.map_or(Owned::Null, Owned::Int),
                _ => String::pg(r, i)?.map_or(Owned::Null, Owned::Text),
            },
        })
    }

    /// Column `i`, which must not be NULL.
    pub fn get<T: Column<'a>>(&self, i: usize) -> Result<T> {
        self.opt(i)?.ok_or_else(|| anyhow!("column {i} is NULL"))
    }

    /// Column `i`, `None` when NULL.
    pub fn opt<T: Column<'a>>(&self, i: usize) -> Result<Option<T>> {
        match *self {
            Row::Sqlite(r) => T::sqlite(r.get_ref(i)?),
            Row::Pg(r) => T::pg(r, i),
        }
    }
}

/// Which server a history lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

// One Db per process or history, so the size of the PostgreSQL variant costs nothing.
#[allow(clippy::large_enum_variant)]
enum Conn {
    Sqlite(rusqlite::Connection),
    Pg { client: RefCell<PgClient>, statements: RefCell<HashMap<String, postgres::Statement>> },
}

/// The synchronous client runs a runtime of its own, which cannot start inside another: a
/// scan records from async code. Its calls (and its close, when dropped) leave the caller's
/// runtime first.
pub struct PgClient(Option<postgres::Client>);

impl PgClient {
    fn call<T>(&mut self, f: impl FnOnce(&mut postgres::Client) -> T) -> T {
        let client = self.0.as_mut().expect("open until dropped");
        off_runtime(|| f(client))
    }
}

impl Drop for PgClient {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            off_runtime(move || drop(c));
        }
    }
}

/// Runs `f` outside the current async runtime, if any.
pub fn off_runtime<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        // driftscan's runtimes are multi-threaded; a current-thread one cannot give its thread up.
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// An open connection. Every method takes `&self`: the history's modules pass one around while
/// a counter store holds it too, as they did with SQLite's connection.
pub struct Db {
    conn: Conn,
}

impl Db {
    /// A SQLite connection, given the `exp()` PostgreSQL has built in: the counters decay in
    /// SQL, the same statement on both.
    pub fn sqlite(conn: rusqlite::Connection) -> Db {
        use rusqlite::functions::FunctionFlags;
        let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
        // Registering a function fails only on a closed connection, which the first query names.
        let _ = conn.create_scalar_function("exp", 1, flags, |ctx| Ok(ctx.get::<f64>(0)?.exp()));
        Db { conn: Conn::Sqlite(conn) }
    }

    pub fn postgres(client: postgres::Client) -> Db {
        Db { conn: Conn::Pg { client: RefCell::new(PgClient(Some(client))), statements: RefCell::default() } }
    }

    pub fn dialect(&self) -> Dialect {
        match self.conn {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Pg { .. } => Dialect::Postgres,
        }
    }

    /// The SQLite connection, for what only SQLite has (pragmas, tests).
    pub fn sqlite_conn(&self) -> Option<&rusqlite::Connection> {
        match &self.conn {
            Conn::Sqlite(c) => Some(c),
            Conn::Pg { .. } => None,
        }
    }

    /// The PostgreSQL client, for what only PostgreSQL has (migrations, locks).
    pub fn with_pg<T>(&self, f: impl FnOnce(&mut postgres::Client) -> Result<T>) -> Option<Result<T>> {
        match &self.conn {
            Conn::Sqlite(_) => None,
            Conn::Pg { client, .. } => Some(client.borrow_mut().call(f)),
        }
    }

    fn pg_statement(&self, client: &mut PgClient, sql: &str) -> Result<postgres::Statement> {
        let Conn::Pg { statements, .. } = &self.conn else { unreachable!() };
        if let Some(s) = statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = client.call(|c| c.prepare(&placeholders(sql)))?;
        statements.borrow_mut().insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Runs a statement; returns how many rows it changed.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<usize> {
        match &self.conn {
            Conn::Sqlite(c) => Ok(c.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params))?),
            Conn::Pg { client, .. } => {
                let mut client = client.borrow_mut();
                let stmt = self.pg_statement(&mut client, sql)?;
                Ok(client.call(|c| c.execute(&stmt, &pg_params(params)))? as usize)
            }
        }
    }

    /// Hands each row of a query to `f`, in order, without holding them all.
    pub fn each(&self, sql: &str, params: &[Value], mut f: impl FnMut(&Row) -> Result<()>) -> Result<()> {
        match &self.conn {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
                while let Some(r) = rows.next()? {
                    f(&Row::Sqlite(r))?;
                }
                Ok(())
            }
            Conn::Pg { client, .. } => {
                let mut client = client.borrow_mut();
                let stmt = self.pg_statement(&mut client, sql)?;
                client.call(|c| -> Result<()> {
                    let mut rows = c.query_raw(&stmt, pg_params(params))?;
                    while let Some(r) = rows.next()? {
                        f(&Row::Pg(&r))?;
                    }
                    Ok(())
                })
            }
        }
    }

    /// Every row of a query, each made into a `T` by `f`.
    pub fn query<T>(&self, sql: &str, params: &[Value], mut f: impl FnMut(&Row) -> Result<T>) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each(sql, params, |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of a query, if any, made into a `T` by `f`.
    pub fn row<T>(&self, sql: &str, params: &[Value], f: impl FnOnce(&Row) -> Result<T>) -> Result<Option<T>> {
        let mut f = Some(f);
        let mut out = None;
        self.each(sql, params, |r| {
            if let Some(f) = f.take() {
                out = Some(f(r)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The first column of the first row, which the query always returns (a count, an id).
    pub fn one<T: for<'r> Column<'r>>(&self, sql: &str, params: &[Value]) -> Result<T> {
        self.row(sql, params, |r| r.get(0))?.ok_or_else(|| anyhow!("the query returned no row"))
    }

    /// Statements without parameters, one after another (a migration).
    pub fn batch(&self, sql: &str) -> Result<()> {
        match &self.conn {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Pg { client, .. } => Ok(client.borrow_mut().call(|c| c.batch_execute(sql))?),
        }
    }

    /// Runs `f` in one transaction, committed when it succeeds and rolled back when it fails.
    pub fn transaction<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        self.wrapped("BEGIN", f)
    }

    /// Runs `f` on one snapshot of the history: what it reads holds together while others write.
    pub fn snapshot<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        match self.dialect() {
            Dialect::Sqlite => self.wrapped("BEGIN", f),
            Dialect::Postgres => self.wrapped("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", f),
        }
    }

    fn wrapped<T>(&self, begin: &str, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        self.batch(begin)?;
        match f(self) {
            Ok(out) => {
                if let Err(e) = self.batch("COMMIT") {
                    let _ = self.batch("ROLLBACK");
                    return Err(e);
                }
                Ok(out)
            }
            Err(e) => {
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Waits for the turn of `what` (a workspace's recording), until this transaction ends: two
    /// runs of one workspace take turns, runs of different ones do not. SQLite: nothing; its runs
    /// hold the history's file lock.
    pub fn turn(&self, what: &str) -> Result<()> {
        if self.dialect() == Dialect::Postgres {
            self.execute("SELECT set_config('lock_timeout', ?1, true)", args![wait_ms()])?;
            self.execute("SELECT pg_advisory_xact_lock(?1)", args![lock_key(what)])
                .map_err(|e| waited(e, &format!("recording {what:?} into this history")))?;
        }
        Ok(())
    }

    /// As [`Self::turn`], held until the connection closes (a whole `notify`).
    pub fn session_turn(&self, what: &str) -> Result<()> {
        if self.dialect() == Dialect::Postgres {
            self.execute("SELECT set_config('lock_timeout', ?1, false)", args![wait_ms()])?;
            let locked = self.execute("SELECT pg_advisory_lock(?1)", args![lock_key(what)]);
            self.execute("SELECT set_config('lock_timeout', '0', false)", &[])?;
            locked.map_err(|e| waited(e, &format!("using {what:?} in this history")))?;
        }
        Ok(())
    }
}

/// A scan's hold on the workspaces it scans in a shared history, for the whole run, as the file
/// lock holds a SQLite history: a second run of one of them waits before its first AWS call,
/// and gives up after the lock timeout in the file lock's words. Runs of other workspaces never
/// wait. Session turns on a connection of their own, so the server drops them when the run
/// ends, however it ends; their keys are apart from the recording's turns, which the same run
/// takes on its history's connection.
pub struct RunTurns(#[allow(dead_code)] Db);

impl std::fmt::Debug for RunTurns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RunTurns")
    }
}

impl RunTurns {
    /// Takes the turns, or `None` for a history that is not shared (a file: its lock does this).
    pub fn take(db: &super::Location, workspaces: &[String]) -> Result<Option<RunTurns>> {
        let super::Location::Postgres(url) = db else { return Ok(None) };
        let turns = Db::postgres(url.connect()?);
        let mut names: Vec<&str> = workspaces.iter().map(String::as_str).collect();
        // One order for every run, so two runs of overlapping workspaces cannot wait on each other.
        names.sort_unstable();
        names.dedup();
        for name in names {
            let what = if name.is_empty() { "a scan".to_owned() } else { format!("a scan of workspace {name}") };
            turns.session_turn(&what).map_err(|e| anyhow!("{}: {e}", db.display()))?;
        }
        Ok(Some(RunTurns(turns)))
    }
}

/// The run's lock timeout, as PostgreSQL's `lock_timeout` takes it.
fn wait_ms() -> String {
    format!("{}ms", crate::lock::shared_timeout().as_millis().max(1))
}

/// The error of a turn not had: the same words as the file lock's when the wait ran out.
fn waited(e: anyhow::Error, doing: &str) -> anyhow::Error {
    let db = e.chain().find_map(|c| c.downcast_ref::<postgres::Error>()).and_then(|p| p.as_db_error());
    if db.is_some_and(|d| *d.code() == postgres::error::SqlState::LOCK_NOT_AVAILABLE) {
        return anyhow!(crate::lock::gave_up(&format!(" is {doing}"), crate::lock::shared_timeout()));
    }
    anyhow!("waiting for another driftscan run {doing}: {}", short(&e))
}

fn short(e: &anyhow::Error) -> String {
    match e.chain().find_map(|c| c.downcast_ref::<postgres::Error>()).and_then(|p| p.as_db_error()) {
        Some(db) => db.message().to_owned(),
        None => crate::error::one_line(e),
    }
}

/// A stable 64-bit key for an advisory lock: driftscan's own prefix, so other programs that
/// lock on the same server are not in the way.
fn lock_key(what: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("driftscan\u{0}{what}").as_bytes());
    i64::from_be_bytes(h[..8].try_into().expect("8 bytes"))
}

fn pg_params<'a>(params: &'a [Value<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// `?N` becomes `$N`, and a bare `?` the next number; quoted text is left as it is.
pub fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let (mut next, mut quote) = (1, None::<char>);
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        out.push(d);
                        chars.next();
                    }
                } else {
                    out.push_str(&next.to_string());
                    next += 1;
                }
            }
            (None, c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered_and_quoted_text_is_kept() {
        assert_eq!(
            placeholders("SELECT ?1, ?12 WHERE a = '?' AND b IN (?, ?)"),
            "SELECT $1, $12 WHERE a = '?' AND b IN ($1, $2)"
        );
    }

    #[test]
    fn sqlite_reads_and_writes_through_the_same_calls() {
        let db = Db::sqlite(rusqlite::Connection::open_in_memory().unwrap());
        db.batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, flag INTEGER NOT NULL, x REAL)").unwrap();
        let id: i64 =
            db.one("INSERT INTO t (name, flag, x) VALUES (?1, ?2, ?3) RETURNING id", args!["a", true, 1.5]).unwrap();
        let none: Option<String> = None;
        db.execute("INSERT INTO t (name, flag, x) VALUES (?1, ?2, ?3)", args![none, false, 2]).unwrap();
        let rows = db
            .query("SELECT id, name, flag, x FROM t ORDER BY id", &[], |r| {
                Ok((r.get::<i64>(0)?, r.opt::<String>(1)?, r.get::<bool>(2)?, r.get::<f64>(3)?))
            })
            .unwrap();
        assert_eq!(rows, vec![(id, Some("a".into()), true, 1.5), (id + 1, None, false, 2.0)]);
        let failed: Result<()> = db.transaction(|db| {
            db.execute("DELETE FROM t", &[])?;
            bail!("stop")
        });
        assert!(failed.is_err());
        assert_eq!(db.one::<i64>("SELECT count(*) FROM t", &[]).unwrap(), 2, "rolled back");
    }
}
