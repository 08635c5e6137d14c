//! What the drift and the planned changes of a check do: the impact rules (`crate::impact`)
//! applied to each attribute's before and after values, and the severity that `--fail-on
//! severity:LEVEL` and the SARIF levels read.

use serde::Serialize;

use super::report::{CheckReport, Drift, Planned};
use crate::impact::{self, Severity, Subject};
use crate::plan::{Action, AttrChange};

/// A change's impact and severity, as the scan's JSON spells them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Risk {
    /// The highest severity the impact rules gave; `null` when none matched.
    pub impact: Option<Severity>,
    /// Impact and score in one level (`crate::impact::severity`).
    pub severity: Severity,
    pub impact_reasons: Vec<String>,
}

impl Risk {
    /// The risk of one resource's attribute changes; `kind` is `drifted` or `deleted`.
    fn of(rtype: &str, id: &str, kind: &str, attributes: &[AttrChange], anomalous: bool) -> Risk {
        let subjects: Vec<Subject> = if attributes.is_empty() {
            vec![Subject { rtype, id, kind, attribute: None, before: None, after: None }]
        } else {
            attributes
                .iter()
                // A value hidden or not yet known says nothing about what the change does.
                .filter(|a| !a.sensitive && !a.unknown)
                .map(|a| Subject {
                    rtype,
                    id,
                    kind,
                    attribute: Some(&a.name),
                    before: Some(&a.before),
                    after: Some(&a.after),
                })
                .collect()
        };
        let mut out = Risk::default();
        for s in &subjects {
            let i = impact::assess(s);
            out.impact = out.impact.max(i.severity);
            out.impact_reasons.extend(i.reasons);
        }
        out.severity = impact::combine(out.impact, anomalous);
        out
    }
}

/// Fills in the risk of every drift and planned change.
pub fn assess(r: &mut CheckReport) {
    for d in &mut r.drift {
        d.risk = drift(d);
    }
    for p in &mut r.planned {
        p.risk = planned(p);
    }
}

fn drift(d: &Drift) -> Risk {
    let kind = if d.action == Action::Delete { "deleted" } else { "drifted" };
    Risk::of(&d.rtype, d.id.as_deref().unwrap_or(""), kind, &d.attributes, false)
}

/// A planned change is read as the change it makes; a planned deletion is Terraform's own, so
/// the out-of-band deletion rules do not apply to it.
fn planned(p: &Planned) -> Risk {
    let kind = if p.action == Action::Delete { "planned_delete" } else { "drifted" };
    Risk::of(&p.rtype, p.id.as_deref().unwrap_or(""), kind, &p.attributes, p.is_anomalous())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attr(name: &str, before: serde_json::Value, after: serde_json::Value) -> AttrChange {
        AttrChange {
            name: name.into(),
            before,
            after,
            sensitive: false,
            unknown: false,
            forces_replacement: false,
            relevant: None,
        }
    }

    #[test]
    fn a_planned_rule_in_terraform_shape_opening_ssh_is_high() {
        // A plan holds ingress blocks as Terraform writes them, not as the scan's canonical rules.
        let ingress = |cidrs: serde_json::Value| {
            json!([{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": cidrs, "ipv6_cidr_blocks": [],
                    "prefix_list_ids": [], "security_groups": [], "self": false, "description": ""}])
        };
        let a = attr("ingress", ingress(json!(["10.0.0.0/8"])), ingress(json!(["10.0.0.0/8", "0.0.0.0/0"])));
        let r = Risk::of("aws_security_group", "sg-1", "drifted", &[a], false);
        assert_eq!((r.impact, r.severity), (Some(Severity::High), Severity::High));
        assert!(r.impact_reasons[0].contains("SSH (22)"), "{:?}", r.impact_reasons);
        let tags = attr("tags", json!({"a": "1"}), json!({"a": "2"}));
        assert_eq!(
            Risk::of("aws_instance", "i-1", "drifted", std::slice::from_ref(&tags), true).severity,
            Severity::Medium
        );
        let secret = AttrChange { sensitive: true, ..tags };
        assert_eq!(Risk::of("aws_instance", "i-1", "drifted", &[secret], false), Risk::default());
        assert_eq!(Risk::of("aws_kms_key", "k", "deleted", &[], false).severity, Severity::Critical);
        assert_eq!(Risk::of("aws_kms_key", "k", "planned_delete", &[], false).impact, None);
    }
}
