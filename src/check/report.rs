//! The result of `check`, shaped as the stable `--format json` schema in the README, and the pure
//! steps that make it: clobbers from drift and planned changes, and the exit code `--fail-on` asks
//! for.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

pub use super::risk::Risk;
use crate::exit::Exit;
use crate::impact::Severity;
use crate::plan::{Action, AttrChange};

/// What fails the job. Each level also fails on what is worse: drift < clobber < anomaly.
/// `severity:LEVEL` stands apart: only a drift or planned change of that severity or more fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum FailOn {
    /// Nothing fails the job; the report is information.
    Never,
    /// Drift (seen by Terraform or the live scan), a clobber, or an anomalous planned change.
    Drift,
    /// A planned change that overwrites an out-of-band change, or an anomalous planned change.
    #[default]
    Clobber,
    /// Only an anomalous planned change.
    Anomaly,
    /// A drift or planned change of this severity or more (`severity:high`).
    Severity(Severity),
}

impl FailOn {
    pub fn as_text(self) -> String {
        match self {
            FailOn::Never => "never".into(),
            FailOn::Drift => "drift".into(),
            FailOn::Clobber => "clobber".into(),
            FailOn::Anomaly => "anomaly".into(),
            FailOn::Severity(s) => format!("severity:{s}"),
        }
    }
}

impl std::str::FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "never" => FailOn::Never,
            "drift" => FailOn::Drift,
            "clobber" => FailOn::Clobber,
            "anomaly" => FailOn::Anomaly,
            _ => FailOn::Severity(crate::exit::severity_form(s).ok_or_else(|| {
                format!("{s}: expected never, drift, clobber, anomaly or severity:LEVEL ({})", crate::exit::LEVELS)
            })?),
        })
    }
}

impl Serialize for FailOn {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_text())
    }
}

/// Where a drift was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Seen {
    /// The plan's `resource_drift`: Terraform saw it while refreshing.
    Plan,
    /// driftscan's live scan of the plan's prior state.
    Live,
}

/// A resource changed outside Terraform.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    pub address: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub id: Option<String>,
    pub region: Option<String>,
    pub source: Seen,
    /// `update` (attributes changed) or `delete` (the resource is gone).
    pub action: Action,
    /// Changed attributes: `before` is what Terraform last knew, `after` what is there now.
    pub attributes: Vec<AttrChange>,
    /// What the drift does: `impact`, `severity`, `impact_reasons`.
    #[serde(flatten)]
    pub risk: Risk,
}

/// A planned change to one resource instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Planned {
    pub address: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub id: Option<String>,
    pub region: Option<String>,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
    /// Touched attributes (for a create, those it sets).
    pub attributes: Vec<AttrChange>,
    /// How unusual this change is given the history (0 to 1); absent without a history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anomalous: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// What the change does: `impact`, `severity` (the score included), `impact_reasons`.
    #[serde(flatten)]
    pub risk: Risk,
}

impl Planned {
    pub fn is_anomalous(&self) -> bool {
        self.anomalous == Some(true)
    }
}

/// A planned update or replacement that would overwrite a change made outside Terraform.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clobber {
    pub address: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub id: Option<String>,
    pub region: Option<String>,
    pub action: Action,
    pub attribute: String,
    pub source: Seen,
    /// The value someone set outside Terraform (what apply would lose).
    pub out_of_band: Value,
    /// What the plan sets instead; `null` when a replacement recreates the resource without
    /// naming the attribute.
    pub planned: Value,
}

/// The plan that was checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanMeta {
    pub input: String,
    pub format_version: String,
    pub terraform_version: Option<String>,
}

/// Counts and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Resources with drift (from either source).
    pub drift: usize,
    pub planned: usize,
    pub clobber: usize,
    pub anomalous: usize,
    /// Whether planned changes were scored (a history exists).
    pub scored: bool,
    /// `done`, `offline` (`--offline`), or `skipped` (no covered AWS resource in the prior state).
    pub live_scan: &'static str,
    pub fail_on: FailOn,
    /// `pass` or `fail`.
    pub result: &'static str,
    pub exit_code: u8,
}

