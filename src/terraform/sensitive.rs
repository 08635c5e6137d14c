//! Values Terraform marks sensitive are replaced at parse time, before anything else can see
//! them, by a digest that lets the diff still notice a change.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Prefix of a redacted value; output renders such values as "(sensitive)".
pub const MARK: &str = "(sensitive:";

/// Attributes that hold secrets whatever Terraform marks: passwords, keys, tokens, user data
/// (which scripts fill with credentials). Old providers and hand-written states mark none.
pub fn is_secret_name(name: &str) -> bool {
    const EXACT: &[&str] = &["user_data", "user_data_base64", "password", "secret", "token", "private_key"];
    const SUFFIXES: &[&str] = &["_password", "_secret", "_token", "_private_key", "private_key_pem", "_secret_string"];
    let name = name.to_ascii_lowercase();
    EXACT.contains(&name.as_str()) || SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Replaces every top-level attribute named by a sensitive path, and every attribute whose name
/// says it holds a secret ([`is_secret_name`]), with its digest and returns the names. Paths are Terraform's `[[{"type": "get_attr", "value": "password"}, ...], ...]`; a path
/// inside an attribute redacts the whole attribute, which never leaks and still detects change.
pub fn redact(attrs: &mut Map<String, Value>, paths: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for path in paths.as_array().into_iter().flatten() {
        let first = match path {
            Value::Array(steps) => steps.first(),
            step @ Value::Object(_) => Some(step),
            _ => None,
        };
        if let Some(name) = first.and_then(|s| s.get("value")).and_then(Value::as_str) {
            names.insert(name.to_owned());
        }
    }
    names.extend(attrs.keys().filter(|k| is_secret_name(k)).cloned());
    for name in &names {
        if let Some(v) = attrs.get_mut(name) {
            *v = Value::String(digest(v));
        }
    }
    names
}

/// A keyed digest of a value. The key is drawn afresh in each process: digests are compared
/// within one run and never stored, so a low-entropy secret cannot be guessed from them.
pub fn digest(v: &Value) -> String {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    let key = KEY.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut seed = Sha256::new();
        for _ in 0..4 {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0),
            );
            seed.update(h.finish().to_le_bytes());
        }
        seed.finalize().into()
    });
    let mut h = Sha256::new();
    h.update(key);
    h.update(v.to_string().as_bytes());
    let hex: String = h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{MARK}{hex})")
}

/// Whether a value is a redacted one.
pub fn is_redacted(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with(MARK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_by_name_are_redacted_even_unmarked() {
        let mut attrs =
            json!({"user_data": "#!/bin/sh\nexport DB_PASSWORD=hunter2", "master_password": "x", "name": "db", "token_ttl": 5})
                .as_object()
                .unwrap()
                .clone();
        let names = redact(&mut attrs, &json!([]));
        assert_eq!(names.into_iter().collect::<Vec<_>>(), vec!["master_password", "user_data"]);
        assert!(is_redacted(&attrs["user_data"]) && is_redacted(&attrs["master_password"]));
        assert_eq!(attrs["name"], "db");
        assert_eq!(attrs["token_ttl"], 5);
    }
    use serde_json::json;

    #[test]
    fn sensitive_values_never_survive_parsing() {
        let mut attrs = json!({"password": "hunter2", "tags": {"a": "b"}, "name": "db"}).as_object().unwrap().clone();
        let paths = json!([[{"type": "get_attr", "value": "password"}], [{"type": "get_attr", "value": "tags"}, {"type": "index", "value": {"value": "a", "type": "string"}}]]);
        let names = redact(&mut attrs, &paths);
        assert_eq!(names.into_iter().collect::<Vec<_>>(), vec!["password", "tags"]);
        let text = Value::Object(attrs.clone()).to_string();
        assert!(!text.contains("hunter2") && !text.contains("\"b\""), "{text}");
        assert!(is_redacted(&attrs["password"]));
        assert_eq!(attrs["name"], "db");
        assert_eq!(digest(&json!("hunter2")), attrs["password"].as_str().unwrap());
        assert_ne!(digest(&json!("hunter3")), attrs["password"].as_str().unwrap());
    }
}
