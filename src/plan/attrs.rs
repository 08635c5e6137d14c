//! Which attributes a change touches, and how to show them without leaking a secret.
//!
//! Terraform describes a change as whole `before` and `after` objects plus three mirrors of
//! them: `after_unknown` (`true` where a value is known only after apply) and
//! `before_sensitive` / `after_sensitive` (`true` where a value is sensitive; format 0.2+). Each
//! mirror is `false`, `true` for the whole value, or an object shaped like the value. driftscan
//! reports top-level attribute names: a nested mark makes its whole attribute unknown or
//! sensitive, which never shows a secret and still says where the change is.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Map, Value};

/// Shown instead of a sensitive value.
pub const SENSITIVE: &str = "(sensitive)";
/// Shown instead of a value known only after apply.
pub const UNKNOWN: &str = "(known after apply)";

/// One top-level attribute a change touches, its values ready to print.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttrChange {
    pub name: String,
    /// The value before, or `"(sensitive)"`.
    pub before: Value,
    /// The value after, `"(sensitive)"` or `"(known after apply)"`.
    pub after: Value,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unknown: bool,
    /// Named by the plan's `replace_paths` (format 1.1+): this attribute forces the replacement.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub forces_replacement: bool,
    /// Drift only, from a plan that lists `relevant_attributes` (Terraform 1.2+): whether this
    /// drifted attribute matters to the plan. Absent when the plan does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevant: Option<bool>,
}

/// What to compare for one change.
pub struct Sides<'a> {
    pub before: &'a Value,
    pub after: &'a Value,
    pub after_unknown: &'a Value,
    pub before_sensitive: &'a Value,
    pub after_sensitive: &'a Value,
    pub replace_paths: &'a [Value],
}

/// The attributes `sides` changes: for a create every attribute it sets (known or not), for an
/// update or replace those whose value differs or becomes unknown, for a delete none.
pub fn changed(sides: &Sides, create: bool, delete: bool) -> Vec<AttrChange> {
    if delete {
        return Vec::new();
    }
    let empty = Map::new();
    let before = sides.before.as_object().unwrap_or(&empty);
    let after = sides.after.as_object().unwrap_or(&empty);
    let unknown = marked(sides.after_unknown, after);
    let sensitive: BTreeSet<String> =
        marked(sides.before_sensitive, before).union(&marked(sides.after_sensitive, after)).cloned().collect();
    let forcing: BTreeSet<&str> = sides
        .replace_paths
        .iter()
        .filter_map(|p| p.as_array().and_then(|steps| steps.first()).and_then(Value::as_str))
        .collect();

    let mut names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names.extend(unknown.iter());
    let mut out = Vec::new();
    for name in names {
        let (b, a) = (before.get(name).unwrap_or(&Value::Null), after.get(name).unwrap_or(&Value::Null));
        let is_unknown = unknown.contains(name);
        let touched = if create { !a.is_null() || is_unknown } else { b != a || is_unknown };
        if !touched {
            continue;
        }
        let is_sensitive = sensitive.contains(name) || crate::terraform::sensitive::is_secret_name(name);
        let shown = |v: &Value| if is_sensitive { Value::from(SENSITIVE) } else { v.clone() };
        out.push(AttrChange {
            name: name.clone(),
            before: shown(b),
            after: if is_unknown { Value::from(UNKNOWN) } else { shown(a) },
            sensitive: is_sensitive,
            unknown: is_unknown,
            forces_replacement: forcing.contains(name.as_str()),
            relevant: None,
        });
    }
    out
}

/// Top-level names a mirror marks anywhere inside; `true` for the whole value marks every
/// attribute of `value`.
pub fn marked(mirror: &Value, value: &Map<String, Value>) -> BTreeSet<String> {
    match mirror {
        Value::Bool(true) => value.keys().cloned().collect(),
        Value::Object(m) => m.iter().filter(|(_, v)| any_true(v)).map(|(k, _)| k.clone()).collect(),
        _ => BTreeSet::new(),
    }
}

fn any_true(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Array(items) => items.iter().any(any_true),
        Value::Object(m) => m.values().any(any_true),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(before: Value, after: Value, unknown: Value, bs: Value, as_: Value, create: bool) -> Vec<AttrChange> {
        let sides = Sides {
            before: &before,
            after: &after,
            after_unknown: &unknown,
            before_sensitive: &bs,
            after_sensitive: &as_,
            replace_paths: &[json!(["ami"])],
        };
        changed(&sides, create, false)
    }

    #[test]
    fn updates_list_what_differs_or_becomes_unknown() {
        let got = run(
            json!({"id": "i-1", "ami": "ami-1", "instance_type": "t3.micro", "tags": {"a": "b"}, "public_ip": "1.2.3.4"}),
            json!({"id": "i-1", "ami": "ami-2", "instance_type": "t3.micro", "tags": {"a": "b"}, "public_ip": null}),
            json!({"public_ip": true, "tags": {}}),
            json!(false),
            json!({}),
            false,
        );
        let names: Vec<_> = got.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["ami", "public_ip"]);
        assert!(got[0].forces_replacement && !got[1].forces_replacement);
        assert_eq!(got[1].after, UNKNOWN);
    }

    #[test]
    fn sensitive_values_never_survive_even_nested() {
        let got = run(
            json!({"user_data": "hunter2", "tags": {"Secret": "s3cr3t", "Name": "x"}}),
            json!({"user_data": "hunter3", "tags": {"Secret": "t0p", "Name": "x"}}),
            json!({}),
            json!({"user_data": true, "tags": {"Secret": true}}),
            json!({"user_data": true, "tags": {"Secret": true}}),
            false,
        );
        let text = serde_json::to_string(&got).unwrap();
        for secret in ["hunter", "s3cr3t", "t0p"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|a| a.sensitive && a.before == SENSITIVE));
    }

    #[test]
    fn creates_list_what_they_set() {
        let got = run(
            json!(null),
            json!({"ami": "ami-1", "key_name": null}),
            json!({"id": true}),
            json!(false),
            json!({}),
            true,
        );
        let names: Vec<_> = got.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["ami", "id"]);
    }
}
