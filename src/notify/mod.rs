//! Telling people: after `scan` and `learn` have recorded their changes, one Slack message per run
//! with the changes worth a look.
//!
//! The history keeps what was told (`notifications`): a change is queued by the run that recorded
//! it, in the transaction that records it ([`Mode::queue`] says which), and leaves the queue only
//! when a message containing it was accepted. A delivery that fails
//! stays queued for the next run, so nothing is lost and nothing is told twice. Notifying never
//! fails the run: the caller turns an error into a warning.

pub mod slack;
pub mod webhook;

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::ValueEnum;

pub use webhook::{Posted, Retry, Webhook};

use crate::history::{rfc3339, ChangeRow, Delivery, History, Queue};

/// The channel name in the history's bookkeeping.
pub const CHANNEL: &str = "slack";

/// Which changes of a run are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Mode {
    /// Changes scored anomalous (at or above the scoring threshold).
    #[default]
    Anomalous,
    /// Every change the run recorded: each new drift, and each CloudTrail event for `learn`.
    All,
    /// Nothing.
    Off,
}

impl Mode {
    /// Where a run queues the changes this mode tells; `None` for `off`.
    pub fn queue(self) -> Option<Queue> {
        match self {
            Mode::Off => None,
            Mode::Anomalous | Mode::All => Some(Queue { channel: CHANNEL, anomalous_only: self == Mode::Anomalous }),
        }
    }
}

/// Where to tell, and how hard to try.
#[derive(Debug, Clone)]
pub struct Notifier {
    pub webhook: Webhook,
    pub retry: Retry,
}

/// What a notification step did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Changes in the message that was accepted.
    pub told: usize,
    /// Why the message was not delivered (redacted); the changes stay queued.
    pub failed: Option<String>,
}

impl Notifier {
    /// Sends every change still queued, in one message.
    pub fn send_pending(&self, history: &mut History, now: DateTime<Utc>) -> Result<Outcome> {
        let pending = history.pending_notifications(CHANNEL)?;
        if pending.is_empty() {
            return Ok(Outcome::default());
        }
        let changes: Vec<ChangeRow> = pending.into_iter().map(|p| p.change).collect();
        let ids: Vec<i64> = changes.iter().map(|c| c.id).collect();
        // A drift and the event that explains it are one line of the message (both are marked sent).
        let (changes, _) = crate::items::merge(changes);
        let anomalous = changes.iter().filter(|c| c.anomalous).count();
        let headline = headline(changes.len(), anomalous);
        let since = changes.iter().map(|c| c.time.as_str()).min().unwrap_or("7d");
        let see_more =
            format!("driftscan report --since {since}{}", if anomalous == changes.len() { " --anomalous" } else { "" });
        let body = slack::message(&headline, &changes, &see_more).to_string();
        let posted = self.webhook.post(&body, &self.retry);
        let delivery =
            Delivery { sent: posted.error.is_none(), attempts: posted.attempts, error: posted.error.clone() };
        history.mark_notified(CHANNEL, &ids, &delivery, now)?;
        Ok(match posted.error {
            None => Outcome { told: ids.len(), failed: None },
            Some(e) => Outcome { told: 0, failed: Some(e) },
        })
    }

    /// Sends a sample message, recording nothing: to check the webhook works.
    pub fn test_message(&self, now: DateTime<Utc>) -> Posted {
        let sample = ChangeRow {
            id: 0,
            source: "scan".into(),
            event_id: None,
            event_name: None,
            kind: "drifted".into(),
            rtype: "aws_security_group".into(),
            resource_id: "sg-0123456789abcdef0".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            address: Some("aws_security_group.web".into()),
            attribute: Some("description".into()),
            declared: Some(serde_json::json!("web servers")),
            actual: Some(serde_json::json!("web servers (edited in the console)")),
            actor: Some("arn:aws:iam::123456789012:user/example".into()),
            time: rfc3339(now),
            first_seen: rfc3339(now),
            last_seen: rfc3339(now),
            resolved_at: None,
            status: "open".into(),
            score: Some(0.93),
            anomalous: true,
            reasons: vec!["This is a test message from `driftscan notify --test`: the webhook works.".into()],
            acked_at: None,
            expected: None,
            impact: None,
            severity: crate::impact::Severity::Low,
            impact_reasons: Vec::new(),
        };
        let mut sample = sample;
        sample.assess();
        let body = slack::message("test message (sample change)", &[sample], "driftscan report --since 7d --anomalous");
        self.webhook.post(&body.to_string(), &self.retry)
    }
}

fn headline(n: usize, anomalous: usize) -> String {
    let s = |k: usize| if k == 1 { "" } else { "s" };
    if anomalous == n {
        format!("{n} anomalous change{}", s(n))
    } else {
        format!("{n} new change{} ({anomalous} anomalous)", s(n))
    }
}
