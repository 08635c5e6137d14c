//! The severe changes of a report (high and critical, highest first), as HTML and markdown: what
//! each does, in the words of the impact rules, with where, who and when. Kept apart from the
//! page and ticket layouts so both show the same list the same way.

use std::fmt::Write;

use crate::digest::Digest;
use crate::history::ChangeRow;

/// `<section id="severe">`: a table with a severity column, the most severe first.
pub fn html(o: &mut String, d: &Digest, h: fn(&str) -> String) {
    let list = d.severe();
    let _ = writeln!(o, "<section id=\"severe\"><h2>Severe changes ({})</h2>", list.len());
    if list.is_empty() {
        let _ = writeln!(o, "<p class=\"empty\">No change in this window is of high severity or more.</p></section>");
        return;
    }
    let _ = writeln!(
        o,
        "<table><thead><tr><th>severity</th><th class=\"num\">#</th><th>change</th><th>resource</th><th>where</th>\
         <th>who</th><th>when</th><th>what it does</th></tr></thead><tbody>"
    );
    for r in list {
        let reasons: Vec<String> = r.impact_reasons.iter().map(|x| format!("<li>{}</li>", h(x))).collect();
        let unusual =
            if r.anomalous { format!("<li>unusual: score {:.2}</li>", r.score.unwrap_or(0.0)) } else { String::new() };
        let _ = writeln!(
            o,
            "<tr class=\"severe {sev}\" data-severity=\"{sev}\"><td><span class=\"sev {sev}\">{sev}</span></td>\
             <td class=\"num\"><a href=\"#change-{id}\">{id}</a></td><td>{}</td><td><code>{}</code><br>{} <code>{}</code></td>\
             <td>{}, {}</td><td class=\"actor\">{}</td><td>{}</td><td><ul class=\"reasons\">{}{unusual}</ul></td></tr>",
            h(&what(r)),
            h(r.address.as_deref().unwrap_or(&r.resource_id)),
            h(&r.rtype),
            h(&r.resource_id),
            h(if r.account.is_empty() { "unknown account" } else { &r.account }),
            h(&r.region),
            h(r.actor.as_deref().unwrap_or("unknown")),
            h(&r.time),
            reasons.join(""),
            sev = r.severity,
            id = r.id,
        );
    }
    let _ = writeln!(o, "</tbody></table></section>");
}

/// `## Severe changes (n)`: one line per change, the most severe first, its reasons under it.
pub fn markdown(out: &mut String, d: &Digest, esc: fn(&str) -> String) {
    let list = d.severe();
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Severe changes ({})\n", list.len());
    for r in list {
        let who = r.actor.as_deref().map(|a| format!(" by {}", esc(a))).unwrap_or_default();
        let _ = writeln!(
            out,
            "- **{}** #{} {} {} in {} at {}{who}",
            r.severity.as_str().to_ascii_uppercase(),
            r.id,
            esc(&what(r)),
            esc(r.address.as_deref().unwrap_or(&r.resource_id)),
            esc(&r.region),
            esc(&r.time)
        );
        for reason in &r.impact_reasons {
            let _ = writeln!(out, "  - {}", esc(reason));
        }
        if r.anomalous {
            let _ = writeln!(out, "  - unusual too: score {:.2}", r.score.unwrap_or(0.0));
        }
    }
}

fn what(r: &ChangeRow) -> String {
    r.label()
}
