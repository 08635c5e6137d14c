//! Why a plan could not be read: one line naming the input and the cause, which is all a
//! pipeline log shows.

/// A plan file that cannot be used. `input` is the path as given, or `stdin` for `--plan -`.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{input}: cannot read: {source}")]
    Io { input: String, source: std::io::Error },
    #[error("{input}: is a directory, not a plan; pass the output of `terraform show -json PLANFILE`")]
    Directory { input: String },
    #[error("{input}: empty input, not a plan; pass the output of `terraform show -json PLANFILE`")]
    Empty { input: String },
    #[error("{input}: not valid UTF-8 at byte offset {offset} (nor UTF-16 with a byte-order mark); a plan from `terraform show -json` is JSON text")]
    NotUtf8 { input: String, offset: usize },
    #[error("{input}: truncated JSON at line {line}, column {column}: the input ends before the plan does")]
    Truncated { input: String, line: usize, column: usize },
    #[error(
        "{input}: not JSON at line {line}, column {column}: {message} (is it the binary plan file? \
         pass `terraform show -json PLANFILE` output)"
    )]
    NotJson { input: String, line: usize, column: usize, message: String },
    #[error("{input}: not a Terraform plan ({why})")]
    NotPlan { input: String, why: String },
    #[error("{input}: plan format version {found} is newer than this driftscan understands (0.1 to 1.x)")]
    NewVersion { input: String, found: String },
}
