//! `driftscan report` in each of its formats: `table` and `json` as before (see `changes`), and
//! `markdown`, `csv` and `html` for tickets, spreadsheets and people.

use clap::ValueEnum;

use super::{changes, csv, html, markdown, Format};
use crate::digest::Digest;
use crate::history::rfc3339;

/// Formats of `driftscan report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    /// Readable text: every change, then the anomalous ones with their reasons.
    #[default]
    Table,
    /// The stable JSON schema documented in the README.
    Json,
    /// For tickets and pull requests: summary, anomalies, open drifts, long values as diffs.
    Markdown,
    /// One row per change for spreadsheets (RFC 4180).
    Csv,
    /// One self-contained page with charts (heatmap, per day, coverage); opens offline.
    Html,
}

/// The report of a window in `format`.
pub fn render(d: &Digest, format: ReportFormat) -> String {
    let since = d.since.map(rfc3339);
    let until = d.until.map(rfc3339);
    match format {
        ReportFormat::Table => {
            let mut out = changes::report(&d.rows, since.as_deref(), until.as_deref(), Format::Table);
            let filters = d.filter.describe();
            if !filters.is_empty() {
                out.push_str(&format!("Filters: {}\n", filters.join(", ")));
            }
            out
        }
        ReportFormat::Json => changes::report(&d.rows, since.as_deref(), until.as_deref(), Format::Json),
        ReportFormat::Markdown => markdown::render(d),
        ReportFormat::Csv => csv::render(d),
        ReportFormat::Html => html::render(d),
    }
}
