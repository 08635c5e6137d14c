//! OpenTofu's encryption configuration, as far as reading a state needs it: the `key_provider`
//! and `method` blocks and the `state` target with its `fallback` chain, from an `encryption {}`
//! block of `--tf-dir` and from `TF_ENCRYPTION`, merged as OpenTofu merges them (the
//! environment's blocks override the file's of the same type and name, attribute by attribute,
//! and its `state` target replaces the file's).
//!
//! Nothing is evaluated: a value is taken when it is a literal, and a reference between blocks
//! (`keys = key_provider.pbkdf2.main`) is read as the address it spells. A passphrase written as
//! `var.passphrase` cannot be known here; the error says to give it in `TF_ENCRYPTION`.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use hcl::{Expression, TraversalOperator};

/// A `key_provider "TYPE" "NAME"` or `method "TYPE" "NAME"` block: its literal attributes.
#[derive(Clone, Default)]
pub struct Block {
    pub kind: String,
    pub name: String,
    pub attributes: BTreeMap<String, Expression>,
}

/// Holds passphrases: only the address is ever shown.
impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

impl Block {
    /// A literal string attribute; `Err` names the attribute when it is an expression.
    pub fn string(&self, key: &str, what: &str) -> Result<Option<String>> {
        match self.attributes.get(key) {
            None => Ok(None),
            Some(Expression::String(s)) => Ok(Some(s.clone())),
            Some(_) => bail!(
                "{what} {}.{}: {key} is not a literal string, which driftscan cannot evaluate; give it in TF_ENCRYPTION",
                self.kind,
                self.name
            ),
        }
    }

    /// An attribute that names another block (`key_provider.pbkdf2.main`, or the same as a
    /// string, as OpenTofu's JSON form writes it), as its (type, name).
    pub fn reference(&self, key: &str) -> Option<(String, String)> {
        self.attributes.get(key).and_then(reference)
    }
}

/// The `state` target: the method states are written with, and what else may read them.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// (type, name) of `method = method.TYPE.NAME`.
    pub method: Option<(String, String)>,
    pub fallback: Option<Box<Target>>,
}

impl Target {
    /// The methods to try, in order: the target's, then each fallback's.
    pub fn methods(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut at = Some(self);
        while let Some(t) = at {
            out.extend(t.method.clone());
            at = t.fallback.as_deref();
        }
        out
    }
}

/// The blocks a state read needs, by (type, name).
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub key_providers: BTreeMap<(String, String), Block>,
    pub methods: BTreeMap<(String, String), Block>,
    pub state: Option<Target>,
}

