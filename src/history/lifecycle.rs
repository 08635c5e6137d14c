//! A scan's changes against the open ones: opened, carried, updated, resolved; each new or moved
//! change scored against the history before it and then learned.
//!
//! A change's identity is (kind, type, resource id, attribute). A drift that CloudTrail explains
//! (an event on the same resource since the previous scan, read by `learn`) takes its actor, time
//! and score from that event, which was scored when it was recorded; it is not learned a second
//! time. Other changes are scored as of the scan, with no actor.

use std::collections::HashSet;

use super::counters::{with_store, SqlStore};
use super::db::{args, Db};
use super::rfc3339;
use crate::diff::Coverage;
use crate::report::{Change, Report, Resolved, Status};
use crate::scoring::{self, Observation};
use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

/// How far back a first scan looks for a CloudTrail event to explain a drift.
const FIRST_SCAN_LOOKBACK_DAYS: i64 = 30;

/// What the lifecycle needs to know about the scan being recorded.
pub(super) struct ScanContext<'a> {
    /// The scan recorded; `None` for a targeted re-read (`watch`), which is no scan.
    pub scan_id: Option<i64>,
    pub now: DateTime<Utc>,
    /// The previous scan's start, if any.
    pub since: Option<String>,
    pub coverage: &'a Coverage,
    pub scoring: &'a scoring::Config,
    /// The config workspace scanned (`None` without a config): only its changes are resolved.
    pub workspace: Option<&'a str>,
    /// The resource ids a targeted re-read looked at: only their changes are resolved. `None`
    /// for a scan, which looked at everything its coverage says.
    pub only: Option<&'a HashSet<String>>,
}

/// The stored side of an open change.
struct Open {
    id: i64,
    actual: Option<String>,
    first_seen: String,
    actor: Option<String>,
    changed_at: Option<String>,
    score: Option<f64>,
    anomalous: bool,
    reasons: String,
}

/// A score with where it came from.
struct Scored {
    score: f64,
    anomalous: bool,
    reasons: Vec<String>,
    actor: Option<String>,
    changed_at: Option<String>,
}

/// Applies `report`'s changes to the history and fills in their ids, status and scores.
pub(super) fn apply(tx: &Db, ctx: &ScanContext, report: &mut Report) -> Result<()> {
    let now = rfc3339(ctx.now);
    let mut seen: HashSet<i64> = HashSet::new();
    let (mut opened, mut anomalous) = (0, 0);

    // One counter store for the scan's changes: they share most keys (see `counters`).
    with_store(tx, ctx.scoring, |store| -> Result<()> {
        for c in report.changes.iter_mut() {
            let account = c.account.clone().unwrap_or_default();
            let account = account.as_str();
            let actual = c.actual.as_ref().map(|v| v.to_string());
            let live = c.live.as_ref().map(|v| v.to_string());
            let id = match find_open(tx, c)? {
                None => {
                    let s = score_new(tx, store, ctx, c, account, ctx.since.as_deref())?;
                    let id = insert(tx, ctx, c, account, &actual, &s)?;
                    fill(c, id, Status::Opened, now.clone(), &s);
                    opened += 1;
                    anomalous += usize::from(s.anomalous);
                    id
                }
                Some(o) if o.actual == actual => {
                    tx.execute(
                        "UPDATE changes SET last_seen = ?1, last_scan_id = coalesce(?2, last_scan_id), live = coalesce(?4, live) WHERE id = ?3",
                        args![now, ctx.scan_id, o.id, live],
                    )?;
                    let s = Scored {
                        score: o.score.unwrap_or(0.0),
                        anomalous: o.anomalous,
                        reasons: serde_json::from_str(&o.reasons).unwrap_or_default(),
                        actor: o.actor,
                        changed_at: o.changed_at,
                    };
                    fill(c, o.id, Status::Carried, o.first_seen, &s);
                    o.id
                }
                Some(o) => {
                    // The live value moved again: a new change to the same thing, scored as such.
                    let s = score_new(tx, store, ctx, c, account, Some(&o.first_seen))?;
                    tx.execute(
                    "UPDATE changes SET actual = ?1, updated_at = ?2, last_seen = ?2, last_scan_id = coalesce(?3, last_scan_id), score = ?4,
                            anomalous = ?5, reasons = ?6, actor = ?7, changed_at = ?8,
                            time = coalesce(?8, ?2), acked_at = NULL, expected = NULL, live = coalesce(?10, live)
                      WHERE id = ?9",
                    args![
                        actual,
                        now,
                        ctx.scan_id,
                        s.score,
                        s.anomalous,
                        serde_json::to_string(&s.reasons)?,
                        s.actor,
                        s.changed_at,
                        o.id,
                        live
                    ],
                )?;
                    fill(c, o.id, Status::Updated, o.first_seen, &s);
                    anomalous += usize::from(s.anomalous);
                    o.id
                }
            };
            seen.insert(id);
        }
        Ok(())
    })?;

    report.resolved = resolve(tx, ctx, &report.scan.states, &seen, &now)?;
    report.summary.opened = opened;
    report.summary.anomalous = anomalous;
    report.summary.resolved = report.resolved.len();
    tx.execute(
        "UPDATE scans SET opened = ?1, resolved = ?2, anomalous = ?3 WHERE id = ?4",
        args![opened, report.resolved.len(), anomalous, ctx.scan_id],
    )?;
    Ok(())
}

