//! PagerDuty's Events API v2: one event per alert (a group of changes), `trigger` when it is
//! told, then `acknowledge` on `driftscan ack` and `resolve` when a later scan no longer finds
//! it, all under the same `dedup_key`, so PagerDuty pages once per alert and closes what it
//! opened. The routing key is a secret: it is only ever put in the body, and redacted from
//! every error by the sink.

use serde_json::{json, Value};

use super::group::Group;
use crate::history::Action;
use crate::impact::Severity;

/// PagerDuty truncates a summary at 1,024 characters; cut it first, on a character boundary.
const MAX_SUMMARY: usize = 1024;

/// The severity PagerDuty shows, from the alert's (its most severe member's, see
/// `crate::impact::severity`): `critical` is critical, `high` is `error`, `medium` is
/// `warning`, `low` is `info`.
pub fn severity(g: &Group) -> &'static str {
    match g.severity() {
        Severity::Critical => "critical",
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "info",
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
        let shown = g.shown();
        let what = match (&shown.event_name, &shown.attribute, shown.source.as_str()) {
            (Some(ev), _, "cloudtrail") => format!("{ev} on {} {}", shown.rtype, shown.resource_id),
            (_, Some(a), _) => format!("{} {} {}: {a}", shown.kind, shown.rtype, shown.resource_id),
            (_, None, _) => format!("{} {} {}", shown.kind, shown.rtype, shown.resource_id),
        };
        let does = shown.impact_reasons.first().map(|r| format!(": {r}")).unwrap_or_default();
        let summary = if g.members.len() > 1 {
            format!("driftscan {}: {} ({}; most severe: {what}{does})", g.severity(), g.describe(), g.members.len())
        } else {
            format!(
                "driftscan {}: {what} in {} (score {:.2}){does}",
                g.severity(),
                shown.region,
                shown.score.unwrap_or(0.0)
            )
        };
        let account = if shown.account.is_empty() { "unknown account" } else { &shown.account };
        e["payload"] = json!({
            "summary": summary.chars().take(MAX_SUMMARY).collect::<String>(),
            "source": format!("aws {account} {}", shown.region),
            "severity": severity(g),
            "timestamp": shown.time,
            "component": shown.resource_id,
            "group": shown.rtype,
            "class": shown.kind,
            "custom_details": {
                "size": g.members.len(),
                "cause": g.describe(),
                "most_unusual": g.lead().id,
                "most_severe": shown.id,
                "severity": shown.severity,
                "impact": shown.impact,
                "impact_reasons": shown.impact_reasons,
                "actor": shown.actor,
                "event_name": shown.event_name,
                "reasons": shown.reasons,
                "members": g.members.iter().map(|m| json!({
                    "id": m.id, "type": m.rtype, "resource_id": m.resource_id, "region": m.region,
                    "address": m.address, "attribute": m.attribute, "score": m.score, "severity": m.severity,
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
        assert_eq!(t["payload"]["severity"], "warning", "an unusual harmless change is medium: {t}");
        assert_eq!(t["payload"]["custom_details"]["size"], 1);
        let r = event("R0UTINGKEY", Action::Resolve, &g, "driftscan-change-7");
        assert_eq!(r.as_object().unwrap().len(), 3, "a resolve names only the alert: {r}");
        assert_eq!(r["event_action"], "resolve");
    }

    #[test]
    fn severity_maps_critical_error_warning_info_from_the_change() {
        let ssh = crate::digest::tests::ssh_opened(8);
        let t = event("K", Action::Trigger, &Group::single(ssh.clone()), "k");
        assert_eq!(t["payload"]["severity"], "error", "high is error: {t}");
        let summary = t["payload"]["summary"].as_str().unwrap();
        assert!(summary.starts_with("driftscan high: drifted aws_security_group sg-8: ingress"), "{summary}");
        assert!(summary.ends_with("opens SSH (22) to the internet"), "{summary}");
        assert_eq!(t["payload"]["custom_details"]["impact"], "high");
        let mut unusual = ssh;
        unusual.anomalous = true;
        unusual.assess();
        let t = event("K", Action::Trigger, &Group::single(unusual), "k");
        assert_eq!(t["payload"]["severity"], "critical");
        let calm = row(9, "2026-12-06T11:00:00Z", "drifted", false, "open");
        assert_eq!(event("K", Action::Trigger, &Group::single(calm), "k")["payload"]["severity"], "info");
    }
}
