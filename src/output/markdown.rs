//! `report --format markdown`: a window of history to paste into a ticket or a pull request
//! (GitHub-flavoured tables, long values as fenced `diff` blocks).
//!
//! Text from AWS (ids, tags, names, actors) is escaped so it cannot make links, HTML or table
//! columns of its own.

use std::fmt::Write;

use super::values;
use crate::digest::Digest;
use crate::history::ChangeRow;

pub fn render(d: &Digest) -> String {
    let mut out = String::new();
    let c = &d.counts;
    let _ = writeln!(out, "# driftscan report\n");
    let _ = writeln!(out, "Window: {}", esc(&d.window_text()));
    let filters = d.filter.describe();
    if !filters.is_empty() {
        let _ = writeln!(out, "\nFilters: {}", esc(&filters.join(", ")));
    }
    let _ = writeln!(out, "\n| changes | anomalous | open drifts | resolved | CloudTrail events |");
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|");
    let _ = writeln!(out, "| {} | {} | {} | {} | {} |", c.changes, c.anomalous, c.open, c.resolved, c.events);

    super::accounts::markdown(&mut out, d, esc);
    super::severity::markdown(&mut out, d, esc);

    let anomalies = d.anomalies();
    if !anomalies.is_empty() {
        let _ = writeln!(out, "\n## Anomalous changes ({})", anomalies.len());
        for r in anomalies {
            let _ = writeln!(
                out,
                "\n### #{} {} `{}` in {} (score {:.2})\n",
                r.id,
                esc(&what(r)),
                code(&r.resource_id),
                esc(&r.region),
                r.score.unwrap_or(0.0)
            );
            let _ = writeln!(out, "- **Where:** account {}, {}", esc(or_unknown(&r.account)), esc(&r.region));
            let _ = writeln!(
                out,
                "- **Who:** {} at {}",
                esc(r.actor.as_deref().unwrap_or("unknown (no CloudTrail event)")),
                esc(&r.time)
            );
            let _ = writeln!(out, "- **Severity:** {}", r.severity);
            if let Some(ack) = acked(r) {
                let _ = writeln!(out, "- **Reviewed:** {ack}");
            }
            let _ = writeln!(out, "- **Why unusual:**");
            for reason in &r.reasons {
                let _ = writeln!(out, "  - {}", esc(reason));
            }
            change_detail(&mut out, r);
        }
    }

    let open: Vec<&ChangeRow> = d.open().collect();
    if !open.is_empty() {
        let _ = writeln!(out, "\n## Open drifts ({})\n", open.len());
        let _ = writeln!(out, "| # | kind | resource | region | attribute | since | actor |");
        let _ = writeln!(out, "|---:|---|---|---|---|---|---|");
        for r in &open {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                r.id,
                esc(&r.kind),
                esc(r.address.as_deref().unwrap_or(&r.resource_id)),
                esc(&r.region),
                esc(r.attribute.as_deref().unwrap_or("")),
                esc(&r.first_seen),
                esc(r.actor.as_deref().unwrap_or("-"))
            );
        }
        for r in open.iter().filter(|r| r.attribute.is_some() && !r.anomalous) {
            let _ = writeln!(
                out,
                "\n**#{} {} `{}`**",
                r.id,
                esc(r.address.as_deref().unwrap_or(&r.resource_id)),
                code(r.attribute.as_deref().unwrap_or(""))
            );
            change_detail(&mut out, r);
        }
    }

    if !d.top_resources.is_empty() {
        let _ = writeln!(out, "\n## Most changed resources\n");
        let _ = writeln!(out, "| resource | type | changes | anomalous |");
        let _ = writeln!(out, "|---|---|---:|---:|");
        for t in &d.top_resources {
            let _ = writeln!(out, "| {} | {} | {} | {} |", esc(&t.name), esc(&t.rtype), t.changes, t.anomalous);
        }
    }

    if !d.rows.is_empty() {
        let _ = writeln!(out, "\n## All changes ({})\n", d.rows.len());
        let _ = writeln!(out, "| # | time | source | change | type | resource | region | actor | score |");
        let _ = writeln!(out, "|---:|---|---|---|---|---|---|---|---:|");
        let (listed, left_out) = d.listed();
        for r in listed {
            let score = r.score.map(|s| format!("{s:.2}{}", if r.anomalous { " ⚠" } else { "" })).unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {score} |",
                r.id,
                esc(&r.time),
                esc(&r.source),
                esc(&what(r)),
                esc(&r.rtype),
                esc(&r.resource_id),
                esc(&r.region),
                esc(r.actor.as_deref().unwrap_or("-"))
            );
        }
        if left_out > 0 {
            let _ = writeln!(
                out,
                "\nThe latest {} are listed; {left_out} earlier ones are in `--format csv`.",
                listed.len()
            );
        }
    } else {
        let _ = writeln!(out, "\nNo changes recorded in this window.");
    }
    let _ = writeln!(out, "\n_Made by `driftscan report` at {}._", crate::history::rfc3339(d.now));
    out
}

