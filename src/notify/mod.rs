//! Telling people: after `scan`, `learn` and `ack` have recorded, each sink (Slack, PagerDuty, a
//! signed webhook, Teams; see `sink.rs`) gets what the routes give it, one alert per cause.
//!
//! The history keeps what was told (`notifications`): a change is queued per sink by the run that
//! recorded it, in the transaction that records it ([`sink::Sink::queue`] says which), and leaves
//! the queue only when a message containing it was accepted. A delivery that fails stays queued
//! for the next run, so nothing is lost and nothing is told twice. Sinks that follow the
//! lifecycle (PagerDuty, webhooks) also get `resolve` and `acknowledge`, queued the same way.
//! Notifying never fails the run: the caller turns an error into a warning.

pub mod group;
pub mod pagerduty;
pub mod route;
pub mod signed;
pub mod sink;
pub mod slack;
pub mod teams;
pub mod tell;
pub mod webhook;

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::ValueEnum;
use serde_json::Value;

pub use sink::{Sink, Unusable};
pub use webhook::{Posted, Retry, Webhook};

use crate::history::{rfc3339, Action, ChangeRow, Delivery, History};
use group::{Cause, Group};

/// The default Slack sink's name, and its channel in the history's bookkeeping.
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

/// Where to tell, and how hard to try.
#[derive(Debug, Clone)]
pub struct Notifier {
    pub sinks: Vec<Sink>,
    pub retry: Retry,
}

/// What a notification step did for one sink.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The sink, as messages name it.
    pub sink: String,
    /// Changes in the alerts that were accepted.
    pub told: usize,
    /// Why a message was not delivered (redacted); what it carried stays queued.
    pub failed: Option<String>,
}

impl Notifier {
    /// Sends what is queued, sink by sink; a sink that fails does not hold the others back.
    pub fn send_pending(&self, history: &mut History, now: DateTime<Utc>) -> Result<Vec<Outcome>> {
        let mut out = Vec::new();
        for s in &self.sinks {
            let mut o = Outcome { sink: s.label(), ..Default::default() };
            match self.send_sink(s, history, now, &mut o) {
                Ok(()) => out.push(o),
                Err(e) => {
                    o.failed = Some(s.redact(&crate::error::one_line(&e)));
                    out.push(o);
                }
            }
        }
        Ok(out)
    }

