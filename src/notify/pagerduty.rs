//! PagerDuty's Events API v2: one event per alert (a group of changes), `trigger` when it is
//! told, then `acknowledge` on `driftscan ack` and `resolve` when a later scan no longer finds
//! it, all under the same `dedup_key`, so PagerDuty pages once per alert and closes what it
//! opened. The routing key is a secret: it is only ever put in the body, and redacted from
//! every error by the sink.

use serde_json::{json, Value};

use super::group::Group;
use crate::history::Action;

/// PagerDuty truncates a summary at 1,024 characters; cut it first, on a character boundary.
const MAX_SUMMARY: usize = 1024;

/// The severity PagerDuty shows, from the lead change: `critical` for a very unusual change,
/// `error` for an anomalous one, `warning` for one that scored some surprise, else `info`.
/// When the risk scoring gives changes a severity, this is where it replaces the score.
pub fn severity(g: &Group) -> &'static str {
    let lead = g.lead();
    match (lead.anomalous, lead.score.unwrap_or(0.0)) {
        (true, s) if s >= 0.9 => "critical",
        (true, _) => "error",
        (false, s) if s >= 0.25 => "warning",
        _ => "info",
    }
}

/// The event for `action` on alert `g`, keyed `dedup_key`.
pub fn event(routing_key: &str, action: Action, g: &Group, dedup_key: &str) -> Value {
    let mut e = json!({
        "routing_key": routing_key,
        "event_action": action.as_str(),
        "dedup_key": dedup_key,
    });
    if action == Action::Trigger {
        let lead = g.lead();
        let what = match (&lead.event_name, &lead.attribute) {
            (Some(ev), _) => format!("{ev} on {} {}", lead.rtype, lead.resource_id),
            (None, Some(a)) => format!("{} {} {}: {a}", lead.kind, lead.rtype, lead.resource_id),
            (None, None) => format!("{} {} {}", lead.kind, lead.rtype, lead.resource_id),
        };
        let summary = if g.members.len() > 1 {
            format!("driftscan: {} ({}; most unusual: {what})", g.describe(), g.members.len())
        } else {
            format!("driftscan: {what} in {} (score {:.2})", lead.region, lead.score.unwrap_or(0.0))
        };
        let account = if lead.account.is_empty() { "unknown account" } else { &lead.account };
        e["payload"] = json!({
            "summary": summary.chars().take(MAX_SUMMARY).collect::<String>(),
            "source": format!("aws {account} {}", lead.region),
            "severity": severity(g),
            "timestamp": lead.time,
            "component": lead.resource_id,
            "group": lead.rtype,
            "class": lead.kind,
            "custom_details": {
                "size": g.members.len(),
                "cause": g.describe(),
                "most_unusual": lead.id,
                "actor": lead.actor,
                "reasons": lead.reasons,
                "members": g.members.iter().map(|m| json!({
                    "id": m.id, "type": m.rtype, "resource_id": m.resource_id, "region": m.region,
                    "address": m.address, "attribute": m.attribute, "score": m.score,
                })).collect::<Vec<_>>(),
            },
        });
        e["client"] = json!("driftscan");
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::tests::row;

    #[test]
    fn trigger_carries_severity_and_details_and_follow_ups_only_the_key() {
        let g = Group::single(row(7, "2026-12-06T03:14:00Z", "drifted", true, "open"));
        let t = event("R0UTINGKEY", Action::Trigger, &g, &g.key());
        assert_eq!(t["event_action"], "trigger");
        assert_eq!(t["dedup_key"], "driftscan-change-7");
        assert!(["critical", "error"].contains(&t["payload"]["severity"].as_str().unwrap()));
        assert_eq!(t["payload"]["custom_details"]["size"], 1);
        let r = event("R0UTINGKEY", Action::Resolve, &g, "driftscan-change-7");
        assert_eq!(r.as_object().unwrap().len(), 3, "a resolve names only the alert: {r}");
        assert_eq!(r["event_action"], "resolve");
    }
}
