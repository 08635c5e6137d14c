//! The result of a scan, shaped as the stable `--format json` schema documented in the README.

use serde::Serialize;
use serde_json::Value;

use crate::impact::Severity;

/// What kind of difference a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// An attribute's live value differs from the declared one.
    #[default]
    Drifted,
    /// Declared, but gone from AWS.
    Deleted,
    /// Live in a scanned region and type, declared in no state given.
    Unmanaged,
    /// A security group rule or route whose parent declares its children both inline and as
    /// separate resources: it cannot be told whether it is drift or unmanaged.
    OwnerUnknown,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Drifted => "drifted",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Unmanaged => "unmanaged",
            ChangeKind::OwnerUnknown => "owner_unknown",
        }
    }
}

/// One difference. `drifted` changes are one per attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Change {
    /// The change's id in the history (stable across scans while it stays open); absent with
    /// `--no-history`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_id: Option<i64>,
    /// Where the change is in its lifecycle after this scan; absent with `--no-history`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    pub kind: ChangeKind,
    /// Terraform address; `null` for unmanaged resources.
    pub address: Option<String>,
    #[serde(rename = "type")]
    pub rtype: String,
    pub id: String,
    pub region: String,
    /// Drifted only: the Terraform attribute name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// Drifted only: the value the state declares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared: Option<Value>,
    /// Drifted only: the value AWS reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Value>,
    /// Where the resource is declared in the Terraform sources (`main.tf:12`), with `--tf-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Unmanaged only: the Terraform 1.5+ `import` block that adopts the resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<String>,
    /// Why, when the kind alone does not say it (`owner_unknown`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The AWS account, from the resource's ARN; absent when nothing tells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The state file that declares the resource (declared resources only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The config workspace whose scan found it; absent in a run without a config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// When the history first saw the change (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    /// Who made the change and when, from the CloudTrail event linked to it (`driftscan learn`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<String>,
    /// How unusual the change is, 0 to 1, scored against the history before it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anomalous: Option<bool>,
    /// Plain sentences saying why the score is what it is, strongest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// What the change does, from the impact rules (`crate::impact`); `null` when no rule matched.
    pub impact: Option<Severity>,
    /// Impact and score in one level (`crate::impact::severity`).
    pub severity: Severity,
    /// Why the impact is what it is, highest first, citing the values.
    pub impact_reasons: Vec<String>,
}

impl Change {
    /// Sets `impact`, `impact_reasons` and `severity` from the values and the score.
    pub fn assess(&mut self) {
        let i = crate::impact::assess(&crate::impact::Subject {
            rtype: &self.rtype,
            id: &self.id,
            kind: self.kind.as_str(),
            attribute: self.attribute.as_deref(),
            before: self.declared.as_ref(),
            after: self.actual.as_ref(),
        });
        self.impact = i.severity;
        self.impact_reasons = i.reasons;
        self.severity = crate::impact::combine(i.severity, self.anomalous == Some(true));
    }
}

/// A change's place in its lifecycle after a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// First seen by this scan.
    Opened,
    /// Seen before, unchanged.
    Carried,
    /// Seen before, and its live value moved again.
    Updated,
}

/// An open change this scan no longer found: fixed, applied or reverted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved {
    pub id: i64,
    pub kind: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub resource_id: String,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    pub first_seen: String,
}

/// A type in a region that could not be listed: its declared resources are neither confirmed
/// nor reported deleted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unscanned {
    #[serde(rename = "type")]
    pub rtype: String,
    pub region: String,
    pub reason: String,
}

/// Counts over the whole scan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Declared resources of covered types found live (drifted ones included).
    pub managed: usize,
    /// Resources with at least one drifted attribute.
    pub drifted: usize,
    pub deleted: usize,
    pub unmanaged: usize,
    /// Rules and routes whose owner cannot be known (see `owner_unknown`).
    pub owner_unknown: usize,
    /// (type, region) pairs that could not be listed.
    pub unscanned: usize,
    /// Changes this scan opened or updated that scoring flags as unusual (0 with `--no-history`).
    pub anomalous: usize,
    /// Changes first seen by this scan.
    pub opened: usize,
    /// Open changes this scan no longer found.
    pub resolved: usize,
    /// managed / (managed + unmanaged + deleted), in percent, one decimal.
    pub coverage_pct: f64,
    /// Requests sent to AWS by operation, retries included.
    pub api_calls: std::collections::BTreeMap<String, u64>,
    /// Declared AWS resources of types driftscan does not compare (yet): nothing is said about
    /// them, so the count says what the scan did not cover.
    pub not_compared: usize,
    /// Those resources by type.
    pub not_compared_types: std::collections::BTreeMap<String, usize>,
    /// Changes by severity (only the levels present).
    pub severity: std::collections::BTreeMap<Severity, usize>,
}

/// When and over what the scan ran.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ScanMeta {
    /// History id; `null` when the scan was not recorded.
    pub id: Option<i64>,
    pub started_at: String,
    pub finished_at: String,
    pub regions: Vec<String>,
    pub states: Vec<String>,
    /// The config workspace scanned; absent in a run without a config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// The account the workspace's credentials belong to (STS); absent in a run without a config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// A whole scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub scan: ScanMeta,
    pub summary: Summary,
    pub changes: Vec<Change>,
    /// Open changes from earlier scans that this one no longer found.
    pub resolved: Vec<Resolved>,
    pub unscanned: Vec<Unscanned>,
}

impl Report {
    /// True when there is any change at all.
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// True when this scan recorded a change that scoring flags as unusual.
    pub fn has_anomalies(&self) -> bool {
        self.summary.anomalous > 0
    }

    /// Assesses every change. The order stays the scan's (by kind, then address): outputs that
    /// lead with the most severe pick them out themselves.
    pub fn assess(&mut self) {
        self.changes.iter_mut().for_each(Change::assess);
        self.summary.severity =
            self.changes.iter().fold(Default::default(), |mut m: std::collections::BTreeMap<_, _>, c| {
                *m.entry(c.severity).or_insert(0) += 1;
                m
            });
    }
}
