//! `check` reports for people: a terminal table and a pull-request comment in Markdown that reads
//! the same on GitHub and GitLab (tables, and `<details>` to fold the long parts). Machine formats
//! are in [`super::ci`]. Values are shown as the report holds them, sensitive ones already
//! replaced by `(sensitive)`.

use std::fmt::Write;

use clap::ValueEnum;
use serde_json::Value;

use super::values;
use crate::check::{CheckReport, Drift, Planned, Seen};
use crate::plan::{attrs, Action, AttrChange};

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CheckFormat {
    /// Readable text: clobbers, drift, planned changes, verdict.
    #[default]
    Table,
    /// `{"drift": [...], "planned": [...], "clobber": [...], "summary": {...}}`, documented in the README.
    Json,
    /// A pull-request / merge-request comment (GitHub, GitLab), long parts folded in <details>.
    Markdown,
    /// JUnit XML: one test case per planned change, failing for clobbers and anomalies.
    Junit,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// A check report in the chosen format.
pub fn check(report: &CheckReport, format: CheckFormat) -> String {
    match format {
        CheckFormat::Table => table(report),
        CheckFormat::Json => super::pretty(&serde_json::to_value(report).unwrap_or_default()),
        CheckFormat::Markdown => markdown(report),
        CheckFormat::Junit => super::ci::junit(report),
        CheckFormat::Sarif => super::ci::sarif(report),
    }
}

fn seen(s: Seen) -> &'static str {
    match s {
        Seen::Plan => "seen by Terraform",
        Seen::Live => "seen by the live scan",
    }
}

/// `before -> after` lines for one attribute; markers (`(sensitive)`, `(known after apply)`)
/// are printed bare.
fn attr_lines(a: &AttrChange) -> Vec<String> {
    let bare = |v: &Value| v.as_str().filter(|s| *s == attrs::SENSITIVE || *s == attrs::UNKNOWN).map(str::to_owned);
    match (bare(&a.before), bare(&a.after)) {
        (None, None) => values::describe(&a.before, &a.after),
        (b, c) => {
            vec![format!("{} -> {}", b.unwrap_or_else(|| short(&a.before)), c.unwrap_or_else(|| short(&a.after)))]
        }
    }
}

/// A value on one line, cut to a readable length.
fn short(v: &Value) -> String {
    let text = match v {
        Value::Null => "(none)".to_owned(),
        Value::String(s) if s == attrs::SENSITIVE || s == attrs::UNKNOWN => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(59).collect::<String>())
    } else {
        text
    }
}

fn verdict(r: &CheckReport) -> String {
    let s = &r.summary;
    format!(
        "{} planned, {} clobber{}, {} drifted resource{}, {} anomalous",
        s.planned,
        s.clobber,
        if s.clobber == 1 { "" } else { "s" },
        s.drift,
        if s.drift == 1 { "" } else { "s" },
        s.anomalous
    )
}

fn plan_line(r: &CheckReport) -> String {
    let tf = r.plan.terraform_version.as_deref().map(|v| format!(", Terraform {v}")).unwrap_or_default();
    format!("{} (plan format {}{tf})", r.plan.input, r.plan.format_version)
}

fn fail_on(r: &CheckReport) -> String {
    r.summary.fail_on.as_text()
}

fn score_text(p: &Planned) -> String {
    match (p.score, p.anomalous) {
        (Some(s), Some(true)) => format!("{s:.2} ANOMALOUS"),
        (Some(s), _) => format!("{s:.2}"),
        _ => "-".into(),
    }
}

