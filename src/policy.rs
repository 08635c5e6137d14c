//! IAM policy documents compared as documents, not as text: trust policies, inline and managed
//! policies, bucket and key policies. What AWS returns differs from what Terraform wrote in ways
//! that mean nothing: key order and whitespace, the URL-encoding IAM lists documents in, a
//! single string where the state has a one-element array (`Action`, `Resource`, `Principal`
//! and `Condition` values), a statement given as an object instead of a list of one, statement
//! order, and a bare account id in a principal that IAM rewrites to its root ARN.
//!
//! [`canonical`] turns either side into one JSON value with sorted keys and sorted lists, so two
//! equivalent documents are equal and a real change is a readable JSON diff.

use serde_json::{Map, Value};

/// The canonical form of a policy document given as JSON text (URL-encoded or not) or as a
/// JSON value; `None` when it is empty. Text that is not JSON is kept as it is: a change to it
/// is still seen, only not as a document.
pub fn canonical(value: &Value) -> Option<Value> {
    let parsed = match value {
        Value::Null => return None,
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => match parse(s) {
            Some(v) => v,
            None => return Some(value.clone()),
        },
        other => other.clone(),
    };
    Some(document(parsed))
}

/// JSON text, URL-decoded first when IAM encoded it (`%7B%22Version%22...`).
fn parse(text: &str) -> Option<Value> {
    let text = text.trim();
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Some(v);
    }
    serde_json::from_str(&percent_decode(text)?).ok()
}

/// RFC 3986 percent-decoding, `+` as a space as IAM's form encoding writes it.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn document(doc: Value) -> Value {
    let Value::Object(mut doc) = doc else { return sorted(doc) };
    if let Some(statements) = doc.remove("Statement") {
        let mut list: Vec<Value> = one_or_many(statements).into_iter().map(statement).collect();
        list.sort_by_cached_key(Value::to_string);
        list.dedup();
        doc.insert("Statement".into(), Value::Array(list));
    }
    sorted(Value::Object(doc))
}

fn statement(s: Value) -> Value {
    let Value::Object(s) = s else { return s };
    let mut out = Map::new();
    for (key, value) in s {
        let value = match key.as_str() {
            "Action" | "NotAction" | "Resource" | "NotResource" => string_set(value),
            "Principal" | "NotPrincipal" => principal(value),
            "Condition" => condition(value),
            // An empty Sid is no Sid: the provider drops it, IAM keeps it.
            "Sid" if value.as_str() == Some("") => continue,
            _ => value,
        };
        out.insert(key, value);
    }
    Value::Object(out)
}

/// `"*"` stays `"*"`; `{"AWS": "123456789012"}` becomes `{"AWS": ["arn:aws:iam::123456789012:root"]}`.
fn principal(value: Value) -> Value {
    let Value::Object(map) = value else { return value };
    let map = map
        .into_iter()
        .map(|(kind, ids)| {
            let ids = match string_set(ids) {
                Value::Array(items) if kind == "AWS" => {
                    let mut items: Vec<Value> = items.into_iter().map(account_root).collect();
                    items.sort_by_cached_key(Value::to_string);
                    items.dedup();
                    Value::Array(items)
                }
                other => other,
            };
            (kind, ids)
        })
        .collect();
    Value::Object(map)
}

fn account_root(id: Value) -> Value {
    match id.as_str() {
        Some(s) if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) => {
            Value::from(format!("arn:aws:iam::{s}:root"))
        }
        _ => id,
    }
}

/// `{"StringEquals": {"aws:SourceAccount": "1"}}`: each value as a sorted list.
fn condition(value: Value) -> Value {
    let Value::Object(ops) = value else { return value };
    let ops = ops
        .into_iter()
        .map(|(op, keys)| {
            let keys = match keys {
                Value::Object(keys) => Value::Object(keys.into_iter().map(|(k, v)| (k, string_set(v))).collect()),
                other => other,
            };
            (op, keys)
        })
        .collect();
    Value::Object(ops)
}

fn one_or_many(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        other => vec![other],
    }
}

/// A string or a list of them, as a sorted list without repeats.
fn string_set(value: Value) -> Value {
    let mut items = one_or_many(value);
    items.sort_by_cached_key(Value::to_string);
    items.dedup();
    Value::Array(items)
}

/// Object keys sorted at every depth, so the document's text does not depend on key order.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn c(v: Value) -> Value {
        canonical(&v).unwrap()
    }

    #[test]
    fn spelling_that_means_nothing_is_not_a_difference() {
        let state = json!("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"sts:AssumeRole\"],\"Principal\":{\"Service\":[\"ec2.amazonaws.com\"]},\"Sid\":\"\"}]}");
        let aws = json!("%7B%22Statement%22%3A%7B%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Effect%22%3A%22Allow%22%7D%2C%22Version%22%3A%222012-10-17%22%7D");
        assert_eq!(c(state), c(aws));
        let a = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*",
             "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}},
            {"Effect": "Deny", "NotAction": "iam:*", "Resource": ["*"]}]});
        let b = json!({"Statement": [
            {"Resource": ["*"], "NotAction": ["iam:*"], "Effect": "Deny"},
            {"Condition": {"StringEquals": {"aws:SourceAccount": ["123456789012"]}},
             "Resource": ["*"], "Action": ["s3:ListBucket", "s3:GetObject"], "Effect": "Allow"}], "Version": "2012-10-17"});
        assert_eq!(c(a.clone()), c(b));
        assert_eq!(c(Value::from(a.to_string())), c(a));
    }

    #[test]
    fn an_account_principal_is_its_root_arn() {
        let a =
            json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}});
        let b = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]}, "Action": "sts:AssumeRole"}]});
        assert_eq!(c(a), c(b));
    }

    #[test]
    fn a_real_change_stays_a_change() {
        let a = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let b = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]});
        assert_ne!(c(a), c(b));
        assert_eq!(canonical(&json!("")), None);
        assert_eq!(canonical(&Value::Null), None);
        assert_eq!(c(json!("not json")), json!("not json"));
    }
}
