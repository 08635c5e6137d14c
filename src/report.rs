//! The result of a scan, shaped as the stable `--format json` schema documented in the README.

use serde::Serialize;
use serde_json::Value;

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
    /// managed / (managed + unmanaged + deleted), in percent, one decimal.
    pub coverage_pct: f64,
    /// Requests sent to AWS by operation, retries included.
    pub api_calls: std::collections::BTreeMap<String, u64>,
}

/// When and over what the scan ran.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanMeta {
    /// History id; `null` when the scan was not recorded.
    pub id: Option<i64>,
    pub started_at: String,
    pub finished_at: String,
    pub regions: Vec<String>,
    pub states: Vec<String>,
}

/// A whole scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub scan: ScanMeta,
    pub summary: Summary,
    pub changes: Vec<Change>,
    pub unscanned: Vec<Unscanned>,
}

impl Report {
    /// True when there is any change at all.
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }
}