/// `drifted ingress`, `deleted`, or the CloudTrail event name.
fn what(r: &ChangeRow) -> String {
    r.label()
}

/// The attribute's old and new value: inline, or as a fenced unified diff when long.
fn change_detail(out: &mut String, r: &ChangeRow) {
    let (Some(declared), Some(actual)) = (&r.declared, &r.actual) else { return };
    match values::unified(declared, actual) {
        None => {
            let _ = writeln!(out, "\n`{}` → `{}`", code(&values::inline(declared)), code(&values::inline(actual)));
        }
        Some(diff) => {
            // A fence longer than any run of backticks inside cannot be closed by the content.
            let fence = "`".repeat(3.max(longest_run(&diff, '`') + 1));
            let _ = writeln!(out, "\n{fence}diff\n{}{fence}", diff);
        }
    }
}

fn acked(r: &ChangeRow) -> Option<&'static str> {
    match r.expected {
        Some(true) => Some("acknowledged as expected"),
        Some(false) => Some("reviewed"),
        None => None,
    }
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() {
        "unknown"
    } else {
        s
    }
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in s.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Markdown text: characters that would start markup, links, HTML or a table cell are escaped;
/// a line break would end a table row, so it becomes a space.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(ch);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

/// Text inside a code span: a backtick would close it, a line break would end a table row.
fn code(s: &str) -> String {
    s.replace('`', "'").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{tests::row, Digest, Filter};
    use chrono::{DateTime, Utc};

    #[test]
    fn sections_and_escaping() {
        let mut anomalous = row(7, "2026-12-06T03:14:00Z", "drifted", true, "open");
        anomalous.declared = Some(serde_json::json!(r#"{"Statement":[{"Effect":"Deny"}]}"#));
        anomalous.actual = Some(serde_json::json!(r#"{"Statement":[{"Effect":"Allow"}]}"#));
        let mut tagged = row(8, "2026-12-06T04:00:00Z", "drifted", false, "open");
        tagged.address = Some("aws_instance.x | <img src=x> [link](http://e)".into());
        let now = DateTime::parse_from_rfc3339("2026-12-07T00:00:00Z").unwrap().with_timezone(&Utc);
        let d = Digest::build(vec![anomalous, tagged], vec![], Filter::default(), None, None, now);
        let md = render(&d);
        for needle in ["## Anomalous changes (1)", "## Open drifts (2)", "- **Why unusual:**", "```diff\n--- declared"]
        {
            assert!(md.contains(needle), "lacks {needle:?}:\n{md}");
        }
        assert!(md.contains(r"aws\_instance.x \| &lt;img src=x&gt; \[link\](http://e)"), "{md}");
        assert!(!md.contains("<img"), "{md}");
    }
}
