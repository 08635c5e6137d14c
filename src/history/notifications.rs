//! Notification bookkeeping: which changes were told to a channel (Slack), which wait to be.
//!
//! A change is queued by the run that recorded it, and stays queued until a message containing it
//! was accepted; so a failed delivery is retried by the next run and a change is told once. See
//! `migrations/0003_notifications.sql`.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use super::query::{self, ChangeRow};
use super::{rfc3339, History};

/// A change waiting to be told, with how many requests were already spent on it.
#[derive(Debug, Clone)]
pub struct Pending {
    pub change: ChangeRow,
    pub attempts: i64,
}

/// How one delivery went, for the changes it carried.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The webhook accepted the message.
    pub sent: bool,
    /// HTTP requests made, retries included.
    pub attempts: u32,
    /// Why it failed; must already be free of the webhook address.
    pub error: Option<String>,
}

/// Where a run's changes are queued, and which: see [`History::queueing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queue {
    pub channel: &'static str,
    /// Only changes scored anomalous; else every change the run recorded.
    pub anomalous_only: bool,
}

impl Queue {
    pub(super) fn wants(self, anomalous: bool) -> bool {
        anomalous || !self.anomalous_only
    }
}

/// Queues changes `ids` for `channel`, each at its current revision, unless already queued or
/// told. A drift whose CloudTrail event was already queued is marked `covered`: one message for
/// one change. Returns how many were newly queued.
pub(super) fn queue(tx: &Transaction, channel: &str, ids: &[i64], now: DateTime<Utc>) -> Result<usize> {
    let mut queued = 0;
    for &id in ids {
        // The event that explains a drift has the drift's resource and changed_at as its time.
        let told_event: Option<i64> = tx
            .query_row(
                "SELECT e.id FROM changes c
                   JOIN changes e ON e.source = 'cloudtrail' AND e.resource_id = c.resource_id AND e.time = c.changed_at
                   JOIN notifications n ON n.change_id = e.id AND n.channel = ?1
                  WHERE c.id = ?2 AND c.source = 'scan' LIMIT 1",
                params![channel, id],
                |r| r.get(0),
            )
            .optional()?;
        let status = if told_event.is_some() { "covered" } else { "pending" };
        queued += tx.execute(
            "INSERT OR IGNORE INTO notifications (channel, change_id, revision, status, queued_at, error)
             SELECT ?1, id, coalesce(updated_at, first_seen), ?3, ?4, ?5 FROM changes WHERE id = ?2",
            params![channel, id, status, rfc3339(now), told_event.map(|e| format!("told with CloudTrail change {e}"))],
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

    /// The changes queued for `channel` and not yet told (this run's and earlier failures),
    /// oldest first, each once.
    pub fn pending_notifications(&self, channel: &str) -> Result<Vec<Pending>> {
        let mut stmt = self.conn.prepare(
            "SELECT n.change_id, sum(n.attempts) FROM notifications n JOIN changes c ON c.id = n.change_id
              WHERE n.channel = ?1 AND n.status IN ('pending', 'failed')
              GROUP BY n.change_id ORDER BY min(c.time), n.change_id",
        )?;
        let ids = stmt
            .query_map(params![channel], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for (id, attempts) in ids {
            if let Some(change) = query::get(&self.conn, id)? {
                out.push(Pending { change, attempts });
            }
        }
        Ok(out)
    }

    /// Records how the delivery of `ids` went: `sent`, or `failed` with the error, to be retried.
    pub fn mark_notified(&mut self, channel: &str, ids: &[i64], d: &Delivery, now: DateTime<Utc>) -> Result<()> {
        let tx = self.conn.transaction()?;
        let now = rfc3339(now);
        for &id in ids {
            tx.execute(
                "UPDATE notifications SET status = ?1, attempts = attempts + ?2, last_attempt_at = ?3,
                        sent_at = CASE WHEN ?1 = 'sent' THEN ?3 END, error = ?4
                  WHERE channel = ?5 AND change_id = ?6 AND status IN ('pending', 'failed')",
                params![if d.sent { "sent" } else { "failed" }, d.attempts, now, d.error, channel, id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(h: &History, id: i64, source: &str, resource: &str, time: &str, changed_at: Option<&str>) {
        h.conn
            .execute(
                "INSERT INTO changes (id, source, kind, type, resource_id, region, time, first_seen, last_seen, changed_at, anomalous)
                 VALUES (?1, ?2, 'drifted', 'aws_instance', ?3, 'us-east-1', ?4, ?4, ?4, ?5, 1)",
                params![id, source, resource, time, changed_at],
            )
            .unwrap();
    }

    #[test]
    fn queued_once_retried_until_sent_and_a_told_event_covers_its_drift() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open(&dir.path().join("h.db")).unwrap();
        let now = Utc::now();
        change(&h, 1, "cloudtrail", "i-1", "2026-01-01T03:00:00Z", Some("2026-01-01T03:00:00Z"));
        assert_eq!(h.queue_notifications("slack", &[1], now).unwrap(), 1);
        assert_eq!(h.queue_notifications("slack", &[1], now).unwrap(), 0, "queued once");

        let failed = Delivery { sent: false, attempts: 4, error: Some("HTTP 500".into()) };
        h.mark_notified("slack", &[1], &failed, now).unwrap();
        let pending = h.pending_notifications("slack").unwrap();
        assert_eq!((pending.len(), pending[0].attempts), (1, 4), "a failure waits for the next run");

        h.mark_notified("slack", &[1], &Delivery { sent: true, attempts: 1, error: None }, now).unwrap();
        assert!(h.pending_notifications("slack").unwrap().is_empty());

        // The scan then finds the drift that event explains: already told.
        change(&h, 2, "scan", "i-1", "2026-01-01T03:00:00Z", Some("2026-01-01T03:00:00Z"));
        assert_eq!(h.queue_notifications("slack", &[2], now).unwrap(), 0);
        let status: String =
            h.conn.query_row("SELECT status FROM notifications WHERE change_id = 2", [], |r| r.get(0)).unwrap();
        assert_eq!(status, "covered");
    }

    #[test]
    fn what_learn_records_is_queued_in_its_own_transaction_and_only_as_asked() {
        let mut loader = crate::cloudtrail::Loader::new();
        let trail = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cloudtrail/estate");
        loader.add_path(&trail).unwrap();
        let loaded = loader.finish();
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let cfg = crate::scoring::Config::default();
        let dir = tempfile::tempdir().unwrap();
        let learn = |name: &str, queue: Option<Queue>| {
            let mut h = History::open(&dir.path().join(name)).unwrap().queueing(queue);
            let outcome = h.learn(&loaded, now, &cfg).unwrap();
            // Read back through a second connection: what was queued is committed with the changes.
            drop(h);
            let h = History::open(&dir.path().join(name)).unwrap();
            (outcome, h.pending_notifications("slack").unwrap().len())
        };
        let (outcome, queued) = learn("all.db", Some(Queue { channel: "slack", anomalous_only: false }));
        assert!(outcome.added > 0);
        assert_eq!(queued, outcome.added);
        let (outcome, queued) = learn("anomalous.db", Some(Queue { channel: "slack", anomalous_only: true }));
        assert_eq!(queued, outcome.anomalous);
        assert_eq!(learn("none.db", None).1, 0);
    }
}
