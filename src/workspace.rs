//! Several workspaces (accounts) in one run: each scanned in turn with its own credentials and
//! recorded in the shared history; a workspace that fails is reported and the others still run.
//! The exit code is the worst of them, an error counting worst: an account that could not be
//! scanned at all hides whatever drift it has.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::exit::{Exit, Gate};
use crate::output::{self, Format};
use crate::progress::Progress;
use crate::report::Report;
use crate::scan::{self, ScanConfig};

/// What one workspace's scan came to.
pub struct Outcome {
    pub workspace: String,
    pub result: anyhow::Result<Report>,
    /// What counts toward the exit code (`--fail-on`).
    pub gate: Gate,
}

impl Outcome {
    /// This workspace's exit code on its own.
    pub fn exit(&self) -> Exit {
        match &self.result {
            Err(_) => Exit::Error,
            Ok(r) => exit_of(r, self.gate),
        }
    }
}

/// The exit code of one report: with the default gate 3 when the scan recorded an anomalous
/// change, 2 for any other change; with `severity:LEVEL` only changes of that severity or more
/// count (3 when one of them is anomalous).
pub fn exit_of(report: &Report, gate: Gate) -> Exit {
    if gate == Gate::Drift {
        return if report.has_anomalies() {
            Exit::Anomalous
        } else if report.has_changes() {
            Exit::Drift
        } else {
            Exit::InSync
        };
    }
    let counted: Vec<_> = report.changes.iter().filter(|c| gate.counts(c.severity)).collect();
    if counted.iter().any(|c| c.anomalous == Some(true)) {
        Exit::Anomalous
    } else if !counted.is_empty() {
        Exit::Drift
    } else {
        Exit::InSync
    }
}

/// Scans every workspace in order. Errors are logged to stderr as they happen, one line each.
pub async fn run_all(configs: &[ScanConfig], now: DateTime<Utc>, progress: &Progress, gate: Gate) -> Vec<Outcome> {
    let mut out = Vec::new();
    for cfg in configs {
        let workspace = cfg.workspace.clone().unwrap_or_default();
        let result = scan::run(cfg, now, progress).await;
        if let Err(e) = &result {
            eprintln!("driftscan: error: workspace {workspace}: {}", crate::error::one_line(e));
        }
        out.push(Outcome { workspace, result, gate });
    }
    for warning in shared_accounts(&out) {
        eprintln!("driftscan: warning: {warning}");
    }
    out
}

/// Workspaces that scanned the same account in the same region: each reports as unmanaged what
/// only the other's states declare, so every resource of one shows up as noise in the other.
/// An account split into several stacks belongs in one workspace with all their states.
fn shared_accounts(outcomes: &[Outcome]) -> Vec<String> {
    let scanned: Vec<(&str, &str, &Report)> = outcomes
        .iter()
        .filter_map(|o| {
            let r = o.result.as_ref().ok()?;
            Some((o.workspace.as_str(), r.scan.account.as_deref()?, r))
        })
        .collect();
    let mut out = Vec::new();
    for (i, (first, account, a)) in scanned.iter().enumerate() {
        for (second, other, b) in &scanned[i + 1..] {
            let Some(region) = a.scan.regions.iter().find(|r| b.scan.regions.contains(r)) else { continue };
            if account == other {
                out.push(format!(
                    "workspaces {first} and {second} both scan account {account} in {region}: each reports what only the \
                     other's states declare as unmanaged; list all of an account's states in one workspace"
                ));
            }
        }
    }
    out
}

/// The worst exit code: error, then anomalous, then drift, then in sync.
pub fn worst(outcomes: &[Outcome]) -> Exit {
    let rank = |e: Exit| match e {
        Exit::InSync => 0,
        Exit::Drift => 1,
        Exit::Anomalous => 2,
        Exit::Error => 3,
    };
    outcomes.iter().map(Outcome::exit).max_by_key(|e| rank(*e)).unwrap_or(Exit::InSync)
}

/// Whether a run has anything to say under `--quiet`: a change, a resolved change, an error.
pub fn worth_saying(outcomes: &[Outcome]) -> bool {
    outcomes.iter().any(|o| match &o.result {
        Err(_) => true,
        Ok(r) => r.has_changes() || !r.resolved.is_empty() || !r.unscanned.is_empty(),
    })
}

/// Every workspace's report: in a table, each under a heading; in JSON, one object per
/// workspace in `workspaces`, with its `exit` code and its report or its `error`.
pub fn render(outcomes: &[Outcome], format: Format) -> String {
    match format {
        Format::Table => {
            let mut s = String::new();
            for o in outcomes {
                match &o.result {
                    Ok(r) => {
                        let account = r.scan.account.as_deref().unwrap_or("account unknown");
                        s.push_str(&format!("== workspace {} ({account}) ==\n", o.workspace));
                        s.push_str(&output::scan(r, Format::Table));
                    }
                    Err(e) => {
                        s.push_str(&format!("== workspace {} ==\nerror: {}\n", o.workspace, crate::error::one_line(e)))
                    }
                }
                s.push('\n');
            }
            s
        }
        Format::Json => {
            let list: Vec<Value> = outcomes
                .iter()
                .map(|o| match &o.result {
                    Ok(r) => json!({"workspace": o.workspace, "account": r.scan.account, "exit": o.exit() as u8,
                                    "report": serde_json::to_value(r).unwrap_or_default()}),
                    Err(e) => {
                        json!({"workspace": o.workspace, "exit": o.exit() as u8, "error": crate::error::one_line(e)})
                    }
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&json!({ "workspaces": list })).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}
