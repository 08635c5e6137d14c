//! `report --format csv`: one row per change for spreadsheets, RFC 4180 (CRLF line ends, a field
//! quoted when it holds a comma, quote or line break, quotes doubled).
//!
//! A field from AWS that starts like a formula (`=`, `+`, `-`, `@`) and is not a number gets a
//! leading `'`, so a tag value cannot run as a formula in the spreadsheet that opens the file.

use serde_json::Value;

use crate::digest::Digest;
use crate::history::ChangeRow;

const HEADER: [&str; 24] = [
    "id",
    "time",
    "source",
    "kind",
    "event_name",
    "type",
    "resource_id",
    "address",
    "region",
    "account",
    "attribute",
    "declared",
    "actual",
    "actor",
    "status",
    "score",
    "anomalous",
    "reasons",
    "first_seen",
    "last_seen",
    "resolved_at",
    "acked_at",
    "expected",
    "event_id",
];

pub fn render(d: &Digest) -> String {
    let mut out = String::new();
    line(&mut out, HEADER.iter().map(|h| h.to_string()));
    for r in &d.rows {
        line(&mut out, fields(r).into_iter());
    }
    out
}

fn fields(r: &ChangeRow) -> [String; 24] {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let json = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
    [
        r.id.to_string(),
        r.time.clone(),
        r.source.clone(),
        r.kind.clone(),
        opt(&r.event_name),
        r.rtype.clone(),
        r.resource_id.clone(),
        opt(&r.address),
        r.region.clone(),
        r.account.clone(),
        opt(&r.attribute),
        json(&r.declared),
        json(&r.actual),
        opt(&r.actor),
        r.status.clone(),
        r.score.map(|s| s.to_string()).unwrap_or_default(),
        r.anomalous.to_string(),
        // One cell: sentences one per line, which spreadsheets show wrapped.
        r.reasons.join("\n"),
        r.first_seen.clone(),
        r.last_seen.clone(),
        opt(&r.resolved_at),
        opt(&r.acked_at),
        r.expected.map(|e| e.to_string()).unwrap_or_default(),
        opt(&r.event_id),
    ]
}

fn line(out: &mut String, cells: impl Iterator<Item = String>) {
    let cells: Vec<String> = cells.map(|c| field(&c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// One field, defused against formulas and quoted when RFC 4180 needs it.
fn field(s: &str) -> String {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err();
    let s = if formula { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{tests::row, Digest, Filter};
    use chrono::Utc;

    #[test]
    fn rfc4180_quoting_and_formulas_defused() {
        let mut r = row(1, "2026-12-06T03:14:00Z", "drifted", true, "open");
        r.actual = Some(serde_json::json!({"Name": "a, \"b\""}));
        r.reasons = vec!["first".into(), "second".into()];
        r.address = Some("=HYPERLINK(\"http://e\")".into());
        let d = Digest::build(vec![r], vec![], Filter::default(), None, None, Utc::now());
        let csv = render(&d);
        let mut lines = csv.split("\r\n");
        assert!(lines.next().unwrap().starts_with("id,time,source,kind,"));
        let row = lines.next().unwrap();
        assert!(row.contains(r#","{""Name"":""a, \""b\""""}","#), "{row}");
        assert!(row.contains(r#","'=HYPERLINK(""http://e"")","#), "{row}");
        assert!(csv.contains("\"first\nsecond\""), "{csv}");
        assert_eq!(field("-1"), "-1", "numbers stay numbers");
        assert!(csv.ends_with("\r\n"));
    }
}
