//! The report's summary per account, for a history a fleet of scanners writes into: each
//! account's changes by kind and by severity, with the workspaces that scanned it, the most
//! severe account first. Kept apart from the page and ticket layouts so both show the same table.

use std::fmt::Write;

use crate::digest::Digest;
use crate::fleet::{self, AccountSummary, SEVERITIES};

/// The kinds a column each, in the order a reader weighs them; events last.
const KINDS: [(&str, &str); 5] = [
    ("drifted", "drifted"),
    ("deleted", "deleted"),
    ("unmanaged", "unmanaged"),
    ("owner_unknown", "owner unknown"),
    ("event", "CloudTrail events"),
];

fn name(a: &AccountSummary) -> &str {
    if a.account.is_empty() {
        "unknown account"
    } else {
        &a.account
    }
}

/// `<section id="accounts">`: one row per account, a cell per kind and per severity, each
/// carrying its count in `data-kind` / `data-severity` for links and tests.
pub fn html(o: &mut String, d: &Digest, h: fn(&str) -> String) {
    let list = fleet::per_account(&d.rows, &d.fleet);
    let _ = writeln!(o, "<section id=\"accounts\"><h2>Accounts ({})</h2>", list.len());
    if list.is_empty() {
        let _ = writeln!(o, "<p class=\"empty\">No change in any account in this window.</p></section>");
        return;
    }
    let _ = write!(o, "<table><thead><tr><th>account</th><th>workspaces</th><th class=\"num\">changes</th>");
    for (_, label) in KINDS {
        let _ = write!(o, "<th class=\"num\">{label}</th>");
    }
    for s in SEVERITIES {
        let _ = write!(o, "<th class=\"num\"><span class=\"sev {s}\">{s}</span></th>");
    }
    let _ = writeln!(o, "<th class=\"num\">anomalous</th><th class=\"num\">open</th></tr></thead><tbody>");
    for a in &list {
        let workspaces = if a.workspaces.is_empty() { "-".to_owned() } else { a.workspaces.join(", ") };
        let _ = write!(
            o,
            "<tr class=\"account\" data-account=\"{id}\"><td><code>{id}</code></td><td>{}</td><td class=\"num\">{}</td>",
            h(&workspaces),
            a.changes,
            id = h(name(a)),
        );
        for (kind, _) in KINDS {
            let _ = write!(o, "<td class=\"num\" data-kind=\"{kind}\">{}</td>", a.of_kind(kind));
        }
        for s in SEVERITIES {
            let _ = write!(o, "<td class=\"num\" data-severity=\"{s}\">{}</td>", a.of_severity(s));
        }
        let _ = writeln!(
            o,
            "<td class=\"num\" data-count=\"anomalous\">{}</td><td class=\"num\" data-count=\"open\">{}</td></tr>",
            a.anomalous, a.open
        );
    }
    let _ = writeln!(o, "</tbody></table></section>");
}

/// `## Accounts (n)`: the same table in markdown, when the report spans more than one account.
pub fn markdown(out: &mut String, d: &Digest, esc: fn(&str) -> String) {
    let list = fleet::per_account(&d.rows, &d.fleet);
    if list.len() < 2 {
        return;
    }
    let _ = writeln!(out, "\n## Accounts ({})\n", list.len());
    let _ = write!(out, "| account | workspaces | changes |");
    for (_, label) in KINDS {
        let _ = write!(out, " {label} |");
    }
    for s in SEVERITIES {
        let _ = write!(out, " {s} |");
    }
    let _ = writeln!(out, " anomalous | open |");
    let _ = writeln!(out, "|---|---|{}", "---:|".repeat(1 + KINDS.len() + SEVERITIES.len() + 2));
    for a in &list {
        let workspaces = if a.workspaces.is_empty() { "-".to_owned() } else { a.workspaces.join(", ") };
        let _ = write!(out, "| {} | {} | {} |", esc(name(a)), esc(&workspaces), a.changes);
        for (kind, _) in KINDS {
            let _ = write!(out, " {} |", a.of_kind(kind));
        }
        for s in SEVERITIES {
            let _ = write!(out, " {} |", a.of_severity(s));
        }
        let _ = writeln!(out, " {} | {} |", a.anomalous, a.open);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{tests::row, Filter};
    use crate::fleet::Fleet;
    use chrono::{DateTime, Utc};

    fn digest() -> Digest {
        let mut other = row(2, "2026-12-06T04:00:00Z", "unmanaged", false, "open");
        other.account = "222222222222".into();
        other.severity = crate::impact::Severity::High;
        let rows = vec![row(1, "2026-12-06T03:14:00Z", "drifted", true, "open"), other];
        let now = DateTime::parse_from_rfc3339("2026-12-07T00:00:00Z").unwrap().with_timezone(&Utc);
        let mut fleet = Fleet::default();
        fleet.add("<prod>", "123456789012");
        Digest::build(rows, vec![], Filter::default(), None, None, now).with_fleet(fleet)
    }

    #[test]
    fn one_row_per_account_with_its_kinds_and_severities() {
        let mut o = String::new();
        html(&mut o, &digest(), |s| s.replace('<', "&lt;").replace('>', "&gt;"));
        assert!(o.contains("<h2>Accounts (2)</h2>"), "{o}");
        assert_eq!(o.matches("<tr class=\"account\"").count(), 2);
        let high = o.find("data-account=\"222222222222\"").unwrap();
        assert!(high < o.find("data-account=\"123456789012\"").unwrap(), "the high one first: {o}");
        assert!(o.contains("<td>&lt;prod&gt;</td>"), "workspace named and escaped: {o}");
        let row_b = &o[high..o[high..].find("</tr>").unwrap() + high];
        assert!(row_b.contains("data-kind=\"unmanaged\">1<") && row_b.contains("data-kind=\"drifted\">0<"), "{row_b}");
        assert!(row_b.contains("data-severity=\"high\">1<") && row_b.contains("data-severity=\"low\">0<"), "{row_b}");

        let mut md = String::new();
        markdown(&mut md, &digest(), |s| s.to_owned());
        assert!(md.contains("## Accounts (2)") && md.contains("| 222222222222 | - | 1 | 0 | 0 | 1 |"), "{md}");
    }
}