fn table(r: &CheckReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Plan: {}", plan_line(r));
    if !r.clobber.is_empty() {
        let _ = writeln!(out, "\nCLOBBER ({}): applying overwrites changes made outside Terraform", r.clobber.len());
        for c in &r.clobber {
            let _ = writeln!(out, "  {}  {}  {}", c.address, c.id.as_deref().unwrap_or("-"), c.action.as_str());
            let planned =
                if c.planned.is_null() { "recreates it".to_owned() } else { format!("sets {}", short(&c.planned)) };
            let _ = writeln!(
                out,
                "      {}: changed to {} outside Terraform; the plan {planned} ({})",
                c.attribute,
                short(&c.out_of_band),
                seen(c.source)
            );
        }
    }
    if !r.drift.is_empty() {
        let plural = if r.summary.drift == 1 { "" } else { "s" };
        let _ = writeln!(out, "\nDRIFT ({} resource{plural})", r.summary.drift);
        for d in &r.drift {
            let _ = writeln!(out, "  {}  {}  {}", d.address, d.id.as_deref().unwrap_or("-"), seen(d.source));
            for line in drift_lines(d) {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    let _ = writeln!(out, "\nPLANNED ({})", r.planned.len());
    for p in &r.planned {
        let deposed = p.deposed.as_deref().map(|k| format!(" (deposed object {k})")).unwrap_or_default();
        let _ = writeln!(out, "  {:<8} {}{deposed}  score {}", p.action.as_str(), p.address, score_text(p));
        for line in planned_lines(p) {
            let _ = writeln!(out, "      {line}");
        }
        for reason in p.reasons.iter().filter(|_| p.anomalous == Some(true)) {
            let _ = writeln!(out, "      why: {reason}");
        }
    }
    for n in &r.notes {
        let _ = writeln!(out, "\nNote: {n}");
    }
    let _ = writeln!(
        out,
        "\nResult: {} (--fail-on {}): {}; exit {}",
        r.summary.result.to_uppercase(),
        fail_on(r),
        verdict(r),
        r.summary.exit_code
    );
    out
}

fn drift_lines(d: &Drift) -> Vec<String> {
    if d.action == Action::Delete {
        return vec!["deleted outside Terraform".into()];
    }
    let mut out = Vec::new();
    for a in &d.attributes {
        let lines = attr_lines(a);
        // Terraform 1.2+ names the drift its plan depends on; the rest it only noticed.
        let note = match a.relevant {
            Some(true) => " (the plan depends on it)",
            Some(false) => " (not used by the plan)",
            None => "",
        };
        if lines.len() == 1 {
            out.push(format!("{}: {}{note}", a.name, lines[0]));
        } else {
            out.push(format!("{}:{note}", a.name));
            out.extend(lines.into_iter().map(|l| format!("  {l}")));
        }
    }
    out
}

fn planned_lines(p: &Planned) -> Vec<String> {
    match p.action {
        Action::Delete | Action::Forget => Vec::new(),
        Action::Create => {
            let names: Vec<&str> = p.attributes.iter().map(|a| a.name.as_str()).collect();
            vec![format!("sets {}", names.join(", "))]
        }
        _ => {
            let mut out = Vec::new();
            for a in &p.attributes {
                let mark = if a.forces_replacement { "  # forces replacement" } else { "" };
                let lines = attr_lines(a);
                if lines.len() == 1 {
                    out.push(format!("{}: {}{mark}", a.name, lines[0]));
                } else {
                    out.push(format!("{}:{mark}", a.name));
                    out.extend(lines.into_iter().map(|l| format!("  {l}")));
                }
            }
            out
        }
    }
}

/// Text for a Markdown table cell: pipes escaped, newlines flattened.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Inline code that survives any content: a value holding backticks gets a longer fence.
fn code(s: &str) -> String {
    let fence = if s.contains('`') { "``" } else { "`" };
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn markdown(r: &CheckReport) -> String {
    let mut out = String::new();
    let icon = if r.summary.result == "pass" { "✅" } else { "❌" };
    let _ = writeln!(out, "### {icon} driftscan check: {}\n", r.summary.result);
    let _ = writeln!(out, "**{}** · `{}`\n", verdict(r), cell(&plan_line(r)));
    if !r.clobber.is_empty() {
        let _ = writeln!(out, "#### Clobbers\n");
        let _ = writeln!(out, "Applying this plan overwrites changes made outside Terraform:\n");
        let _ = writeln!(out, "| Resource | Attribute | Changed outside Terraform to | Plan sets | Seen by |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for c in &r.clobber {
            let planned = if c.planned.is_null() { "(replaced)".to_owned() } else { code(&cell(&short(&c.planned))) };
            let by = if c.source == Seen::Plan { "Terraform" } else { "live scan" };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {planned} | {by} |",
                code(&cell(&c.address)),
                code(&c.attribute),
                code(&cell(&short(&c.out_of_band)))
            );
        }
        out.push('\n');
    }
    let anomalous: Vec<&Planned> = r.planned.iter().filter(|p| p.is_anomalous()).collect();
    if !anomalous.is_empty() {
        let _ = writeln!(out, "#### Unusual changes\n");
        for p in anomalous {
            let _ = writeln!(out, "- {} {} (score {}):", p.action.as_str(), code(&p.address), score_text(p));
            for reason in &p.reasons {
                let _ = writeln!(out, "  - {reason}");
            }
        }
        out.push('\n');
    }
    let _ = writeln!(out, "<details><summary>Planned changes ({})</summary>\n", r.planned.len());
    if r.planned.is_empty() {
        let _ = writeln!(out, "No changes.\n");
    } else {
        let _ = writeln!(out, "| Action | Resource | Attributes | Score |");
        let _ = writeln!(out, "|---|---|---|---|");
        for p in &r.planned {
            let names: Vec<String> = p
                .attributes
                .iter()
                .filter(|_| p.action != Action::Create)
                .map(|a| {
                    if a.forces_replacement {
                        format!("{} (forces replacement)", code(&a.name))
                    } else {
                        code(&a.name)
                    }
                })
                .collect();
            let attrs =
                if p.action == Action::Create { format!("{} set", p.attributes.len()) } else { names.join(", ") };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                p.action.as_str(),
                code(&cell(&p.address)),
                attrs,
                score_text(p)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "</details>\n");
    if !r.drift.is_empty() {
        let plural = if r.summary.drift == 1 { "" } else { "s" };
        let _ = writeln!(out, "<details><summary>Drift ({} resource{plural})</summary>\n", r.summary.drift);
        for d in &r.drift {
            let _ = writeln!(out, "- {} ({})", code(&d.address), seen(d.source));
            for line in drift_lines(d) {
                let _ = writeln!(out, "  - {}", code(&line));
            }
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    for n in &r.notes {
        let _ = writeln!(out, "> {n}\n");
    }
    let _ = writeln!(out, "<sub>driftscan check --fail-on {} · exit {}</sub>", fail_on(r), r.summary.exit_code);
    out
}
