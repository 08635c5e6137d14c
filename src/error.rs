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
    #[error("{path}: not valid UTF-8 at byte offset {offset} (nor UTF-16 with a byte-order mark); Terraform state is JSON text")]
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

/// An error chain as one line for the user: each context and cause once, joined by `: `.
///
/// Many errors already say their cause (`{path}: cannot read: {source}`) and also hand it on as
/// their `source`, so printing the chain as it is (`{:#}`) tells the cause twice; a cause whose
/// words the line already holds is left out. Line breaks inside a message (a library's
/// multi-line text) become spaces: a log line per error.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn a_cause_the_message_already_holds_is_told_once() {
        let io = std::io::Error::from(std::io::ErrorKind::NotFound);
        let err = anyhow::Error::new(StateError::Io { path: "-".into(), source: io });
        let once = one_line(&err);
        assert_eq!(once, "-: cannot read: entity not found");
        assert_eq!(once.matches("not found").count(), 1, "{once}");
    }

    #[test]
    fn contexts_and_causes_each_once_in_one_line() {
        let err = Err::<(), _>(std::io::Error::other("disk\nfull"))
            .context("writing x")
            .context("recording scan")
            .unwrap_err();
        assert_eq!(one_line(&err), "recording scan: writing x: disk full");
    }
}
