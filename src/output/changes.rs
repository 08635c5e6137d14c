//! `report` and `learn` rendering: recorded changes with their scores and reasons.

use std::fmt::Write;

use serde_json::json;

use super::{pretty, Format};
use crate::history::{ChangeRow, Facets, LearnOutcome};
use crate::impact::Severity;

/// Hands each row of a report to the writer given, in order; an error stops it (a history that
/// fails mid-read).
pub type RowSource<'a> = Box<dyn FnOnce(&mut dyn FnMut(&ChangeRow) -> std::io::Result<()>) -> anyhow::Result<()> + 'a>;

/// The changes in a window as the documented JSON, written as they are read: a month of a busy
/// history is ~100,000 changes and ~100 MB of JSON, and holding either whole cost more than the
/// query (the kernel zeroing the pages they grew into). `summary` is counted before, as the
/// format puts it first. Same fields, same order as ever.
pub fn write_json(
    since: Option<&str>,
    until: Option<&str>,
    summary: Summary,
    rows: RowSource,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use serde::ser::{Error as _, SerializeSeq};
    #[derive(serde::Serialize)]
    struct Window<'a> {
        since: Option<&'a str>,
        until: Option<&'a str>,
    }
    /// The `changes` array, serialized by pulling rows from the source.
    struct Rows<'a>(std::cell::RefCell<Option<RowSource<'a>>>);
    impl serde::Serialize for Rows<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let rows = self.0.borrow_mut().take().ok_or_else(|| S::Error::custom("rows read twice"))?;
            let mut seq = s.serialize_seq(None)?;
            let mut failed = None;
            let read = rows(&mut |row| {
                seq.serialize_element(row).map_err(|e| {
                    let io = std::io::Error::other(e.to_string());
                    failed = Some(e);
                    io
                })
            });
            if let Some(e) = failed {
                return Err(e);
            }
            read.map_err(|e| S::Error::custom(format!("{e:#}")))?;
            seq.end()
        }
    }
    #[derive(serde::Serialize)]
    struct Out<'a> {
        window: Window<'a>,
        summary: Summary,
        changes: Rows<'a>,
    }
    let report = Out { window: Window { since, until }, summary, changes: Rows(std::cell::RefCell::new(Some(rows))) };
    // A buffer of a concrete type in front: serde_json writes in pieces of a few bytes, and each
    // through `dyn Write` was a call of its own (a quarter of a large report's time).
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, &report).map_err(std::io::Error::from)?;
    std::io::Write::write_all(&mut buffered, b"\n")?;
    std::io::Write::flush(&mut buffered)
}

/// What a report's summary counts, in its JSON field order.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Summary {
    pub changes: usize,
    pub anomalous: usize,
    /// Scan changes still open.
    pub open: usize,
}

impl Summary {
    pub fn add(&mut self, f: &Facets) {
        self.changes += 1;
        self.anomalous += usize::from(f.anomalous);
        self.open += usize::from(f.status == "open");
    }

    pub fn of(rows: &[ChangeRow]) -> Summary {
        let mut s = Summary::default();
        rows.iter().for_each(|r| s.add(&r.facets()));
        s
    }
}

