//! `report --format html`: one self-contained page (inline CSS, inline SVG charts, no script, no
//! fetch). A Content-Security-Policy of `default-src 'none'` makes the browser refuse anything
//! from the network, so the file can be mailed or archived and opened anywhere.
//!
//! Every section has a stable `id` (`summary`, `anomalies`, `open-drifts`, `heatmap`, `per-day`,
//! `top-resources`, `top-types`, `coverage`, `changes`): the Chromium test and links rely on them.
//! All text is HTML-escaped: tags and names come from AWS.

use std::fmt::Write;

use chrono::DateTime;

use super::values;
use crate::digest::{Digest, Ranked};
use crate::history::{rfc3339, ChangeRow};

const STYLE: &str = r#"
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --accent: #1f6feb; --bad: #cf222e; --ok: #1a7f37; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1200px; padding: 24px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 6px; }
.muted, .window { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 130px; }
.card .n { display: block; font-size: 26px; font-weight: 600; }
.card.bad .n { color: var(--bad); } .card .l { color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f5f7fa; font-weight: 600; }
td.num, th.num { text-align: right; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre.diff { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px; overflow-x: auto; margin: 6px 0; }
pre.diff .add { color: var(--ok); } pre.diff .del { color: var(--bad); } pre.diff .hunk { color: var(--accent); }
.anomaly { border: 1px solid #f1c0c4; border-left: 4px solid var(--bad); border-radius: 6px; padding: 10px 14px; margin: 10px 0; }
.anomaly dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; }
.anomaly dt { color: var(--muted); } .anomaly dd { margin: 0; }
.score { font-weight: 600; color: var(--bad); }
.bar { display: inline-block; height: 10px; background: var(--accent); border-radius: 2px; vertical-align: middle; }
.bar.bad { background: var(--bad); }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
.sev { display: inline-block; padding: 0 6px; border-radius: 4px; font-weight: 600; color: #fff; background: #8a94a3; }
.sev.critical { background: #8e1020; } .sev.high { background: var(--bad); } .sev.medium { background: #b26a00; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"#;

pub fn render(d: &Digest) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>driftscan report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        h(&d.window_text())
    );
    let _ = writeln!(o, "<header><h1>driftscan report</h1><p class=\"window\">{}", h(&d.window_text()));
    let filters = d.filter.describe();
    if !filters.is_empty() {
        let _ = write!(o, " &middot; filters: {}", h(&filters.join(", ")));
    }
    let _ = writeln!(o, "</p></header>");
    summary(&mut o, d);
    super::accounts::html(&mut o, d, h);
    super::severity::html(&mut o, d, h);
    anomalies(&mut o, d);
    open_drifts(&mut o, d);
    heatmap(&mut o, d);
    per_day(&mut o, d);
    let _ = writeln!(o, "<div class=\"grid2\">");
    top(&mut o, "top-resources", "Resources that change most", &d.top_resources, true);
    top(&mut o, "top-types", "Types that change most", &d.top_types, false);
    let _ = writeln!(o, "</div>");
    coverage(&mut o, d);
    all_changes(&mut o, d);
    let _ = writeln!(
        o,
        "<footer>Made by <code>driftscan report</code> at {}. Times are UTC.</footer>\n</body>\n</html>",
        h(&rfc3339(d.now))
    );
    o
}

fn summary(o: &mut String, d: &Digest) {
    let c = &d.counts;
    let _ = writeln!(o, "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
    let latest = d.coverage.last().map(|s| format!("{:.1}%", s.coverage_pct)).unwrap_or_else(|| "-".into());
    for (key, n, label, bad) in [
        ("changes", c.changes.to_string(), "changes", false),
        ("anomalous", c.anomalous.to_string(), "anomalous", c.anomalous > 0),
        ("open", c.open.to_string(), "open drifts", false),
        ("resolved", c.resolved.to_string(), "resolved", false),
        ("events", c.events.to_string(), "CloudTrail events", false),
        ("coverage", latest, "coverage (latest scan)", false),
    ] {
        let class = if bad { "card bad" } else { "card" };
        let _ = writeln!(
            o,
            "<div class=\"{class}\" data-count=\"{key}\"><span class=\"n\">{}</span><span class=\"l\">{label}</span></div>",
            h(&n)
        );
    }
    let _ = writeln!(o, "</div></section>");
}

fn anomalies(o: &mut String, d: &Digest) {
    let list = d.anomalies();
    let _ = writeln!(o, "<section id=\"anomalies\"><h2>Anomalous changes ({})</h2>", list.len());
    if list.is_empty() {
        let _ = writeln!(o, "<p class=\"empty\">No change in this window scored as unusual.</p>");
    }
    for r in list {
        let _ = writeln!(
            o,
            "<article class=\"anomaly\" id=\"change-{}\"><h3>#{} {} <code>{}</code> <span class=\"score\">score {:.2}</span></h3>",
            r.id,
            r.id,
            h(&what(r)),
            h(r.address.as_deref().unwrap_or(&r.resource_id)),
            r.score.unwrap_or(0.0)
        );
        let _ = writeln!(o, "<dl>");
        let _ = writeln!(o, "<dt>Resource</dt><dd>{} <code>{}</code></dd>", h(&r.rtype), h(&r.resource_id));
        let account = if r.account.is_empty() { "unknown account" } else { &r.account };
        let _ = writeln!(o, "<dt>Where</dt><dd>{}, {}</dd>", h(account), h(&r.region));
        let _ = writeln!(
            o,
            "<dt>Who</dt><dd class=\"actor\">{}</dd>",
            h(r.actor.as_deref().unwrap_or("unknown (no CloudTrail event)"))
        );
        let _ = writeln!(o, "<dt>When</dt><dd>{}</dd>", h(&r.time));
        let _ = writeln!(o, "<dt>Severity</dt><dd><span class=\"sev {0}\">{0}</span></dd>", r.severity);
        if let Some(e) = r.expected {
            let _ =
                writeln!(o, "<dt>Reviewed</dt><dd>{}</dd>", if e { "acknowledged as expected" } else { "reviewed" });
        }
        let _ = writeln!(o, "</dl><ul class=\"reasons\">");
        for reason in &r.reasons {
            let _ = writeln!(o, "<li>{}</li>", h(reason));
        }
        let _ = writeln!(o, "</ul>");
        change_detail(o, r);
        let _ = writeln!(o, "</article>");
    }
    let _ = writeln!(o, "</section>");
}

fn open_drifts(o: &mut String, d: &Digest) {
    let open: Vec<&ChangeRow> = d.open().collect();
    let _ = writeln!(o, "<section id=\"open-drifts\"><h2>Open drifts ({})</h2>", open.len());
    if open.is_empty() {
        let _ = writeln!(o, "<p class=\"empty\">No drift open in this window.</p></section>");
        return;
    }
    let _ = writeln!(
        o,
        "<table><thead><tr><th class=\"num\">#</th><th>kind</th><th>resource</th><th>region</th><th>change</th>\
         <th>first seen</th><th>actor</th><th class=\"num\">score</th></tr></thead><tbody>"
    );
    for r in open {
        let _ = write!(
            o,
            "<tr id=\"open-{}\"><td class=\"num\">{}</td><td>{}</td><td><code>{}</code><br><span class=\"muted\">{}</span></td><td>{}</td><td>",
            r.id,
            r.id,
            h(&r.kind),
            h(r.address.as_deref().unwrap_or(&r.resource_id)),
            h(&r.rtype),
            h(&r.region)
        );
        if let Some(a) = &r.attribute {
            let _ = write!(o, "<code>{}</code>", h(a));
        }
        change_detail(o, r);
        let _ = writeln!(
            o,
            "</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            h(&r.first_seen),
            h(r.actor.as_deref().unwrap_or("-")),
            score(r)
        );
    }
    let _ = writeln!(o, "</tbody></table></section>");
}

/// 7 x 24 cells, Monday first, shaded by how many changes fell in that UTC hour of the week.
fn heatmap(o: &mut String, d: &Digest) {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let (cw, ch, left, top) = (28, 20, 40, 18);
    let max = d.heatmap.iter().flatten().copied().max().unwrap_or(0).max(1);
    let (w, hgt) = (left + 24 * cw + 4, top + 7 * ch + 4);
    let _ = writeln!(o, "<section id=\"heatmap\"><h2>Changes by hour of the week (UTC)</h2>");
    let _ = writeln!(
        o,
        "<svg width=\"{w}\" height=\"{hgt}\" viewBox=\"0 0 {w} {hgt}\" role=\"img\" aria-label=\"changes by hour of the week\">"
    );
    for hour in (0..24).step_by(3) {
        let _ = writeln!(o, "<text x=\"{}\" y=\"12\">{hour:02}h</text>", left + hour * cw + 2);
    }
    for (day, name) in DAYS.iter().enumerate() {
        let y = top + day * ch;
        let _ = writeln!(o, "<text x=\"0\" y=\"{}\">{name}</text>", y + 14);
        for hour in 0..24 {
            let n = d.heatmap[day][hour];
            let (fill, opacity) =
                if n == 0 { ("#eef1f4", 1.0) } else { ("#1f6feb", 0.2 + 0.8 * n as f64 / max as f64) };
            let _ = writeln!(
                o,
                "<rect class=\"cell\" data-count=\"{n}\" x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"{fill}\" fill-opacity=\"{opacity:.2}\"><title>{name} {hour:02}:00 UTC: {n} changes</title></rect>",
                left + hour * cw,
                cw - 2,
                ch - 2
            );
        }
    }
    let _ = writeln!(o, "</svg></section>");
}

/// One bar a day: every change, with the anomalous ones in red at its foot.
fn per_day(o: &mut String, d: &Digest) {
    let (left, top, plot_w, plot_h) = (36.0, 10.0, 1000.0, 160.0);
    let n = d.per_day.len().max(1) as f64;
    let max = d.per_day.iter().map(|x| x.changes).max().unwrap_or(0).max(1) as f64;
    let slot = plot_w / n;
    let bar = (slot * 0.8).max(1.0);
    let (w, hgt) = (left + plot_w + 10.0, top + plot_h + 34.0);
    let _ = writeln!(o, "<section id=\"per-day\"><h2>Changes per day</h2>");
    let _ = writeln!(
        o,
        "<svg width=\"100%\" viewBox=\"0 0 {w} {hgt}\" role=\"img\" aria-label=\"changes per day\">\
         <line x1=\"{left}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#d9dee7\"/>\
         <text x=\"0\" y=\"{t}\">{max}</text><text x=\"0\" y=\"{b}\">0</text>",
        b = top + plot_h,
        r = left + plot_w,
        t = top + 10.0
    );
    for (i, day) in d.per_day.iter().enumerate() {
        let x = left + i as f64 * slot + (slot - bar) / 2.0;
        let total = plot_h * day.changes as f64 / max;
        let bad = plot_h * day.anomalous as f64 / max;
        let _ = writeln!(
            o,
            "<g class=\"day\" data-date=\"{}\" data-count=\"{}\"><title>{}: {} changes, {} anomalous</title>\
             <rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{total:.1}\" fill=\"#1f6feb\"/>\
             <rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{bad:.1}\" fill=\"#cf222e\"/></g>",
            day.date,
            day.changes,
            day.date,
            day.changes,
            day.anomalous,
            top + plot_h - total,
            top + plot_h - bad
        );
    }
    // Dates under the first, middle and last bars are enough to read the axis.
    let mut labelled: Vec<usize> = vec![0, d.per_day.len() / 2, d.per_day.len().saturating_sub(1)];
    labelled.dedup();
    for i in labelled.into_iter().filter(|&i| i < d.per_day.len()) {
        let x = (left + i as f64 * slot + slot / 2.0 - 30.0).clamp(0.0, w - 64.0);
        let _ = writeln!(o, "<text x=\"{x:.1}\" y=\"{}\">{}</text>", top + plot_h + 16.0, d.per_day[i].date);
    }
    let _ = writeln!(o, "</svg></section>");
}

fn top(o: &mut String, id: &str, title: &str, list: &[Ranked], resources: bool) {
    let _ = writeln!(o, "<section id=\"{id}\"><h2>{title}</h2>");
    if list.is_empty() {
        let _ = writeln!(o, "<p class=\"empty\">No changes.</p></section>");
        return;
    }
    let max = list.iter().map(|t| t.changes).max().unwrap_or(1).max(1);
    let _ = writeln!(o, "<table><tbody>");
    for t in list {
        let width = 120 * t.changes / max;
        let bad = 120 * t.anomalous / max;
        let what = if resources {
            format!("<code>{}</code><br><span class=\"muted\">{}</span>", h(&t.name), h(&t.rtype))
        } else {
            format!("<code>{}</code>", h(&t.name))
        };
        let _ = writeln!(
            o,
            "<tr class=\"ranked\"><td>{what}</td><td class=\"num\">{}</td><td><span class=\"bar bad\" style=\"width:{bad}px\"></span>\
             <span class=\"bar\" style=\"width:{}px\"></span> <span class=\"muted\">{} anomalous</span></td></tr>",
            t.changes,
            width - bad,
            t.anomalous
        );
    }
    let _ = writeln!(o, "</tbody></table></section>");
}

/// Coverage (managed / everything seen) of each scan, as a line over the scans' times.
fn coverage(o: &mut String, d: &Digest) {
    let _ = writeln!(o, "<section id=\"coverage\"><h2>Coverage over time</h2>");
    if d.coverage.is_empty() {
        let _ = writeln!(o, "<p class=\"empty\">No scan in this window.</p></section>");
        return;
    }
    let (left, top, plot_w, plot_h) = (40.0, 10.0, 1000.0, 140.0);
    let times: Vec<i64> = d
        .coverage
        .iter()
        .map(|s| DateTime::parse_from_rfc3339(&s.started_at).map(|t| t.timestamp()).unwrap_or(0))
        .collect();
    let (t0, t1) = (times[0], *times.last().unwrap_or(&times[0]));
    let x = |t: i64| {
        if t1 == t0 {
            left + plot_w / 2.0
        } else {
            left + plot_w * (t - t0) as f64 / (t1 - t0) as f64
        }
    };
    let y = |pct: f64| top + plot_h * (1.0 - pct.clamp(0.0, 100.0) / 100.0);
    let (w, hgt) = (left + plot_w + 10.0, top + plot_h + 30.0);
    let _ = writeln!(
        o,
        "<svg width=\"100%\" viewBox=\"0 0 {w} {hgt}\" role=\"img\" aria-label=\"coverage over time\">\
         <line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#d9dee7\"/>\
         <line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#d9dee7\"/>\
         <text x=\"0\" y=\"{}\">100%</text><text x=\"0\" y=\"{}\">0%</text>",
        y(100.0),
        left + plot_w,
        y(100.0),
        y(0.0),
        left + plot_w,
        y(0.0),
        y(100.0) + 4.0,
        y(0.0)
    );
    let points: Vec<String> =
        d.coverage.iter().zip(&times).map(|(s, &t)| format!("{:.1},{:.1}", x(t), y(s.coverage_pct))).collect();
    let _ =
        writeln!(o, "<polyline fill=\"none\" stroke=\"#1a7f37\" stroke-width=\"2\" points=\"{}\"/>", points.join(" "));
    for (s, &t) in d.coverage.iter().zip(&times) {
        let _ = writeln!(
            o,
            "<circle class=\"scan\" data-coverage=\"{:.1}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#1a7f37\">\
             <title>scan {} at {}: {:.1}% ({} managed, {} drifted, {} deleted, {} unmanaged)</title></circle>",
            s.coverage_pct,
            x(t),
            y(s.coverage_pct),
            s.id,
            h(&s.started_at),
            s.coverage_pct,
            s.managed,
            s.drifted,
            s.deleted,
            s.unmanaged
        );
    }
    let (first, last) = (&d.coverage[0], &d.coverage[d.coverage.len() - 1]);
    let _ = writeln!(
        o,
        "<text x=\"{left}\" y=\"{b}\">{}</text><text x=\"{}\" y=\"{b}\">{}</text></svg></section>",
        h(&first.started_at),
        left + plot_w - 130.0,
        h(&last.started_at),
        b = top + plot_h + 18.0
    );
}

fn all_changes(o: &mut String, d: &Digest) {
    let _ = writeln!(o, "<section id=\"changes\"><h2>All changes ({})</h2>", d.rows.len());
    if d.rows.is_empty() {
        let _ = writeln!(o, "<p class=\"empty\">No changes recorded in this window.</p></section>");
        return;
    }
    let _ = writeln!(
        o,
        "<table><thead><tr><th class=\"num\">#</th><th>time</th><th>source</th><th>change</th><th>type</th>\
         <th>resource</th><th>region</th><th>actor</th><th>status</th><th class=\"num\">score</th><th>severity</th></tr></thead><tbody>"
    );
    let (listed, left_out) = d.listed();
    if left_out > 0 {
        let _ = writeln!(
            o,
            "<p class=\"muted\">The latest {} are listed; {left_out} earlier ones are in <code>--format csv</code>.</p>",
            listed.len()
        );
    }
    for r in listed {
        let _ = writeln!(
            o,
            "<tr class=\"change\"><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td>\
             <td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td><span class=\"sev {}\">{}</span></td></tr>",
            r.id,
            h(&r.time),
            h(&r.source),
            h(&what(r)),
            h(&r.rtype),
            h(&r.resource_id),
            h(&r.region),
            h(r.actor.as_deref().unwrap_or("-")),
            h(&r.status),
            score(r),
            r.severity,
            r.severity
        );
    }
    let _ = writeln!(o, "</tbody></table></section>");
}

fn what(r: &ChangeRow) -> String {
    r.label()
}

fn score(r: &ChangeRow) -> String {
    match r.score {
        Some(s) if r.anomalous => format!("<span class=\"score\">{s:.2}</span>"),
        Some(s) => format!("{s:.2}"),
        None => "-".into(),
    }
}

/// The attribute's old and new values: inline, or a coloured unified diff when long.
fn change_detail(o: &mut String, r: &ChangeRow) {
    let (Some(declared), Some(actual)) = (&r.declared, &r.actual) else { return };
    match values::unified(declared, actual) {
        None => {
            let _ = write!(
                o,
                "<div class=\"values\"><code>{}</code> &rarr; <code>{}</code></div>",
                h(&values::inline(declared)),
                h(&values::inline(actual))
            );
        }
        Some(diff) => {
            let _ = write!(o, "<pre class=\"diff\">");
            for line in diff.lines() {
                let class = match line.chars().next() {
                    _ if line.starts_with("---") || line.starts_with("+++") => "file",
                    Some('+') => "add",
                    Some('-') => "del",
                    Some('@') => "hunk",
                    _ => "ctx",
                };
                let _ = writeln!(o, "<span class=\"{class}\">{}</span>", h(line));
            }
            let _ = write!(o, "</pre>");
        }
    }
}

/// HTML text and attribute escaping.
fn h(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{tests::row, Filter};
    use crate::history::ScanPoint;
    use chrono::Utc;

    #[test]
    fn every_section_self_contained_and_escaped() {
        let mut evil = row(2, "2026-12-06T04:00:00Z", "drifted", true, "open");
        evil.address = Some("<script>alert(1)</script>".into());
        let rows = vec![row(1, "2026-12-06T03:14:00Z", "event", true, "recorded"), evil];
        let scans = vec![ScanPoint {
            id: 1,
            started_at: "2026-12-06T04:00:00Z".into(),
            managed: 10,
            drifted: 1,
            deleted: 0,
            unmanaged: 1,
            coverage_pct: 90.9,
        }];
        let now = DateTime::parse_from_rfc3339("2026-12-07T00:00:00Z").unwrap().with_timezone(&Utc);
        let since = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let html = render(&Digest::build(rows, scans, Filter::default(), Some(since), None, now));
        for id in
            ["summary", "anomalies", "open-drifts", "heatmap", "per-day", "top-resources", "top-types", "coverage"]
        {
            assert!(html.contains(&format!("id=\"{id}\"")), "no section {id}");
        }
        assert_eq!(html.matches("class=\"cell\"").count(), 168);
        assert_eq!(html.matches("class=\"day\"").count(), 6, "Dec 1 to Dec 6");
        assert!(!html.contains("<script"), "escaped");
        assert!(!html.contains("http://") && !html.contains("https://"), "nothing to fetch");
        assert!(html.contains("&lt;b&gt;&amp;&lt;/b&gt;"), "values escaped");
    }
}
