//! Exit codes, as `terraform plan -detailed-exitcode` taught pipelines to read them.

use std::process::ExitCode;

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
