//! Notification bookkeeping: which changes were told to each sink (a channel: Slack, PagerDuty,
//! a webhook, Teams), which wait to be, and for sinks that follow the lifecycle, which resolves
//! and acknowledgements wait.
//!
//! A change is queued by the run that recorded it, per sink as the routes say, and stays queued
//! until a message containing it was accepted; so a failed delivery is retried by the next run
//! and a change is told once. See `migrations/0004_notifications.sql` and `0005_alerts.sql`.

use super::db::{args, Db};
use super::query::{self, ChangeRow};
use super::{rfc3339, History};
use crate::notify::route::{self, Facts, Route};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

/// A change waiting to be told, with how many requests were already spent on it.
#[derive(Debug, Clone)]
pub struct Pending {
    pub change: ChangeRow,
    pub attempts: i64,
    /// The revision queued: for a trigger when the change took its value, else when it was
    /// resolved or acknowledged.
    pub revision: String,
    /// For a resolve or acknowledge: the key its trigger was sent under.
    pub alert_key: Option<String>,
}

/// What a notification row asks a sink to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Tell the change (new, or its live value moved).
    Trigger,
    /// A later scan no longer finds it.
    Resolve,
    /// Someone reviewed it (`driftscan ack`).
    Acknowledge,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Trigger => "trigger",
            Action::Resolve => "resolve",
            Action::Acknowledge => "acknowledge",
        }
    }
}

/// How one delivery went, for the changes it carried.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The webhook accepted the message.
    pub sent: bool,
    /// HTTP requests made, retries included.
    pub attempts: u32,
    /// Why it failed; must already be free of the sink's address and keys.
    pub error: Option<String>,
    /// The key the sink knows the alert by (the group's), kept for its resolve and acknowledge.
    pub alert_key: Option<String>,
}

/// One sink's share of the queue: see [`Queue`].
#[derive(Debug, Clone, PartialEq)]
pub struct SinkQueue {
    /// The sink's name, the `channel` of its rows.
    pub name: String,
    /// Only changes scored anomalous; else every change the run recorded.
    pub anomalous_only: bool,
    /// Whether a drift whose live value moved again is told again (not to a pager: the
    /// incident is open already).
    pub updates: bool,
    /// Whether the sink follows the lifecycle: resolve and acknowledge are queued for it.
    pub lifecycle: bool,
}

/// Where a run's changes are queued, per sink, and by which routes: see [`History::queueing`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Queue {
    pub sinks: Vec<SinkQueue>,
    pub routes: Vec<Route>,
}

/// A change a run recorded or moved, as the queue needs it.
pub(super) struct Told {
    pub id: i64,
    pub anomalous: bool,
    /// The drift was open already and its live value moved.
    pub updated: bool,
}

impl Queue {
    /// Queues each of `told` for the sinks its route names (every sink without routes) that
    /// want it. Returns how many rows were newly queued.
    pub(super) fn changes(&self, tx: &Db, told: &[Told], now: DateTime<Utc>) -> Result<usize> {
        let mut queued = 0;
        for t in told {
            let f = facts(tx, t.id)?;
            let to = route::targets(&self.routes, &f);
            for s in &self.sinks {
                let routed = to.map_or(true, |names| names.contains(&s.name));
                if routed && (t.anomalous || !s.anomalous_only) && (!t.updated || s.updates) {
                    queued += queue(tx, &s.name, &[t.id], now)?;
                }
            }
        }
        Ok(queued)
    }

    /// Queues `action` (resolve, acknowledge) at `at` for each lifecycle sink that was given
    /// change `id`'s trigger: a sink never hears of the end of what it was never told. A drift
    /// told as its CloudTrail event (`covered`) ends the event's alert.
    pub(super) fn action(&self, tx: &Db, id: i64, action: Action, at: &str, now: DateTime<Utc>) -> Result<()> {
        for s in self.sinks.iter().filter(|s| s.lifecycle) {
            let Some(told) = told_as(tx, &s.name, id)? else { continue };
            tx.execute(
                "INSERT INTO notifications (channel, change_id, revision, action, status, queued_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5) ON CONFLICT DO NOTHING",
                args![s.name, told, at, action.as_str(), rfc3339(now)],
            )?;
        }
        Ok(())
    }
}