/// The changes in a window, for `driftscan report`.
pub fn report(rows: &[ChangeRow], since: Option<&str>, until: Option<&str>, format: Format) -> String {
    let summary = Summary::of(rows);
    let Summary { anomalous, open, .. } = summary;
    match format {
        Format::Json => {
            let mut out = Vec::new();
            let each: RowSource = Box::new(|write| Ok(rows.iter().try_for_each(write)?));
            write_json(since, until, summary, each, &mut out).expect("writing to memory");
            String::from_utf8(out).expect("serde_json writes UTF-8")
        }
        Format::Table => {
            let mut out = String::new();
            let header = ["ID", "TIME", "SOURCE", "KIND", "TYPE", "RESOURCE", "REGION", "ACTOR", "SCORE", "SEVERITY"];
            let table: Vec<[String; 10]> = rows
                .iter()
                .map(|r| {
                    let kind = r.label();
                    let status = if r.status == "resolved" { " (resolved)" } else { "" };
                    // Cut, not rounded, to two places: 0.497 under a 0.5 threshold must not read 0.50.
                    let score = match r.score.map(|s| (s * 100.0).floor() / 100.0) {
                        Some(s) if r.anomalous => format!("{s:.2} !"),
                        Some(s) => format!("{s:.2}"),
                        None => "-".into(),
                    };
                    [
                        r.id.to_string(),
                        r.time.clone(),
                        r.source.clone(),
                        format!("{kind}{status}"),
                        r.rtype.clone(),
                        r.resource_id.clone(),
                        r.region.clone(),
                        r.actor.as_deref().map(short_actor).unwrap_or("-").to_owned(),
                        score,
                        r.severity.to_string(),
                    ]
                })
                .collect();
            if !table.is_empty() {
                write_table(&mut out, &header, &table);
            }
            let mut severe: Vec<&ChangeRow> = rows.iter().filter(|r| r.severity >= Severity::High).collect();
            severe.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.time.cmp(&a.time)));
            if !severe.is_empty() {
                let _ = writeln!(out, "\nSEVERE ({})", severe.len());
                for r in severe {
                    let who = r.actor.as_deref().map(|a| format!(" by {a}")).unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "  [{}] #{} {}: {} {} in {} at {}{who}",
                        r.severity,
                        r.id,
                        row_what(r),
                        r.address.as_deref().unwrap_or(&r.rtype),
                        r.resource_id,
                        r.region,
                        r.time
                    );
                    for reason in &r.impact_reasons {
                        let _ = writeln!(out, "      {reason}");
                    }
                }
            }
            let flagged: Vec<&ChangeRow> = rows.iter().filter(|r| r.anomalous).collect();
            if !flagged.is_empty() {
                let _ = writeln!(out, "\nANOMALOUS ({})", flagged.len());
                for r in flagged {
                    let ack = match r.expected {
                        Some(true) => " [acknowledged as expected]",
                        Some(false) => " [reviewed]",
                        None => "",
                    };
                    let what = r.label();
                    let who = r.actor.as_deref().map(|a| format!(" by {a}")).unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "  #{} {what}: {} {} in {} at {}{who}{ack}",
                        r.id, r.rtype, r.resource_id, r.region, r.time
                    );
                    for reason in &r.reasons {
                        let _ = writeln!(out, "      {reason}");
                    }
                }
            }
            let _ = writeln!(
                out,
                "{}{} changes, {anomalous} anomalous, {open} open drifts{}",
                if rows.is_empty() { "" } else { "\n" },
                rows.len(),
                match (since, until) {
                    (Some(s), Some(u)) => format!(" between {s} and {u}"),
                    (Some(s), None) => format!(" since {s}"),
                    (None, Some(u)) => format!(" before {u}"),
                    (None, None) => String::new(),
                }
            );
            out
        }
    }
}

/// What a `learn` run recorded.
pub fn learn(outcome: &LearnOutcome, files: usize, skipped: &[String], format: Format) -> String {
    match format {
        Format::Json => pretty(&json!({
            "summary": {
                "files": files,
                "skipped": skipped.len(),
                "added": outcome.added,
                "already_recorded": outcome.already_recorded,
                "anomalous": outcome.anomalous,
                "linked": outcome.linked,
            },
            "skipped": skipped,
            "changes": outcome.changes,
        })),
        Format::Table => {
            let mut out = String::new();
            let flagged: Vec<_> = outcome.changes.iter().filter(|c| c.anomalous).collect();
            if !flagged.is_empty() {
                let _ = writeln!(out, "ANOMALOUS ({})", flagged.len());
                for c in flagged {
                    let _ = writeln!(
                        out,
                        "  #{} {} {} {} in {} at {} by {} (score {:.2})",
                        c.id,
                        c.event_name,
                        c.rtype,
                        c.resource_id,
                        c.region,
                        c.time,
                        c.actor.as_deref().unwrap_or("unknown"),
                        c.score
                    );
                    for reason in &c.reasons {
                        let _ = writeln!(out, "      {reason}");
                    }
                }
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "Learned {} changes from {files} files ({} already recorded, {} skipped files); {} anomalous; {} open drifts explained",
                outcome.added,
                outcome.already_recorded,
                skipped.len(),
                outcome.anomalous,
                outcome.linked
            );
            out
        }
    }
}

/// The event's name, or the kind and attribute of a drift.
fn row_what(r: &ChangeRow) -> String {
    r.label()
}

/// The last part of a principal ARN (`user/alice`, `assumed-role/Deploy/session`), which is what
/// a person recognises.
fn short_actor(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or(arn)
}

fn write_table<const N: usize>(out: &mut String, header: &[&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.chars().count()))))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let _ = writeln!(out, "{}", line(header.to_vec()));
    for row in rows {
        let _ = writeln!(out, "{}", line(row.iter().map(String::as_str).collect()));
    }
}
