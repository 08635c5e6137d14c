//! Rendering for people (`table`, and for `report` also `markdown`, `csv`, `html`) and programs
//! (`json`). Data goes to stdout; nothing here
//! writes anywhere by itself.

mod accounts;
mod changes;
mod check;
mod ci;
mod csv;
mod html;
mod markdown;
mod severity;
mod table;
pub(crate) mod values;
mod window;

use clap::ValueEnum;
use serde_json::json;

pub use changes::{learn, report};
pub use changes::{write_json as write_report_json, RowSource, Summary};
pub use check::{check, CheckFormat};
pub use window::{render as report_window, ReportFormat};

use crate::report::Report;
use crate::resource::Resource;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Readable text, grouped by kind of change.
    #[default]
    Table,
    /// The stable JSON schema documented in the README.
    Json,
}

/// A scan report in the chosen format.
pub fn scan(report: &Report, format: Format) -> String {
    match format {
        Format::Table => table::scan(report),
        Format::Json => pretty(&serde_json::to_value(report).unwrap_or_default()),
    }
}

/// The managed resources read from the states, for `driftscan state`.
pub fn state(resources: &[Resource], format: Format) -> String {
    match format {
        Format::Table => table::state(resources),
        Format::Json => {
            let list: Vec<_> = resources
                .iter()
                .filter_map(|r| {
                    let d = r.declared.as_ref()?;
                    let mut entry = json!({"address": d.address, "type": r.rtype, "id": r.id, "region": r.region, "provider": d.provider});
                    if let Some(key) = &d.deposed {
                        entry["deposed"] = json!(key);
                    }
                    entry["state"] = json!(d.state);
                    entry["compared"] = json!(r.is_aws() && crate::catalog::is_covered(&r.rtype));
                    Some(entry)
                })
                .collect();
            pretty(&json!({ "resources": list }))
        }
    }
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}