impl Config {
    /// Parses the body of an `encryption {}` block, or `TF_ENCRYPTION`'s value; `origin` names
    /// it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config> {
        if text.trim_start().starts_with('{') {
            return Config::parse_json(text, origin);
        }
        // hcl-edit's parser, as for `.tf` sources, for an error with its line and a one-line message.
        let body: hcl::Body = hcl::edit::parser::parse_body(text)
            .map_err(|e| {
                let why = e.message().lines().next().unwrap_or("syntax error").to_owned();
                anyhow!(
                    "{origin}: cannot parse HCL at line {}, column {}: {why}",
                    e.location().line(),
                    e.location().column()
                )
            })?
            .into();
        let mut cfg = Config::default();
        for block in body.blocks() {
            let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
            match (block.identifier(), labels.as_slice()) {
                ("key_provider", [kind, name]) => {
                    cfg.key_providers.insert(key(kind, name), read_block(kind, name, &block.body));
                }
                ("method", [kind, name]) => {
                    cfg.methods.insert(key(kind, name), read_block(kind, name, &block.body));
                }
                ("state", []) => cfg.state = Some(target(&block.body)),
                _ => {} // plan, remote_state_data_sources: not what a state read needs
            }
        }
        Ok(cfg)
    }

    /// OpenTofu's JSON form: `{"key_provider": {"pbkdf2": {"main": {...}}}, "method": {...},
    /// "state": {"method": "method.aes_gcm.main", "fallback": {...}}}`.
    fn parse_json(text: &str, origin: &str) -> Result<Config> {
        let doc: serde_json::Value =
            serde_json::from_str(text).map_err(|e| anyhow!("{origin}: not valid JSON ({e})"))?;
        let mut cfg = Config::default();
        for (section, into) in [("key_provider", &mut cfg.key_providers), ("method", &mut cfg.methods)] {
            for (kind, named) in doc[section].as_object().into_iter().flatten() {
                for (name, body) in named.as_object().into_iter().flatten() {
                    let attributes =
                        body.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), expression(v))).collect();
                    into.insert(key(kind, name), Block { kind: kind.clone(), name: name.clone(), attributes });
                }
            }
        }
        fn json_target(v: &serde_json::Value) -> Target {
            Target {
                method: v.get("method").map(expression).as_ref().and_then(reference),
                fallback: v.get("fallback").map(|f| Box::new(json_target(f))),
            }
        }
        cfg.state = doc.get("state").map(json_target);
        Ok(cfg)
    }

    /// `self` with `over` on top, as OpenTofu merges `TF_ENCRYPTION` over the file's block.
    pub fn merge(mut self, over: Config) -> Config {
        for (k, b) in over.key_providers {
            self.key_providers
                .entry(k)
                .or_insert_with(|| Block { attributes: BTreeMap::new(), ..b.clone() })
                .attributes
                .extend(b.attributes);
        }
        for (k, b) in over.methods {
            self.methods
                .entry(k)
                .or_insert_with(|| Block { attributes: BTreeMap::new(), ..b.clone() })
                .attributes
                .extend(b.attributes);
        }
        if over.state.is_some() {
            self.state = over.state;
        }
        self
    }
}

fn key(kind: &str, name: &str) -> (String, String) {
    (kind.to_owned(), name.to_owned())
}

fn read_block(kind: &str, name: &str, body: &hcl::Body) -> Block {
    let attributes = body.attributes().map(|a| (a.key().to_owned(), a.expr().clone())).collect();
    Block { kind: kind.to_owned(), name: name.to_owned(), attributes }
}

fn target(body: &hcl::Body) -> Target {
    Target {
        method: body.attributes().find(|a| a.key() == "method").and_then(|a| reference(a.expr())),
        fallback: body.blocks().find(|b| b.identifier() == "fallback").map(|b| Box::new(target(&b.body))),
    }
}

/// A JSON value as the literal expression HCL would hold.
fn expression(v: &serde_json::Value) -> Expression {
    match v {
        serde_json::Value::String(s) => Expression::String(s.clone()),
        serde_json::Value::Bool(b) => Expression::Bool(*b),
        serde_json::Value::Number(n) => n.as_u64().map_or(Expression::Null, |n| Expression::Number(n.into())),
        serde_json::Value::Array(items) => Expression::Array(items.iter().map(expression).collect()),
        _ => Expression::Null,
    }
}

