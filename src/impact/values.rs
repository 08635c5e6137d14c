//! Reading values the way the rules need them, whatever form a state, AWS or an older history
//! row gave them in: policy documents as JSON values or JSON text, booleans as `true` or
//! `"true"`, one-element blocks as a list of one.

use serde_json::Value;

/// The policy documents in a value: the value itself when it is one (a JSON object with
/// `Statement`, or JSON text of one, URL-encoded as IAM returns it or not), else every document
/// inside it (a role's `inline_policy` blocks hold theirs as text).
pub fn documents(v: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    collect(v, &mut out);
    out
}

fn collect(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) if m.contains_key("Statement") => out.extend(crate::policy::canonical(v)),
        Value::Object(m) => m.values().for_each(|v| collect(v, out)),
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        Value::String(s) if s.contains("Statement") => {
            if let Some(doc @ Value::Object(_)) = crate::policy::canonical(v) {
                out.push(doc);
            }
        }
        _ => {}
    }
}

/// The `Allow` statements of a set of documents.
pub fn allows(docs: &[Value]) -> Vec<&Value> {
    docs.iter()
        .filter_map(|d| d.get("Statement")?.as_array())
        .flatten()
        .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Allow"))
        .collect()
}

/// A statement field as a list of strings (`"*"` or `["s3:GetObject"]`).
pub fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// Every principal a statement names, `*` for anyone (`"Principal": "*"` or `{"AWS": "*"}`).
pub fn principals(statement: &Value) -> Vec<String> {
    match statement.get("Principal") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Object(m)) => m.values().flat_map(|v| strings(Some(v))).collect(),
        _ => Vec::new(),
    }
}

/// The account a principal belongs to: `123456789012` from its ARN or as a bare id.
pub fn account_of(principal: &str) -> Option<&str> {
    let id = if principal.starts_with("arn:") { principal.split(':').nth(4)? } else { principal };
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// `true`, `"true"`, or a list of one of those (a one-element block).
pub fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        Value::Array(items) if items.len() == 1 => truthy(&items[0]),
        _ => None,
    }
}

/// A number, or a number written as text.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Nothing there: null, `""`, `[]`, `{}`.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.iter().all(is_empty),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// The items of a list value (a single value is a list of one; null is empty).
pub fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Every string anywhere inside a value.
pub fn all_strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().flat_map(all_strings).collect(),
        Value::Object(m) => m.values().flat_map(all_strings).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_are_found_as_values_text_and_url_encoded_text() {
        let doc = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        for v in [json!(doc), json!(encoded), serde_json::from_str(doc).unwrap(), json!([{"name": "x", "policy": doc}])]
        {
            let docs = documents(&v);
            assert_eq!(docs.len(), 1, "{v}");
            assert_eq!(strings(allows(&docs)[0].get("Action")), ["*"]);
        }
        assert!(documents(&json!("not json")).is_empty());
    }

    #[test]
    fn principals_and_accounts() {
        assert_eq!(principals(&json!({"Principal": "*"})), ["*"]);
        assert_eq!(principals(&json!({"Principal": {"AWS": ["arn:aws:iam::111122223333:root"]}})).len(), 1);
        assert_eq!(account_of("arn:aws:iam::111122223333:role/x"), Some("111122223333"));
        assert_eq!(account_of("444455556666"), Some("444455556666"));
        assert_eq!(account_of("ec2.amazonaws.com"), None);
    }
}
