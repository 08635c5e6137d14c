//! `report`: a window of the history, its filters and its formats.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;

use super::{FormatArgs, HistoryArgs};
use crate::output::ReportFormat;

#[derive(Debug, Args)]
#[command(mut_arg("format", |a| a.help("Output format. html is one self-contained page (charts included) that opens \
    offline; markdown suits tickets and pull requests; csv suits spreadsheets")))]
pub struct ReportArgs {
    #[command(flatten)]
    pub history: HistoryArgs,

    /// Start of the window: a duration back from now (30m, 24h, 7d, 2w) or an RFC 3339 instant.
    #[arg(long, value_name = "WHEN", default_value = "7d", value_parser = parse_when)]
    pub since: When,

    /// End of the window (exclusive), same forms as --since; default now.
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    pub until: Option<When>,

    /// Only changes to this resource type (aws_security_group).
    #[arg(long = "type", value_name = "TYPE")]
    pub rtype: Option<String>,

    /// Only changes in this region.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Only changes in this AWS account (12 digits).
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Option<String>,

    /// Only changes recorded by this config workspace's runs (a shared history holds many).
    #[arg(long, value_name = "NAME")]
    pub workspace: Option<String>,

    /// Only changes scored anomalous.
    #[arg(long)]
    pub anomalous: bool,

    /// Only drifts still open (not resolved; CloudTrail events are never open).
    #[arg(long)]
    pub open: bool,

    #[command(flatten)]
    pub format: FormatArgs<ReportFormat>,

    /// Write the report to this file instead of stdout (replaced whole, never half-written).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// A point in time as the user wrote it: an instant, or a duration back from now.
#[derive(Debug, Clone, Copy)]
pub enum When {
    At(DateTime<Utc>),
    Ago(chrono::Duration),
}

impl When {
    pub fn resolve(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            When::At(t) => t,
            When::Ago(d) => now - d,
        }
    }
}

fn parse_when(s: &str) -> Result<When, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(When::At(t.with_timezone(&Utc)));
    }
    let unit = s.chars().last().unwrap_or(' ');
    let n: i64 = s[..s.len() - unit.len_utf8().min(s.len())]
        .parse()
        .map_err(|_| format!("{s:?}: expected a duration such as 30m, 24h, 7d, 2w or an RFC 3339 instant"))?;
    let d = match unit {
        'm' => chrono::Duration::minutes(n),
        'h' => chrono::Duration::hours(n),
        'd' => chrono::Duration::days(n),
        'w' => chrono::Duration::weeks(n),
        _ => return Err(format!("{s:?}: unknown unit {unit:?}; use m, h, d or w (30m, 24h, 7d, 2w)")),
    };
    Ok(When::Ago(d))
}