/// Everything `check` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub plan: PlanMeta,
    pub drift: Vec<Drift>,
    pub planned: Vec<Planned>,
    pub clobber: Vec<Clobber>,
    pub summary: Summary,
    /// Plain sentences about what was not done (no history, types or regions not listed).
    pub notes: Vec<String>,
}

impl CheckReport {
    /// The exit code for `fail_on`: 3 when an anomaly fails the job, 2 for drift or a clobber.
    pub fn exit(&self, fail_on: FailOn) -> Exit {
        let anomalous = self.planned.iter().any(Planned::is_anomalous);
        let clobber = !self.clobber.is_empty();
        let drift = !self.drift.is_empty();
        if let FailOn::Severity(min) = fail_on {
            let planned: Vec<&Planned> = self.planned.iter().filter(|p| p.risk.severity >= min).collect();
            return if planned.iter().any(|p| p.is_anomalous()) {
                Exit::Anomalous
            } else if !planned.is_empty() || self.drift.iter().any(|d| d.risk.severity >= min) {
                Exit::Drift
            } else {
                Exit::InSync
            };
        }
        match fail_on {
            FailOn::Never => Exit::InSync,
            _ if anomalous => Exit::Anomalous,
            FailOn::Drift if drift || clobber => Exit::Drift,
            FailOn::Clobber if clobber => Exit::Drift,
            _ => Exit::InSync,
        }
    }

    /// Fills in `summary` from the lists and the verdict for `fail_on`.
    pub fn conclude(&mut self, fail_on: FailOn) {
        super::risk::assess(self);
        let exit = self.exit(fail_on);
        let s = &mut self.summary;
        s.drift = self.drift.iter().map(|d| &d.address).collect::<BTreeSet<_>>().len();
        s.planned = self.planned.len();
        s.clobber = self.clobber.len();
        s.anomalous = self.planned.iter().filter(|p| p.is_anomalous()).count();
        s.fail_on = fail_on;
        s.exit_code = exit as u8;
        s.result = if exit == Exit::InSync { "pass" } else { "fail" };
    }
}

/// `tags` is compared as `tags_all` by a scan, and a plan may name either: one name for both.
fn canonical(name: &str) -> &str {
    if name == "tags_all" {
        "tags"
    } else {
        name
    }
}