/// `key_provider.pbkdf2.main` (or `"key_provider.pbkdf2.main"`, or `"${key_provider.pbkdf2.main}"`
/// as OpenTofu's JSON form may write it) -> (`pbkdf2`, `main`).
fn reference(expr: &Expression) -> Option<(String, String)> {
    let parts: Vec<String> = match expr {
        Expression::String(s) => {
            let s = s.strip_prefix("${").and_then(|s| s.strip_suffix('}')).unwrap_or(s);
            s.split('.').map(str::to_owned).collect()
        }
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else { return None };
            let mut parts = vec![root.as_str().to_owned()];
            for op in &t.operators {
                let TraversalOperator::GetAttr(id) = op else { return None };
                parts.push(id.as_str().to_owned());
            }
            parts
        }
        _ => return None,
    };
    match parts.as_slice() {
        [_, kind, name] => Some(key(kind, name)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
        key_provider "pbkdf2" "old" {
          passphrase = var.old
        }
        key_provider "pbkdf2" "new" {
          passphrase    = "correct-horse-battery-staple"
          hash_function = "sha256"
        }
        method "aes_gcm" "new" {
          keys = key_provider.pbkdf2.new
        }
        method "aes_gcm" "old" {
          keys = "key_provider.pbkdf2.old"
        }
        state {
          method = method.aes_gcm.new
          fallback {
            method = method.aes_gcm.old
          }
        }
    "#;

    #[test]
    fn blocks_references_and_the_fallback_chain_are_read() {
        let cfg = Config::parse(FILE, "versions.tf").unwrap();
        let methods = cfg.state.as_ref().unwrap().methods();
        assert_eq!(methods, vec![key("aes_gcm", "new"), key("aes_gcm", "old")]);
        assert_eq!(cfg.methods[&key("aes_gcm", "new")].reference("keys"), Some(key("pbkdf2", "new")));
        assert_eq!(cfg.methods[&key("aes_gcm", "old")].reference("keys"), Some(key("pbkdf2", "old")));
        let new = &cfg.key_providers[&key("pbkdf2", "new")];
        assert_eq!(new.string("passphrase", "key_provider").unwrap().as_deref(), Some("correct-horse-battery-staple"));
        let err = cfg.key_providers[&key("pbkdf2", "old")].string("passphrase", "key_provider").unwrap_err();
        assert!(err.to_string().contains("pbkdf2.old: passphrase is not a literal string"), "{err}");
        // Never the passphrase in a debug print.
        assert!(!format!("{cfg:?}").contains("horse"));
    }

    #[test]
    fn the_environment_overrides_attribute_by_attribute() {
        let env = r#"key_provider "pbkdf2" "old" { passphrase = "from-the-environment-1" }"#;
        let cfg = Config::parse(FILE, "f").unwrap().merge(Config::parse(env, "TF_ENCRYPTION").unwrap());
        let old = &cfg.key_providers[&key("pbkdf2", "old")];
        assert_eq!(old.string("passphrase", "k").unwrap().as_deref(), Some("from-the-environment-1"));
        assert!(cfg.state.is_some(), "the file's target stays when the environment has none");
    }

    #[test]
    fn bad_configurations_fail_in_one_line() {
        let err = Config::parse("key_provider \"pbkdf2\" {\n  = \n", "TF_ENCRYPTION").unwrap_err().to_string();
        assert!(err.starts_with("TF_ENCRYPTION: cannot parse HCL"), "{err}");
        assert!(!err.contains('\n'), "{err}");
        let err = Config::parse("{\"state\": ", "TF_ENCRYPTION").unwrap_err().to_string();
        assert!(err.starts_with("TF_ENCRYPTION: not valid JSON"), "{err}");
    }

    #[test]
    fn the_json_form_reads_as_the_hcl_form() {
        let json = r#"{
          "key_provider": {"pbkdf2": {"new": {"passphrase": "correct-horse-battery-staple", "key_length": 32}}},
          "method": {"aes_gcm": {"new": {"keys": "${key_provider.pbkdf2.new}", "aad": [1, 2]}}},
          "state": {"method": "method.aes_gcm.new", "fallback": {"method": "method.aes_gcm.old"}}
        }"#;
        let cfg = Config::parse(json, "TF_ENCRYPTION").unwrap();
        assert_eq!(cfg.state.unwrap().methods(), vec![key("aes_gcm", "new"), key("aes_gcm", "old")]);
        let method = &cfg.methods[&key("aes_gcm", "new")];
        assert_eq!(method.reference("keys"), Some(key("pbkdf2", "new")));
        let provider = &cfg.key_providers[&key("pbkdf2", "new")];
        assert_eq!(provider.string("passphrase", "k").unwrap().as_deref(), Some("correct-horse-battery-staple"));
    }
}
