//! Errors a caller branches on. Everything else travels as `anyhow` with context.

use std::path::PathBuf;

/// Why a Terraform state file could not be read. Each message names the file and the cause in
/// one line, since that is all a user sees.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: is a directory, not a Terraform state file")]
    Directory { path: PathBuf },
    #[error("{path}: file is empty, not a Terraform state")]
    Empty { path: PathBuf },
    #[error("{path}: not valid UTF-8 at byte offset {offset}; Terraform state is JSON text")]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{path}: truncated JSON at line {line}, column {column}: the file ends before the state does")]
    Truncated { path: PathBuf, line: usize, column: usize },
    #[error("{path}: not JSON at line {line}, column {column}: {message}")]
    NotJson { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{path}: not a Terraform state file ({why})")]
    NotState { path: PathBuf, why: String },
    #[error(
        "{path}: state format version {found} is not supported; Terraform 0.12 or later state (version 4) is required \
         (run `terraform init` and `terraform apply -refresh-only` with Terraform 0.12+ to upgrade it)"
    )]
    OldVersion { path: PathBuf, found: u64 },
    #[error("{path}: state format version {found} is newer than this driftscan understands (version 4)")]
    NewVersion { path: PathBuf, found: u64 },
    #[error("{path}: no file matches this pattern")]
    NoMatch { path: PathBuf },
}