/// The change whose alert told `id` on `channel`: itself, the CloudTrail event it was covered
/// by, or `None` when it was never queued there.
fn told_as(tx: &Db, channel: &str, id: i64) -> Result<Option<i64>> {
    let status: Option<String> = tx.row(
        "SELECT status FROM notifications WHERE channel = ?1 AND change_id = ?2 AND action = 'trigger'
          ORDER BY status = 'covered' LIMIT 1",
        args![channel, id],
        |r| r.get(0),
    )?;
    match status.as_deref() {
        None => Ok(None),
        Some("covered") => Ok(told_event(tx, channel, id, false)?.or(told_drift(tx, channel, id)?)),
        Some(_) => Ok(Some(id)),
    }
}

/// The CloudTrail change queued on `channel` that explains scan change `id` (with `sent`, only
/// one whose trigger was accepted): the event has the drift's resource, and its time is the
/// drift's `changed_at`.
fn told_event(tx: &Db, channel: &str, id: i64, sent: bool) -> Result<Option<i64>> {
    tx.row(
        "SELECT e.id FROM changes c
               JOIN changes e ON e.source = 'cloudtrail' AND e.resource_id = c.resource_id AND e.time = c.changed_at
               JOIN notifications n ON n.change_id = e.id AND n.channel = ?1 AND n.action = 'trigger'
              WHERE c.id = ?2 AND c.source = 'scan' AND (NOT ?3 OR n.status = 'sent') LIMIT 1",
        args![channel, id, sent],
        |r| r.get(0),
    )
}

/// The scan change queued on `channel` that CloudTrail change `id` explains: a drift told
/// before `learn` read the event that caused it (the event gave it its `changed_at`).
fn told_drift(tx: &Db, channel: &str, id: i64) -> Result<Option<i64>> {
    tx.row(
        "SELECT c.id FROM changes e
               JOIN changes c ON c.source = 'scan' AND c.resource_id = e.resource_id AND c.changed_at = e.time
               JOIN notifications n ON n.change_id = c.id AND n.channel = ?1 AND n.action = 'trigger'
                AND n.status != 'covered'
              WHERE e.id = ?2 AND e.source = 'cloudtrail' LIMIT 1",
        args![channel, id],
        |r| r.get(0),
    )
}

/// What routes look at, read back from the recorded change as a report reads it, so its
/// severity (impact of its values, then the score) is the one `min_severity` routes on and the
/// one the sinks' messages show.
fn facts(tx: &Db, id: i64) -> Result<Facts> {
    let c = query::get(tx, id)?.with_context(|| format!("change {id} is not in the history"))?;
    let workspace: String = tx.one("SELECT coalesce(workspace, '') FROM changes WHERE id = ?1", args![id])?;
    Ok(Facts {
        workspace,
        account: c.account,
        region: c.region,
        rtype: c.rtype,
        kind: c.kind,
        score: c.score.unwrap_or(0.0),
        severity: Some(c.severity.as_str().to_owned()),
    })
}

/// Queues changes `ids` for `channel`, each at its current revision, unless already queued or
/// told. One message for one change: a drift whose CloudTrail event was already told, or an
/// event whose drift was queued before `learn` read it, is marked `covered`. A drift whose
/// event waits in the queue too is queued, and the two are sent as one item (`notify`).
/// Returns how many were newly queued.
pub(super) fn queue(tx: &Db, channel: &str, ids: &[i64], now: DateTime<Utc>) -> Result<usize> {
    let mut queued = 0;
    for &id in ids {
        let by = match told_event(tx, channel, id, true)? {
            Some(e) => Some(format!("told with CloudTrail change {e}")),
            None => told_drift(tx, channel, id)?.map(|d| format!("told with the drift it explains, change {d}")),
        };
        let status = if by.is_some() { "covered" } else { "pending" };
        queued += tx.execute(
            "INSERT INTO notifications (channel, change_id, revision, status, queued_at, error)
             SELECT CAST(?1 AS TEXT), id, coalesce(updated_at, first_seen), CAST(?3 AS TEXT), CAST(?4 AS TEXT), CAST(?5 AS TEXT)
               FROM changes WHERE id = ?2 ON CONFLICT DO NOTHING",
            args![channel, id, status, rfc3339(now), by],
        )? * usize::from(status == "pending");
    }
    Ok(queued)
}

