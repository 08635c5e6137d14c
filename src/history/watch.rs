//! What `driftscan watch` records for one CloudTrail event: the event itself (as `learn` records
//! it) and, in the same transaction, the lifecycle of the drift a targeted re-read of the
//! resources it changed found. A scan resolves what it no longer finds among everything it
//! listed; a re-read resolves only among the resources it looked at.

use std::collections::HashSet;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::db::args;
use super::{events, lifecycle, queue_learned, queue_report, History, LearnOutcome};
use crate::cloudtrail::Loaded;
use crate::diff::Coverage;
use crate::report::{Report, Status};
use crate::scoring;

/// A targeted re-read of the resources one event changed, compared with their declarations.
#[derive(Debug)]
pub struct Reread {
    /// The changes about the looked-at resources only; `scan.states` and `scan.workspace` say
    /// which declarations they were compared with. No scan row is written for it.
    pub report: Report,
    /// What the re-read listed: a change is resolved only where its type and region were.
    pub coverage: Coverage,
    /// The ids of the resources looked at.
    pub targets: HashSet<String>,
}

/// What one event's transaction recorded.
#[derive(Debug, Default)]
pub struct WatchOutcome {
    pub learned: LearnOutcome,
    /// Drifts the re-read opened, moved, and resolved.
    pub opened: usize,
    pub updated: usize,
    pub resolved: usize,
}

impl History {
    /// Whether CloudTrail event `event_id` is recorded already: a message delivered again
    /// needs no re-read.
    pub fn has_event(&self, event_id: &str) -> Result<bool> {
        let found: Option<i64> =
            self.db.row("SELECT id FROM changes WHERE event_id = ?1 LIMIT 1", args![event_id], |r| r.get(0))?;
        Ok(found.is_some())
    }

    /// Records `loaded`'s events and the drift lifecycle of each re-read (one per workspace the
    /// event was routed to), in one transaction, with what they open or move queued for the
    /// sinks: a message is deleted only once every workspace it went to has committed. The
    /// events go first, so the drift takes its actor, time and score from the event that
    /// explains it, and a sink told of the event is not told of the drift again.
    pub fn record_event(
        &mut self,
        loaded: &Loaded,
        rereads: &mut [Reread],
        scoring: &scoring::Config,
        now: DateTime<Utc>,
    ) -> Result<WatchOutcome> {
        let queue = self.queue.clone();
        self.in_transaction(|tx| {
            tx.turn("cloudtrail")?;
            for r in rereads.iter() {
                tx.turn(&format!("workspace {}", r.report.scan.workspace.as_deref().unwrap_or("")))?;
            }
            let learned = events::record(tx, loaded, now, scoring)?;
            if let Some(q) = &queue {
                queue_learned(q, tx, &learned, now)?;
            }
            let mut out = WatchOutcome { learned, ..Default::default() };
            for r in rereads.iter_mut() {
                let workspace = r.report.scan.workspace.clone();
                let ctx = lifecycle::ScanContext {
                    scan_id: None,
                    now,
                    // No previous scan bounds the look-back: the event just recorded explains it.
                    since: None,
                    coverage: &r.coverage,
                    scoring,
                    workspace: workspace.as_deref(),
                    only: Some(&r.targets),
                };
                lifecycle::apply(tx, &ctx, &mut r.report)?;
                if let Some(q) = &queue {
                    queue_report(q, tx, &r.report, now)?;
                }
                out.opened += r.report.summary.opened;
                out.updated += r.report.changes.iter().filter(|c| c.status == Some(Status::Updated)).count();
                out.resolved += r.report.resolved.len();
            }
            super::hold_for_tests();
            Ok(out)
        })
    }
}

impl History {
    /// Notifications sent, and waiting to be (pending or failed), over every sink.
    pub fn notification_counts(&self) -> Result<(u64, u64)> {
        let counts = self.db.row(
            "SELECT count(CASE WHEN status = 'sent' THEN 1 END), count(CASE WHEN status IN ('pending', 'failed') THEN 1 END)
               FROM notifications",
            &[],
            |r| Ok((r.get::<i64>(0)? as u64, r.get::<i64>(1)? as u64)),
        )?;
        Ok(counts.unwrap_or((0, 0)))
    }
}
