//! The default, human-readable rendering.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::values;
use crate::impact::Severity;
use crate::report::{Change, ChangeKind, Report};
use crate::resource::Resource;

pub fn scan(r: &Report) -> String {
    let mut out = String::new();
    let s = &r.summary;

    // What is dangerous comes first, then what is unusual: that is what a person should read.
    let mut severe: Vec<_> = r.changes.iter().filter(|c| c.severity >= Severity::High).collect();
    severe.sort_by_key(|c| std::cmp::Reverse(c.severity));
    if !severe.is_empty() {
        let _ = writeln!(out, "SEVERE ({})", severe.len());
        for c in severe {
            let _ = writeln!(
                out,
                "  [{}] {}: {} {} in {}{}",
                c.severity,
                what(c),
                c.address.as_deref().unwrap_or(&c.rtype),
                c.id,
                c.region,
                who(c)
            );
            for reason in &c.impact_reasons {
                let _ = writeln!(out, "      {reason}");
            }
            if c.anomalous == Some(true) {
                let _ = writeln!(out, "      and unusual (score {:.2}, see ANOMALOUS)", c.score.unwrap_or_default());
            }
        }
        out.push('\n');
    }

    let flagged: Vec<_> = r.changes.iter().filter(|c| c.anomalous == Some(true)).collect();
    if !flagged.is_empty() {
        let _ = writeln!(out, "ANOMALOUS ({})", flagged.len());
        for c in flagged {
            let _ = writeln!(
                out,
                "  #{} {}: {} {} in {}{} (score {:.2}, severity {})",
                c.change_id.unwrap_or_default(),
                what(c),
                c.address.as_deref().unwrap_or(&c.rtype),
                c.id,
                c.region,
                who(c),
                c.score.unwrap_or_default(),
                c.severity
            );
            for reason in &c.reasons {
                let _ = writeln!(out, "      {reason}");
            }
        }
        out.push('\n');
    }

    let drifted: Vec<_> = r.changes.iter().filter(|c| c.kind == ChangeKind::Drifted).collect();
    if !drifted.is_empty() {
        let _ = writeln!(out, "DRIFTED ({} resources)", s.drifted);
        let mut last = None;
        for c in drifted {
            let key = (&c.address, &c.id);
            if last != Some(key) {
                let _ = writeln!(out, "  {}  {}  {}{}", c.address.as_deref().unwrap_or(""), c.id, c.region, at(c));
                last = Some(key);
            }
            let (declared, actual) = (c.declared.clone().unwrap_or_default(), c.actual.clone().unwrap_or_default());
            let lines = values::describe(&declared, &actual);
            let attr = c.attribute.as_deref().unwrap_or("");
            if lines.len() == 1 && !lines[0].starts_with(['+', '-']) {
                let _ = writeln!(out, "      {attr}: {}", lines[0]);
            } else {
                let _ = writeln!(out, "      {attr}:");
                for l in lines {
                    let _ = writeln!(out, "        {l}");
                }
            }
        }
        out.push('\n');
    }

    let deleted: Vec<_> = r.changes.iter().filter(|c| c.kind == ChangeKind::Deleted).collect();
    if !deleted.is_empty() {
        let _ = writeln!(out, "DELETED ({})", deleted.len());
        for c in deleted {
            let _ = writeln!(out, "  {}  {}  {}{}", c.address.as_deref().unwrap_or(""), c.id, c.region, at(c));
        }
        out.push('\n');
    }

    let unmanaged: Vec<_> = r.changes.iter().filter(|c| c.kind == ChangeKind::Unmanaged).collect();
    if !unmanaged.is_empty() {
        let mut per_type: BTreeMap<&str, Vec<_>> = BTreeMap::new();
        for c in unmanaged {
            per_type.entry(c.rtype.as_str()).or_default().push(c);
        }
        let _ = writeln!(out, "UNMANAGED ({})", s.unmanaged);
        for (t, list) in per_type {
            let _ = writeln!(out, "  {t} ({})", list.len());
            for c in list {
                let _ = writeln!(out, "    {}  {}", c.id, c.region);
            }
        }
        out.push('\n');
    }

    let unknown: Vec<_> = r.changes.iter().filter(|c| c.kind == ChangeKind::OwnerUnknown).collect();
    if !unknown.is_empty() {
        let _ = writeln!(
            out,
            "OWNER UNKNOWN ({}): rules or routes whose owner cannot be told, so not called unmanaged",
            unknown.len()
        );
        for c in unknown {
            let _ = writeln!(out, "  {} {}  {}  {}", c.rtype, c.id, c.region, c.attribute.as_deref().unwrap_or(""));
            if let Some(d) = &c.detail {
                let _ = writeln!(out, "      {d}");
            }
        }
        out.push('\n');
    }

    if !r.unscanned.is_empty() {
        let _ = writeln!(out, "UNSCANNED ({}): not listed, so nothing there is reported deleted", r.unscanned.len());
        for u in &r.unscanned {
            let _ = writeln!(out, "  {} in {}: {}", u.rtype, u.region, u.reason);
        }
        out.push('\n');
    }

    if !r.resolved.is_empty() {
        let _ = writeln!(out, "RESOLVED ({}): open before, gone now", r.resolved.len());
        for c in &r.resolved {
            let attr = c.attribute.as_deref().map(|a| format!(" {a}")).unwrap_or_default();
            let _ = writeln!(out, "  #{} {}{attr}  {} {}  {}", c.id, c.kind, c.rtype, c.resource_id, c.region);
        }
        out.push('\n');
    }

    if r.changes.is_empty() {
        let _ = writeln!(out, "No drift: {} managed resources match AWS in {}.", s.managed, r.scan.regions.join(", "));
    }
    let _ = writeln!(
        out,
        "Summary: {} managed, {} drifted, {} deleted, {} unmanaged, {} unscanned; coverage {:.1}%",
        s.managed, s.drifted, s.deleted, s.unmanaged, s.unscanned, s.coverage_pct
    );
    if s.not_compared > 0 {
        let types: Vec<String> = s.not_compared_types.iter().map(|(t, n)| format!("{t} {n}")).collect();
        let _ = writeln!(
            out,
            "Not compared: {} declared resource{} of types driftscan does not compare yet ({})",
            s.not_compared,
            if s.not_compared == 1 { "" } else { "s" },
            types.join(", ")
        );
    }
    out
}

