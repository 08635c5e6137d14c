//! Attribute values for people: short scalars inline, long or structured values as a compact
//! line diff (with `similar`) that shows only what moved.

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// Longest value shown inline as `declared -> actual`.
const INLINE: usize = 60;

/// Lines describing how `declared` became `actual`.
pub fn describe(declared: &Value, actual: &Value) -> Vec<String> {
    let (d, a) = (inline(declared), inline(actual));
    let structured = |v: &Value| v.is_array() || v.is_object();
    if !structured(declared) && !structured(actual) && d.len() + a.len() <= 2 * INLINE {
        return vec![format!("{d} -> {a}")];
    }
    // Nothing is no line at all: an empty side must not read as a removed blank line (`- `).
    let text = |v: &Value| lines(v).iter().map(|l| format!("{l}\n")).collect::<String>();
    let (before, after) = (text(declared), text(actual));
    let diff = TextDiff::from_lines(&before, &after);
    let mut out = Vec::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            ChangeTag::Delete => "-",
            ChangeTag::Insert => "+",
            ChangeTag::Equal => continue,
        };
        out.push(format!("{sign} {}", change.value().trim_end()));
    }
    out
}

/// A unified diff of the two values (`--- declared`, `+++ actual`, hunks with three lines of
/// context) when either is long or structured; `None` when `declared -> actual` reads on one
/// line. JSON documents held in strings (policies) are pretty-printed first, so the diff shows
/// the keys that moved rather than one long line.
pub fn unified(declared: &Value, actual: &Value) -> Option<String> {
    let (d, a) = (inline(declared), inline(actual));
    let long = |v: &Value| {
        v.is_array()
            || v.is_object()
            || v.as_str().is_some_and(|s| s.contains('\n') || s.trim_start().starts_with(['{', '[']))
    };
    if !long(declared) && !long(actual) && d.len() + a.len() <= 2 * INLINE {
        return None;
    }
    let (before, after) = (document(declared).join("\n") + "\n", document(actual).join("\n") + "\n");
    let diff = TextDiff::from_lines(&before, &after);
    Some(diff.unified_diff().context_radius(3).header("declared", "actual").to_string())
}

/// A value as the lines of a document: JSON held in a string is parsed and pretty-printed.
fn document(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(doc @ (Value::Object(_) | Value::Array(_))) => {
                serde_json::to_string_pretty(&doc).unwrap_or_default().lines().map(str::to_owned).collect()
            }
            _ => lines(v),
        },
        _ => lines(v),
    }
}

/// A value on one line: strings quoted, nothing as `(none)`.
pub fn inline(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        other => other.to_string(),
    }
}

/// A value as comparable lines: one per list element or map entry.
fn lines(v: &Value) -> Vec<String> {
    match v {
        Value::Null => vec![],
        Value::Array(items) => items.iter().flat_map(terraform_rule).map(|v| item(&v)).collect(),
        Value::Object(map) => map.iter().map(|(k, v)| format!("{k} = {}", inline(v))).collect(),
        Value::String(s) => s.lines().map(str::to_owned).collect(),
        other => vec![other.to_string()],
    }
}

/// A security group rule as Terraform writes it (a plan's planned values), one per source as a
/// scan shows rules; anything else as it is.
fn terraform_rule(v: &Value) -> Vec<Value> {
    let has = |k: &str| v.get(k).is_some();
    let sources = ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups", "self"];
    if has("protocol") && has("from_port") && !has("source") && sources.iter().any(|k| has(k)) {
        // A group's own id is not known here: a rule naming it reads as that id, not `self`.
        crate::normalise::explode_rule(v, "")
    } else {
        vec![v.clone()]
    }
}

/// A list element; security group rules read as `tcp 22-22 from 10.0.0.0/8 "SSH"`.
fn item(v: &Value) -> String {
    let field = |k: &str| v.get(k);
    match (field("protocol"), field("from_port"), field("to_port"), field("source")) {
        (Some(p), Some(f), Some(t), Some(Value::String(src))) => {
            let proto =
                p.as_str().map_or_else(|| p.to_string(), |s| if s == "-1" { "all".into() } else { s.to_owned() });
            let ports = if proto == "all" { String::new() } else { format!(" {f}-{t}") };
            let desc = field("description").and_then(Value::as_str).filter(|d| !d.is_empty());
            format!("{proto}{ports} {src}{}", desc.map(|d| format!(" \"{d}\"")).unwrap_or_default())
        }
        _ => inline(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_inline_and_sets_as_diff() {
        assert_eq!(describe(&json!("t3.micro"), &json!("t3.large")), vec![r#""t3.micro" -> "t3.large""#]);
        let rule = |port: i64| json!({"protocol": "tcp", "from_port": port, "to_port": port, "source": "0.0.0.0/0", "description": ""});
        let lines = describe(&json!([rule(443)]), &json!([rule(3389), rule(443)]));
        assert_eq!(lines, vec!["+ tcp 3389-3389 0.0.0.0/0"]);
        let tags = describe(&json!({"Name": "a"}), &json!({"Name": "a", "Owner": "console"}));
        assert_eq!(tags, vec![r#"+ Owner = "console""#]);
        // From nothing: only the added lines, no removed blank one.
        assert_eq!(describe(&Value::Null, &json!([rule(22)])), vec!["+ tcp 22-22 0.0.0.0/0"]);
        assert_eq!(describe(&json!([rule(22)]), &Value::Null), vec!["- tcp 22-22 0.0.0.0/0"]);
        // Rules as a plan writes them read the same way, one line per source.
        let planned = json!([{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["10.0.0.0/8", "10.1.0.0/16"],
                              "ipv6_cidr_blocks": [], "security_groups": [], "self": false, "description": "ssh"}]);
        assert_eq!(
            describe(&planned, &json!([])),
            vec![r#"- tcp 22-22 10.0.0.0/8 "ssh""#, r#"- tcp 22-22 10.1.0.0/16 "ssh""#]
        );
    }

    #[test]
    fn long_values_as_unified_diffs_and_short_ones_inline() {
        assert_eq!(unified(&json!("t3.micro"), &json!("t3.large")), None);
        let policy = |effect: &str| {
            json!(format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Action":"s3:*","Resource":"*"}}]}}"#
            ))
        };
        let diff = unified(&policy("Deny"), &policy("Allow")).unwrap();
        assert!(diff.starts_with("--- declared\n+++ actual\n@@"), "{diff}");
        assert!(diff.contains("-      \"Effect\": \"Deny\",\n+      \"Effect\": \"Allow\","), "{diff}");
        assert!(diff.contains(" \"Version\": \"2012-10-17\""), "context lines kept: {diff}");
        let script = unified(&json!("#!/bin/sh\necho a\n"), &json!("#!/bin/sh\necho b\n")).unwrap();
        assert!(script.contains("-echo a\n+echo b"), "{script}");
    }
}
