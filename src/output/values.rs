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
    let (before, after) = (lines(declared).join("\n") + "\n", lines(actual).join("\n") + "\n");
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

fn inline(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        other => other.to_string(),
    }
}

/// A value as comparable lines: one per list element or map entry.
fn lines(v: &Value) -> Vec<String> {
    match v {
        Value::Null => vec![],
        Value::Array(items) => items.iter().map(item).collect(),
        Value::Object(map) => map.iter().map(|(k, v)| format!("{k} = {}", inline(v))).collect(),
        Value::String(s) => s.lines().map(str::to_owned).collect(),
        other => vec![other.to_string()],
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
    }
}