impl History {
    /// [`queue`] in a transaction of its own.
    #[cfg(test)]
    fn queue_notifications(&mut self, channel: &str, ids: &[i64], now: DateTime<Utc>) -> Result<usize> {
        self.in_transaction(|tx| queue(tx, channel, ids, now))
    }

    /// The rows of `action` queued for `channel` and not yet told (this run's and earlier
    /// failures), oldest change first, each change once.
    pub fn pending_notifications(&self, channel: &str, action: Action) -> Result<Vec<Pending>> {
        let rows = self.db.query(
            "SELECT n.change_id, sum(n.attempts), max(n.revision),
                    (SELECT t.alert_key FROM notifications t WHERE t.channel = ?1 AND t.change_id = n.change_id
                        AND t.action = 'trigger' AND t.alert_key IS NOT NULL ORDER BY t.revision DESC LIMIT 1)
               FROM notifications n JOIN changes c ON c.id = n.change_id
              WHERE n.channel = ?1 AND n.action = ?2 AND n.status IN ('pending', 'failed')
              GROUP BY n.change_id ORDER BY min(c.time), n.change_id",
            args![channel, action.as_str()],
            |r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?, r.get::<String>(2)?, r.opt::<String>(3)?)),
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, attempts, revision, alert_key) in rows {
            if let Some(change) = query::get(&self.db, id)? {
                out.push(Pending { change, attempts, revision, alert_key });
            }
        }
        Ok(out)
    }

    /// The CloudTrail events recorded on `resource_id` at `time` (see [`query::events_at`]).
    pub fn events_at(&self, resource_id: &str, time: &str) -> Result<Vec<ChangeRow>> {
        query::events_at(&self.db, resource_id, time)
    }

    /// How many changes sent to `channel` under `alert_key` a scan still finds: an alert for a
    /// group is resolved when the last of them is.
    pub fn alert_still_open(&self, channel: &str, alert_key: &str) -> Result<i64> {
        self.db.one(
            "SELECT count(DISTINCT n.change_id) FROM notifications n JOIN changes c ON c.id = n.change_id
              WHERE n.channel = ?1 AND n.alert_key = ?2 AND n.action = 'trigger'
                AND c.source = 'scan' AND c.resolved_at IS NULL",
            args![channel, alert_key],
        )
    }

    /// Records how the delivery of `action` for `ids` went: `sent`, or `failed` with the error,
    /// to be retried.
    pub fn mark_notified(
        &mut self,
        channel: &str,
        action: Action,
        ids: &[i64],
        d: &Delivery,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let now = rfc3339(now);
        self.in_transaction(|tx| {
            for &id in ids {
                tx.execute(
                    "UPDATE notifications SET status = ?1, attempts = attempts + ?2, last_attempt_at = ?3,
                        sent_at = CASE WHEN CAST(?1 AS TEXT) = 'sent' THEN ?3 END, error = ?4,
                        alert_key = coalesce(?7, alert_key)
                  WHERE channel = ?5 AND change_id = ?6 AND action = ?8 AND status IN ('pending', 'failed')",
                    args![
                        if d.sent { "sent" } else { "failed" },
                        d.attempts,
                        now,
                        d.error,
                        channel,
                        id,
                        d.alert_key,
                        action.as_str()
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// Marks `action` for `id` as needing no message of its own (`why`): a resolve of one member
    /// of a group whose alert stays open, an acknowledge of an alert acknowledged already.
    pub fn mark_covered(&mut self, channel: &str, action: Action, id: i64, why: &str) -> Result<()> {
        self.db.execute(
            "UPDATE notifications SET status = 'covered', error = ?4
              WHERE channel = ?1 AND change_id = ?2 AND action = ?3 AND status IN ('pending', 'failed')",
            args![channel, id, action.as_str(), why],
        )?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "notifications_tests.rs"]
mod tests;