/// `drifted ingress`, `deleted`.
fn what(c: &Change) -> String {
    match &c.attribute {
        Some(a) => format!("{} {a}", c.kind.as_str()),
        None => c.kind.as_str().to_owned(),
    }
}

/// ` by ARN at TIME` when CloudTrail told who made the change.
fn who(c: &Change) -> String {
    match (&c.actor, &c.changed_at) {
        (Some(a), Some(t)) => format!(" by {a} at {t}"),
        _ => String::new(),
    }
}

/// `  (main.tf:12)` when the change knows where its resource is written (`--tf-dir`).
fn at(c: &Change) -> String {
    c.source.as_deref().map(|s| format!("  ({s})")).unwrap_or_default()
}

pub fn state(resources: &[Resource]) -> String {
    let rows: Vec<[String; 6]> = resources
        .iter()
        .filter_map(|r| {
            let d = r.declared.as_ref()?;
            let address = match &d.deposed {
                Some(key) => format!("{} (deposed {key})", d.address),
                None => d.address.clone(),
            };
            Some([
                address,
                r.rtype.clone(),
                r.id.clone(),
                r.region.clone().unwrap_or_else(|| "-".into()),
                d.provider.clone(),
                if r.is_aws() && crate::catalog::is_covered(&r.rtype) { "yes" } else { "no" }.into(),
            ])
        })
        .collect();
    let header = ["ADDRESS", "TYPE", "ID", "REGION", "PROVIDER", "COMPARED"].map(String::from);
    let mut widths = header.each_ref().map(String::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row.iter().zip(widths).map(|(c, w)| format!("{c:w$}")).collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    let _ = writeln!(out, "{} managed resource instances", rows.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Change, ScanMeta, Summary};

    #[test]
    fn owner_unknown_rules_are_listed_apart_from_unmanaged() {
        let report = Report {
            scan: ScanMeta {
                id: None,
                started_at: "2026-11-24T10:00:00Z".into(),
                finished_at: "2026-11-24T10:00:01Z".into(),
                regions: vec!["us-east-1".into()],
                states: vec![],
                ..ScanMeta::default()
            },
            summary: Summary { owner_unknown: 1, ..Summary::default() },
            changes: vec![Change {
                kind: ChangeKind::OwnerUnknown,
                rtype: "aws_security_group_rule".into(),
                id: "sgr-1".into(),
                region: "us-east-1".into(),
                attribute: Some("ingress".into()),
                detail: Some("sg-1 declares rules inline and as aws_security_group_rule".into()),
                ..Change::default()
            }],
            resolved: vec![],
            unscanned: vec![],
        };
        let text = scan(&report);
        assert!(text.contains("OWNER UNKNOWN (1)"), "{text}");
        assert!(text.contains("aws_security_group_rule sgr-1"), "{text}");
        assert!(text.contains("declares rules inline"), "{text}");
        assert!(!text.contains("UNMANAGED"), "{text}");
    }
}
