//! Exit codes, as `terraform plan -detailed-exitcode` taught pipelines to read them.

use std::process::ExitCode;

use crate::impact::Severity;

/// What a run tells its caller through the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Live AWS matches what Terraform declares.
    InSync = 0,
    /// Bad input, or nothing at all could be scanned.
    Error = 1,
    /// At least one drifted, deleted or unmanaged resource.
    Drift = 2,
    /// Drift that scoring marks as anomalous.
    Anomalous = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// What makes `scan` exit non-zero (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gate {
    /// Every change counts: 2 for drift, 3 when one is anomalous.
    #[default]
    Drift,
    /// Only changes of this severity or more count (`severity:high`): 3 when one of them is
    /// anomalous, else 2; 0 when there is none.
    Severity(Severity),
}

impl Gate {
    /// Whether a change of `severity` counts toward the exit code.
    pub fn counts(self, severity: Severity) -> bool {
        match self {
            Gate::Drift => true,
            Gate::Severity(min) => severity >= min,
        }
    }
}

impl std::str::FromStr for Gate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "drift" {
            return Ok(Gate::Drift);
        }
        severity_form(s)
            .map(Gate::Severity)
            .ok_or_else(|| format!("{s}: expected drift or severity:LEVEL ({})", LEVELS))
    }
}

/// The levels `severity:LEVEL` takes, for messages.
pub const LEVELS: &str = "low, medium, high, critical";

/// `severity:high` -> high.
pub fn severity_form(s: &str) -> Option<Severity> {
    s.strip_prefix("severity:").and_then(Severity::parse)
}
