//! Reading the history back: the changes in a time window (`report`) and acknowledging one
//! (`ack`).

use anyhow::{bail, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::counters::with_store;
use super::db::{args, Db, Row};
use super::rfc3339;
use crate::impact::Severity;
use crate::scoring::{self, Observation};

/// One recorded change, as `report` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    pub id: i64,
    /// `scan` or `cloudtrail`.
    pub source: String,
    /// CloudTrail's event id and name; `null` for changes found by a scan.
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    /// `drifted`, `deleted`, `unmanaged`, `owner_unknown`, or `event` (CloudTrail).
    pub kind: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub resource_id: String,
    pub region: String,
    pub account: String,
    /// The config workspace whose run recorded it; `null` for a run without a config workspace.
    pub workspace: Option<String>,
    pub address: Option<String>,
    pub attribute: Option<String>,
    pub declared: Option<Value>,
    pub actual: Option<Value>,
    pub actor: Option<String>,
    /// When it happened: the CloudTrail time when known, else when a scan first saw it.
    pub time: String,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved_at: Option<String>,
    /// `open`, `resolved` (scan changes) or `recorded` (CloudTrail events).
    pub status: String,
    pub score: Option<f64>,
    pub anomalous: bool,
    pub reasons: Vec<String>,
    pub acked_at: Option<String>,
    /// `true` when acknowledged as expected, `false` when only reviewed; `null` when not acknowledged.
    pub expected: Option<bool>,
    /// What the change does (`crate::impact`); `null` when no rule matched. Worked out from the
    /// stored values each time the row is read, so rules added later apply to old changes too.
    pub impact: Option<Severity>,
    /// Impact and score in one level.
    pub severity: Severity,
    pub impact_reasons: Vec<String>,
    /// Unmanaged only: the live attributes a user can set, as the last scan found them, for
    /// `fix` to write the resource block from. Not in reports or alerts.
    #[serde(skip)]
    pub live: Option<Value>,
}

/// Which changes to list.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// Inclusive lower bound on `time`.
    pub since: Option<DateTime<Utc>>,
    /// Exclusive upper bound on `time`.
    pub until: Option<DateTime<Utc>>,
}

pub(super) const COLUMNS: &str =
    "id, source, event_id, event_name, kind, type, resource_id, region, account, address, attribute,
                       declared, actual, actor, time, first_seen, last_seen, resolved_at, score, anomalous, reasons,
                       acked_at, expected, live, workspace";

pub(super) fn row(r: &Row) -> Result<ChangeRow> {
    let json = |i: usize| -> Result<Option<Value>> { Ok(r.opt::<&str>(i)?.and_then(|s| serde_json::from_str(s).ok())) };
    let source: String = r.get(1)?;
    let resolved_at: Option<String> = r.opt(17)?;
    let status = status(&source, resolved_at.is_some());
    let mut out = ChangeRow {
        id: r.get(0)?,
        event_id: r.opt(2)?,
        event_name: r.opt(3)?,
        kind: r.get(4)?,
        rtype: r.get(5)?,
        resource_id: r.get(6)?,
        region: r.get(7)?,
        account: r.get(8)?,
        address: r.opt(9)?,
        attribute: r.opt(10)?,
        declared: json(11)?,
        actual: json(12)?,
        actor: r.opt(13)?,
        time: r.get(14)?,
        first_seen: r.get(15)?,
        last_seen: r.get(16)?,
        status: status.to_owned(),
        resolved_at,
        source,
        score: r.opt::<f64>(18)?.map(super::lifecycle::round3),
        anomalous: r.get(19)?,
        reasons: serde_json::from_str(r.get::<&str>(20)?).unwrap_or_default(),
        acked_at: r.opt(21)?,
        expected: r.opt(22)?,
        impact: None,
        severity: Severity::Low,
        impact_reasons: Vec::new(),
        live: json(23)?,
        workspace: r.opt(24)?,
    };
    out.assess();
    Ok(out)
}

/// `open`, `resolved` (scan changes) or `recorded` (CloudTrail events).
fn status(source: &str, resolved: bool) -> &'static str {
    match (source, resolved) {
        ("cloudtrail", _) => "recorded",
        (_, true) => "resolved",
        _ => "open",
    }
}

/// What a report's filters look at in a change: enough to count without reading it whole.
#[derive(Debug, Clone, Copy)]
pub struct Facets<'a> {
    pub rtype: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub workspace: Option<&'a str>,
    pub anomalous: bool,
    pub status: &'a str,
}

impl ChangeRow {
    /// What the change is, in a few words: the event's name, `drifted ingress`, or a drift with
    /// the event that explains it, `drifted ingress (AuthorizeSecurityGroupIngress)`.
    pub fn label(&self) -> String {
        let kind = match &self.attribute {
            Some(a) => format!("{} {a}", self.kind),
            None => self.kind.clone(),
        };
        match (&self.event_name, self.source.as_str()) {
            (Some(e), "cloudtrail") => e.clone(),
            (Some(e), _) => format!("{kind} ({e})"),
            (None, _) => kind,
        }
    }