    fn send_sink(&self, s: &Sink, history: &mut History, now: DateTime<Utc>, o: &mut Outcome) -> Result<()> {
        let pending = history.pending_notifications(&s.name, Action::Trigger)?;
        if !pending.is_empty() {
            let (items, folded) = one_item_per_change(history, pending.into_iter().map(|p| p.change).collect())?;
            let groups = group::group(items);
            let ids = |g: &Group| -> Vec<i64> {
                g.members
                    .iter()
                    .flat_map(|m| std::iter::once(m.id).chain(folded.get(&m.id).into_iter().flatten().copied()))
                    .collect()
            };
            if s.batches() {
                let all: Vec<i64> = groups.iter().flat_map(ids).collect();
                let posted = s.post(&run_message(s, &groups), &self.retry);
                if !self.mark(history, s, Action::Trigger, &all, &posted, None, now)? {
                    o.failed = posted.error;
                    return Ok(());
                }
                o.told += all.len();
            } else {
                // One request per alert: a failure stops this sink for the run, the rest wait.
                for g in &groups {
                    let key = g.key();
                    let ids = ids(g);
                    let posted = s.post(&alert_body(s, Action::Trigger, g, &key, now), &self.retry);
                    if !self.mark(history, s, Action::Trigger, &ids, &posted, Some(key), now)? {
                        o.failed = posted.error;
                        return Ok(());
                    }
                    o.told += ids.len();
                }
            }
        }
        if !s.lifecycle() {
            return Ok(());
        }
        for action in [Action::Resolve, Action::Acknowledge] {
            // By the alert they were sent in; one whose trigger is not sent yet waits for it.
            let mut by_key: BTreeMap<String, Vec<ChangeRow>> = BTreeMap::new();
            for p in history.pending_notifications(&s.name, action)? {
                if let Some(k) = p.alert_key {
                    by_key.entry(k).or_default().push(p.change);
                }
            }
            for (key, members) in by_key {
                let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
                if action == Action::Resolve {
                    let open = history.alert_still_open(&s.name, &key)?;
                    if open > 0 {
                        let why = format!("alert {key} stays open: {open} of its changes are still found");
                        for id in ids {
                            history.mark_covered(&s.name, action, id, &why)?;
                        }
                        continue;
                    }
                }
                let g = Group { cause: Cause::Single, members, lead: 0 };
                let posted = s.post(&alert_body(s, action, &g, &key, now), &self.retry);
                if !self.mark(history, s, action, &ids, &posted, Some(key), now)? {
                    o.failed = posted.error;
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Records a delivery; returns whether it was accepted.
    #[allow(clippy::too_many_arguments)]
    fn mark(
        &self,
        history: &mut History,
        s: &Sink,
        action: Action,
        ids: &[i64],
        posted: &Posted,
        alert_key: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let sent = posted.error.is_none();
        let d = Delivery { sent, attempts: posted.attempts, error: posted.error.clone(), alert_key };
        history.mark_notified(&s.name, action, ids, &d, now)?;
        Ok(sent)
    }

    /// Sends a sample alert to `s`, recording nothing: to check the sink works. PagerDuty gets
    /// the trigger and at once its resolve, so the test leaves no incident open.
    pub fn test_message(&self, s: &Sink, now: DateTime<Utc>) -> Posted {
        let g = Group::single(sample(now));
        let key = format!("driftscan-test-{}", now.timestamp());
        if s.batches() {
            let (headline, see_more) = ("test message (sample change)", "driftscan report --since 7d --anomalous");
            let body = match s.kind {
                sink::Kind::Teams(_) => teams::message(headline, std::slice::from_ref(&g), see_more),
                _ => slack::message(headline, std::slice::from_ref(&g), see_more),
            };
            return s.post(&body, &self.retry);
        }
        let posted = s.post(&alert_body(s, Action::Trigger, &g, &key, now), &self.retry);
        if posted.error.is_some() || !matches!(s.kind, sink::Kind::PagerDuty { .. }) {
            return posted;
        }
        s.post(&alert_body(s, Action::Resolve, &g, &key, now), &self.retry)
    }
}

/// Per drift, the ids of the queued CloudTrail changes told in its alert.
type Folded = BTreeMap<i64, Vec<i64>>;

/// One item per change, as reports show them (`crate::items`): a drift and the CloudTrail event
/// that explains it are one item, the drift naming the event (its actor and time it has
/// already). The event may wait in this sink's queue too (it is then told in the drift's alert:
/// the map gives, per drift, the queued events folded into it), or be in the history only.
fn one_item_per_change(history: &History, pending: Vec<ChangeRow>) -> Result<(Vec<ChangeRow>, Folded)> {
    let queued: HashSet<i64> = pending.iter().map(|c| c.id).collect();
    let mut rows = pending;
    let mut known = queued.clone();
    for i in 0..rows.len() {
        if rows[i].source != "scan" || rows[i].actor.is_none() {
            continue;
        }
        for e in history.events_at(&rows[i].resource_id, &rows[i].time)? {
            if known.insert(e.id) {
                rows.push(e);
            }
        }
    }
    // (CloudTrail event id, resource) -> the queued row of that event.
    let events: HashMap<(String, String), i64> = rows
        .iter()
        .filter(|r| r.source == "cloudtrail" && queued.contains(&r.id))
        .filter_map(|r| Some(((r.event_id.clone()?, r.resource_id.clone()), r.id)))
        .collect();
    let (items, _) = crate::items::merge(rows);
    let listed: HashSet<i64> = items.iter().map(|i| i.id).collect();
    let items: Vec<ChangeRow> = items.into_iter().filter(|i| queued.contains(&i.id)).collect();
    let mut folded = Folded::new();
    for i in items.iter().filter(|i| i.source == "scan") {
        let Some(ev) = &i.event_id else { continue };
        if let Some(&e) = events.get(&(ev.clone(), i.resource_id.clone())).filter(|e| !listed.contains(e)) {
            folded.entry(i.id).or_default().push(e);
        }
    }
    Ok((items, folded))
}

/// The one message of a run for a chat sink (Slack, Teams).
fn run_message(s: &Sink, groups: &[Group]) -> Value {
    let changes: Vec<&ChangeRow> = groups.iter().flat_map(|g| &g.members).collect();
    let anomalous = changes.iter().filter(|c| c.anomalous).count();
    let mut headline = headline(changes.len(), anomalous);
    if groups.len() < changes.len() {
        let n = groups.len();
        headline.push_str(&format!(" in {n} alert{}", if n == 1 { "" } else { "s" }));
    }
    let since = changes.iter().map(|c| c.time.as_str()).min().unwrap_or("7d");
    let see_more =
        format!("driftscan report --since {since}{}", if anomalous == changes.len() { " --anomalous" } else { "" });
    match s.kind {
        sink::Kind::Teams(_) => teams::message(&headline, groups, &see_more),
        _ => slack::message(&headline, groups, &see_more),
    }
}

/// The body of one alert event for a sink that takes one request per alert.
fn alert_body(s: &Sink, action: Action, g: &Group, key: &str, now: DateTime<Utc>) -> Value {
    match &s.kind {
        sink::Kind::PagerDuty { routing_key, .. } => pagerduty::event(routing_key.expose(), action, g, key),
        _ => signed::body(action, g, key, &rfc3339(now)),
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

/// The change a test message shows.
fn sample(now: DateTime<Utc>) -> ChangeRow {
    ChangeRow {
        id: 0,
        source: "scan".into(),
        event_id: None,
        event_name: None,
        kind: "drifted".into(),
        rtype: "aws_security_group".into(),
        resource_id: "sg-0123456789abcdef0".into(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        workspace: None,
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
        reasons: vec!["This is a test message from `driftscan notify --test`: the sink works.".into()],
        acked_at: None,
        expected: None,
        impact: None,
        severity: crate::impact::Severity::Low,
        impact_reasons: Vec::new(),
        live: None,
    }
}