/// The clobbers: for each planned update, the drifted attributes it sets again; for each
/// replacement, every drifted attribute (the new object is built from the configuration alone).
/// An attribute seen by both sources is reported once, from the plan.
pub fn clobbers(planned: &[Planned], drift: &[Drift]) -> Vec<Clobber> {
    let mut out: Vec<Clobber> = Vec::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut drift: Vec<&Drift> = drift.iter().filter(|d| d.action == Action::Update).collect();
    drift.sort_by_key(|d| d.source);
    for p in planned.iter().filter(|p| matches!(p.action, Action::Update | Action::Replace) && p.deposed.is_none()) {
        for d in drift.iter().filter(|d| d.address == p.address) {
            for a in &d.attributes {
                let name = canonical(&a.name);
                let set = p.attributes.iter().find(|pa| canonical(&pa.name) == name);
                if set.is_none() && p.action != Action::Replace {
                    continue;
                }
                if !seen.insert((p.address.clone(), name.to_owned())) {
                    continue;
                }
                out.push(Clobber {
                    address: p.address.clone(),
                    rtype: p.rtype.clone(),
                    id: p.id.clone(),
                    region: p.region.clone(),
                    action: p.action,
                    attribute: name.to_owned(),
                    source: d.source,
                    out_of_band: a.after.clone(),
                    planned: set.map_or(Value::Null, |s| s.after.clone()),
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.address, &a.attribute).cmp(&(&b.address, &b.attribute)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attr(name: &str, before: &str, after: &str) -> AttrChange {
        AttrChange {
            name: name.into(),
            before: json!(before),
            after: json!(after),
            sensitive: false,
            unknown: false,
            forces_replacement: false,
            relevant: None,
        }
    }

    fn planned(address: &str, action: Action, attrs: Vec<AttrChange>) -> Planned {
        Planned {
            address: address.into(),
            rtype: "aws_instance".into(),
            id: Some("i-1".into()),
            region: None,
            action,
            action_reason: None,
            deposed: None,
            attributes: attrs,
            score: None,
            anomalous: None,
            reasons: vec![],
            risk: Risk::default(),
        }
    }

    fn drift(address: &str, source: Seen, attrs: Vec<AttrChange>) -> Drift {
        Drift {
            address: address.into(),
            rtype: "aws_instance".into(),
            id: Some("i-1".into()),
            region: None,
            source,
            action: Action::Update,
            attributes: attrs,
            risk: Risk::default(),
        }
    }

    #[test]
    fn an_update_clobbers_only_what_it_sets_and_a_replace_everything() {
        let d = vec![
            drift("a.x", Seen::Plan, vec![attr("instance_type", "t3.micro", "t3.large"), attr("tags_all", "{}", "x")]),
            drift("a.x", Seen::Live, vec![attr("instance_type", "t3.micro", "t3.large")]),
            drift("a.y", Seen::Live, vec![attr("monitoring", "false", "true")]),
        ];
        let p = vec![
            planned("a.x", Action::Update, vec![attr("instance_type", "t3.large", "t3.small")]),
            planned("a.y", Action::Replace, vec![attr("ami", "ami-1", "ami-2")]),
        ];
        let got: Vec<_> = clobbers(&p, &d).into_iter().map(|c| (c.address, c.attribute, c.source, c.planned)).collect();
        assert_eq!(
            got,
            vec![
                ("a.x".into(), "instance_type".into(), Seen::Plan, json!("t3.small")),
                ("a.y".into(), "monitoring".into(), Seen::Live, Value::Null),
            ]
        );
    }

    #[test]
    fn fail_on_levels() {
        let mut r = CheckReport {
            plan: PlanMeta { input: "p".into(), format_version: "1.2".into(), terraform_version: None },
            drift: vec![drift("a.x", Seen::Plan, vec![attr("ami", "1", "2")])],
            planned: vec![],
            clobber: vec![],
            summary: Summary {
                drift: 0,
                planned: 0,
                clobber: 0,
                anomalous: 0,
                scored: false,
                live_scan: "offline",
                fail_on: FailOn::Clobber,
                result: "pass",
                exit_code: 0,
            },
            notes: vec![],
        };
        assert_eq!(r.exit(FailOn::Drift), Exit::Drift);
        assert_eq!(r.exit(FailOn::Clobber), Exit::InSync);
        let mut p = planned("a.x", Action::Update, vec![]);
        p.anomalous = Some(true);
        r.planned.push(p);
        assert_eq!(r.exit(FailOn::Clobber), Exit::Anomalous);
        assert_eq!(r.exit(FailOn::Anomaly), Exit::Anomalous);
        assert_eq!(r.exit(FailOn::Never), Exit::InSync);
        r.conclude(FailOn::Drift);
        assert_eq!((r.summary.result, r.summary.exit_code, r.summary.anomalous), ("fail", 3, 1));
        // The anomalous planned change is medium (harmless but unusual); the drift is low.
        let high: FailOn = "severity:high".parse().unwrap();
        assert_eq!(r.exit(high), Exit::InSync);
        assert_eq!(r.exit("severity:medium".parse().unwrap()), Exit::Anomalous);
        r.drift[0].risk.severity = Severity::Critical;
        assert_eq!(r.exit(high), Exit::Drift);
        assert_eq!(serde_json::to_value(high).unwrap(), "severity:high");
        assert!("severity:urgent".parse::<FailOn>().is_err());
    }
}