fn find_open(tx: &Db, c: &Change) -> Result<Option<Open>> {
    tx.row(
        "SELECT id, actual, first_seen, actor, changed_at, score, anomalous, reasons FROM changes
          WHERE source = 'scan' AND resolved_at IS NULL AND kind = ?1 AND type = ?2 AND resource_id = ?3
            AND coalesce(attribute, '') = coalesce(?4, '')",
        args![c.kind.as_str(), c.rtype, c.id, c.attribute],
        |r| {
            Ok(Open {
                id: r.get(0)?,
                actual: r.opt(1)?,
                first_seen: r.get(2)?,
                actor: r.opt(3)?,
                changed_at: r.opt(4)?,
                score: r.opt(5)?,
                anomalous: r.get(6)?,
                reasons: r.get(7)?,
            })
        },
    )
}

/// Scores a change this scan found new (or moved): from the CloudTrail event that explains it
/// when there is one after `after`, else as of the scan, learning it.
fn score_new(
    tx: &Db,
    store: &mut SqlStore,
    ctx: &ScanContext,
    c: &Change,
    account: &str,
    after: Option<&str>,
) -> Result<Scored> {
    let lookback = rfc3339(ctx.now - Duration::days(FIRST_SCAN_LOOKBACK_DAYS));
    let after = after.map_or(lookback, str::to_owned);
    if let Some(s) = linked_event(tx, &c.id, c.attribute.as_deref(), &after, &rfc3339(ctx.now))? {
        return Ok(s);
    }
    let obs = Observation {
        time: ctx.now,
        account: account.to_owned(),
        region: c.region.clone(),
        rtype: c.rtype.clone(),
        resource_id: c.id.clone(),
        actor: None,
    };
    let s = scoring::record(store, &obs, ctx.scoring)?;
    Ok(Scored { score: s.score, anomalous: s.anomalous, reasons: s.reasons, actor: None, changed_at: None })
}

