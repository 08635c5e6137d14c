//! CloudTrail write events into the history: each one a change, scored against the history
//! before it, then learned; and linked to the open drift it explains.

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::counters::with_store;
use super::db::{args, Db};
use super::lifecycle::round3;
use super::rfc3339;
use crate::cloudtrail::Loaded;
use crate::scoring::{self, Observation};

/// What one `learn` run recorded.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LearnOutcome {
    /// Changes recorded: one per (event, resource).
    pub added: usize,
    /// (event, resource) pairs already in the history from an earlier run.
    pub already_recorded: usize,
    /// Of `added`, those scoring flags as unusual.
    pub anomalous: usize,
    /// Open drifts that an event now explains (who changed it, and when).
    pub linked: usize,
    /// The recorded changes, in time order.
    pub changes: Vec<LearnedChange>,
}

/// One recorded CloudTrail change.
#[derive(Debug, Clone, Serialize)]
pub struct LearnedChange {
    pub id: i64,
    pub event_id: String,
    pub event_name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub resource_id: String,
    pub region: String,
    pub account: String,
    pub actor: Option<String>,
    pub time: String,
    pub score: f64,
    pub anomalous: bool,
    pub reasons: Vec<String>,
}

/// Records `loaded`'s events (already in time order) in one transaction.
pub(super) fn record(tx: &Db, loaded: &Loaded, now: DateTime<Utc>, cfg: &scoring::Config) -> Result<LearnOutcome> {
    // One counter store for the file's events: they share most keys (see `counters`).
    let out = with_store(tx, cfg, |store| -> Result<LearnOutcome> {
        let mut out = LearnOutcome::default();
        for ev in &loaded.events {
            // Events from the future of the run's clock (`--now` in a backfill) wait for their time.
            if ev.time > now {
                continue;
            }
            let time = rfc3339(ev.time);
            for r in &ev.resources {
                let known: Option<i64> = tx.row(
                    "SELECT id FROM changes WHERE event_id = ?1 AND resource_id = ?2",
                    args![ev.event_id, r.id],
                    |row| row.get(0),
                )?;
                if known.is_some() {
                    out.already_recorded += 1;
                    continue;
                }
                let obs = Observation {
                    time: ev.time,
                    account: ev.account.clone(),
                    region: ev.region.clone(),
                    rtype: r.rtype.clone(),
                    resource_id: r.id.clone(),
                    actor: ev.actor.clone(),
                };
                let s = scoring::record(store, &obs, cfg)?;
                let id: i64 = tx.one(
                "INSERT INTO changes (source, kind, type, resource_id, region, account, event_id, event_name, actor,
                                      source_ip, user_agent, changed_at, time, first_seen, last_seen, score,
                                      anomalous, reasons)
                 VALUES ('cloudtrail', 'event', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?10, ?10, ?11, ?12, ?13)
                 RETURNING id",
                args![
                r.rtype,
                r.id,
                ev.region,
                ev.account,
                ev.event_id,
                ev.event_name,
                ev.actor,
                ev.source_ip,
                ev.user_agent,
                time,
                s.score,
                s.anomalous,
                serde_json::to_string(&s.reasons)?,
            ])?;
                // A drift already open on this resource, first seen after this event and with nothing
                // later explaining it, was this event's doing. Tag events explain tag drift only, and
                // other writes everything but tags.
                let tags = matches!(ev.event_name.as_str(), "CreateTags" | "DeleteTags");
                out.linked += tx.execute(
                    "UPDATE changes SET actor = ?1, changed_at = ?2, time = ?2
                      WHERE source = 'scan' AND resolved_at IS NULL AND resource_id = ?3
                        AND first_seen >= ?2 AND (since IS NULL OR since < ?2)
                        AND (changed_at IS NULL OR changed_at < ?2)
                        AND (attribute IS NULL OR (attribute = 'tags') = ?4)",
                    args![ev.actor, time, r.id, tags],
                )?;
                out.added += 1;
                out.anomalous += usize::from(s.anomalous);
                out.changes.push(LearnedChange {
                    id,
                    event_id: ev.event_id.clone(),
                    event_name: ev.event_name.clone(),
                    rtype: r.rtype.clone(),
                    resource_id: r.id.clone(),
                    region: ev.region.clone(),
                    account: ev.account.clone(),
                    actor: ev.actor.clone(),
                    time: time.clone(),
                    score: round3(s.score),
                    anomalous: s.anomalous,
                    reasons: s.reasons,
                });
            }
        }
        Ok(out)
    })?;
    let skipped: Vec<String> = loaded.skipped.iter().map(ToString::to_string).collect();
    tx.execute(
        "INSERT INTO learn_runs (ran_at, files, records, added, duplicates, skipped) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![
            rfc3339(now),
            loaded.files,
            loaded.records,
            out.added,
            out.already_recorded + loaded.duplicates,
            serde_json::to_string(&skipped)?
        ],
    )?;
    Ok(out)
}