    /// Sets `impact`, `impact_reasons` and `severity` from the values and the score.
    pub fn assess(&mut self) {
        let i = crate::impact::assess(&crate::impact::Subject {
            rtype: &self.rtype,
            id: &self.resource_id,
            kind: &self.kind,
            attribute: self.attribute.as_deref(),
            before: self.declared.as_ref(),
            after: self.actual.as_ref(),
        });
        self.impact = i.severity;
        self.impact_reasons = i.reasons;
        self.severity = crate::impact::combine(i.severity, self.anomalous);
    }

    pub fn facets(&self) -> Facets<'_> {
        Facets {
            rtype: &self.rtype,
            region: &self.region,
            account: &self.account,
            workspace: self.workspace.as_deref(),
            anomalous: self.anomalous,
            status: &self.status,
        }
    }
}

/// Reads that walk a large part of the history (a report streaming a busy month) map the file
/// rather than copy it page by page through `pread` (a tenth of such a report's time). Only
/// the history's readers ask for it, so writes keep SQLite's ordinary I/O and its errors.
fn map_for_reading(db: &Db) -> Result<()> {
    if let Some(conn) = db.sqlite_conn() {
        conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
    }
    Ok(())
}

/// The facets of every change in the window, oldest first.
pub(super) fn each_facets(db: &Db, w: &Window, mut each: impl FnMut(Facets)) -> Result<()> {
    map_for_reading(db)?;
    let (since, until) = bounds(w);
    db.each(
        "SELECT type, region, account, anomalous, source, CASE WHEN resolved_at IS NULL THEN 0 ELSE 1 END, workspace
           FROM changes
          WHERE time >= ?1 AND time < ?2",
        args![since, until],
        |r| {
            each(Facets {
                rtype: r.get(0)?,
                region: r.get(1)?,
                account: r.get(2)?,
                workspace: r.opt(6)?,
                anomalous: r.get(3)?,
                status: status(r.get(4)?, r.get(5)?),
            });
            Ok(())
        },
    )
}

/// Every change in the window, oldest first, one at a time: a report streams a month of a busy
/// history without holding it.
pub(super) fn each(db: &Db, w: &Window, mut each: impl FnMut(ChangeRow) -> Result<()>) -> Result<()> {
    map_for_reading(db)?;
    let (since, until) = bounds(w);
    db.each(
        &format!("SELECT {COLUMNS} FROM changes WHERE time >= ?1 AND time < ?2 ORDER BY time, id"),
        args![since, until],
        |r| each(row(r)?),
    )
}

fn bounds(w: &Window) -> (String, String) {
    (w.since.map(rfc3339).unwrap_or_default(), w.until.map(rfc3339).unwrap_or_else(|| "9999".into()))
}

/// Every change whose time falls in the window, oldest first.
pub(super) fn list(db: &Db, w: &Window) -> Result<Vec<ChangeRow>> {
    let (since, until) = bounds(w);
    // Counted first (from the index alone) so the list is allocated once: grown by doubling, a
    // month of a busy history was copied a dozen times, a third of `report`'s time.
    let n: i64 = db.one("SELECT count(*) FROM changes WHERE time >= ?1 AND time < ?2", args![since, until])?;
    let mut rows = Vec::with_capacity(n as usize);
    each(db, w, |r| {
        rows.push(r);
        Ok(())
    })?;
    Ok(rows)
}

/// One change by id.
pub(super) fn get(db: &Db, id: i64) -> Result<Option<ChangeRow>> {
    db.row(&format!("SELECT {COLUMNS} FROM changes WHERE id = ?1"), args![id], row)
}

/// The CloudTrail events recorded on `resource_id` at `time`: those that may explain a drift
/// that took that time from its event (see `crate::items`).
pub(super) fn events_at(db: &Db, resource_id: &str, time: &str) -> Result<Vec<ChangeRow>> {
    db.query(
        &format!(
            "SELECT {COLUMNS} FROM changes WHERE source = 'cloudtrail' AND resource_id = ?1 AND time = ?2 ORDER BY id"
        ),
        args![resource_id, time],
        row,
    )
}

/// Marks a change reviewed; `expected` also teaches the model that such a change is normal.
/// Acknowledging the same change as expected twice teaches it once.
pub(super) fn ack(tx: &Db, id: i64, expected: bool, now: DateTime<Utc>, cfg: &scoring::Config) -> Result<ChangeRow> {
    let Some(before) = get(tx, id)? else { bail!("no change with id {id} in the history") };
    tx.execute(
        "UPDATE changes SET acked_at = ?1, expected = CASE WHEN ?2 THEN 1 ELSE coalesce(expected, 0) END WHERE id = ?3",
        args![rfc3339(now), expected, id],
    )?;
    if expected && before.expected != Some(true) {
        let time = DateTime::parse_from_rfc3339(&before.time).map(|t| t.with_timezone(&Utc)).unwrap_or(now);
        let obs = Observation {
            time,
            account: before.account.clone(),
            region: before.region.clone(),
            rtype: before.rtype.clone(),
            resource_id: before.resource_id.clone(),
            actor: before.actor.clone(),
        };
        with_store(tx, cfg, |store| scoring::learn(store, &obs, scoring::EXPECTED_WEIGHT, cfg))?;
    }
    Ok(get(tx, id)?.expect("the row just updated"))
}