/// The CloudTrail events on `resource_id` in (`after`, `until`] that can explain a change of
/// `attribute`: the latest names who and when; the most unusual gives the score.
fn linked_event(
    tx: &Db,
    resource_id: &str,
    attribute: Option<&str>,
    after: &str,
    until: &str,
) -> Result<Option<Scored>> {
    let rows = tx.query(
        "SELECT actor, time, score, anomalous, reasons FROM changes
          WHERE source = 'cloudtrail' AND resource_id = ?1 AND time > ?2 AND time <= ?3
            AND (CAST(?4 AS TEXT) IS NULL OR (event_name IN ('CreateTags', 'DeleteTags')) = (?4 = 'tags'))
          ORDER BY time DESC, id DESC",
        args![resource_id, after, until, attribute],
        |r| {
            Ok((
                r.opt::<String>(0)?,
                r.get::<String>(1)?,
                r.opt::<f64>(2)?.unwrap_or(0.0),
                r.get::<bool>(3)?,
                r.get::<String>(4)?,
            ))
        },
    )?;
    let mut out: Option<Scored> = None;
    for (actor, time, score, anomalous, reasons) in rows {
        match out.as_mut() {
            None => {
                let reasons = serde_json::from_str(&reasons).unwrap_or_default();
                out = Some(Scored { score, anomalous, reasons, actor, changed_at: Some(time) });
            }
            Some(s) if score > s.score => {
                s.score = score;
                s.anomalous = anomalous;
                s.reasons = serde_json::from_str(&reasons).unwrap_or_default();
            }
            Some(_) => {}
        }
    }
    Ok(out)
}

fn insert(tx: &Db, ctx: &ScanContext, c: &Change, account: &str, actual: &Option<String>, s: &Scored) -> Result<i64> {
    let now = rfc3339(ctx.now);
    tx.one(
        "INSERT INTO changes (source, kind, type, resource_id, region, account, address, state, attribute, declared,
                              actual, actor, changed_at, time, first_seen, last_seen, first_scan_id, last_scan_id,
                              since, score, anomalous, reasons, workspace, live)
         VALUES ('scan', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, coalesce(?12, ?13), ?13, ?13, ?14, ?14,
                 ?15, ?16, ?17, ?18, ?19, ?20) RETURNING id",
        args![
            c.kind.as_str(),
            c.rtype,
            c.id,
            c.region,
            account,
            c.address,
            c.state,
            c.attribute,
            c.declared.as_ref().map(|v| v.to_string()),
            actual,
            s.actor,
            s.changed_at,
            now,
            ctx.scan_id,
            ctx.since,
            s.score,
            s.anomalous,
            serde_json::to_string(&s.reasons)?,
            ctx.workspace,
            c.live.as_ref().map(|v| v.to_string()),
        ],
    )
}

fn fill(c: &mut Change, id: i64, status: Status, first_seen: String, s: &Scored) {
    c.change_id = Some(id);
    c.status = Some(status);
    c.first_seen = Some(first_seen);
    c.actor = s.actor.clone();
    c.changed_at = s.changed_at.clone();
    c.score = Some(round3(s.score));
    c.anomalous = Some(s.anomalous);
    c.reasons = s.reasons.clone();
}

/// Open changes this scan did not find, where it looked: a type and region it listed, and, for
/// a declared resource, the state that declares it. What it did not look at stays open.
fn resolve(tx: &Db, ctx: &ScanContext, states: &[String], seen: &HashSet<i64>, now: &str) -> Result<Vec<Resolved>> {
    let open = tx.query(
        "SELECT id, kind, type, resource_id, region, attribute, first_seen, state FROM changes
          WHERE source = 'scan' AND resolved_at IS NULL AND workspace IS NOT DISTINCT FROM ?1 ORDER BY id",
        args![ctx.workspace],
        |r| {
            Ok((
                Resolved {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    rtype: r.get(2)?,
                    resource_id: r.get(3)?,
                    region: r.get(4)?,
                    attribute: r.opt(5)?,
                    first_seen: r.get(6)?,
                },
                r.opt::<String>(7)?,
            ))
        },
    )?;
    let mut resolved = Vec::new();
    for (r, state) in open {
        let listed = ctx.coverage.scanned.contains(&crate::catalog::coverage_key(&r.rtype, &r.region));
        let state_read = state.as_ref().map_or(true, |s| states.contains(s));
        let looked_at = ctx.only.map_or(true, |ids| ids.contains(&r.resource_id));
        if !seen.contains(&r.id) && listed && state_read && looked_at {
            resolved.push(r);
        }
    }
    for r in &resolved {
        tx.execute("UPDATE changes SET resolved_at = ?1 WHERE id = ?2", args![now, r.id])?;
    }
    Ok(resolved)
}

pub(super) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
