//! The alerting part of `driftscan.hcl`: `notify "KIND" ["NAME"] { ... }` sinks and `route { ... }`
//! blocks. Every secret (webhook address, routing key, signing secret) stays in the environment:
//! the file names the variable that holds it, so the file can be committed and printed.

use hcl::edit::structure::{Attribute, Block, Structure};
use hcl::edit::Span;

use super::{Config, ConfigError, Reader};
use crate::notify::route::{Route, SEVERITIES};

/// PagerDuty's Events API v2 endpoint, used unless `events_url` names a relay.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// One `notify` block: a sink, named by its kind or its second label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkConfig {
    pub name: String,
    /// 1-based line of the block, for messages.
    pub line: usize,
    pub spec: SinkSpec,
}

/// What each kind of sink needs; every `*_env` is the name of an environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkSpec {
    /// A Slack incoming webhook (Block Kit).
    Slack { webhook_env: String },
    /// PagerDuty Events API v2: trigger, acknowledge, resolve.
    PagerDuty { routing_key_env: String, events_url: String },
    /// A generic HTTPS endpoint: versioned JSON, signed with HMAC-SHA256.
    Webhook { url_env: String, secret_env: String },
    /// A Microsoft Teams workflow webhook (Adaptive Card).
    Teams { url_env: String },
}

impl SinkSpec {
    /// The kind as the config spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            SinkSpec::Slack { .. } => "slack",
            SinkSpec::PagerDuty { .. } => "pagerduty",
            SinkSpec::Webhook { .. } => "webhook",
            SinkSpec::Teams { .. } => "teams",
        }
    }
}

const KINDS: &[&str] = &["slack", "pagerduty", "webhook", "teams"];
const ROUTE_KEYS: &[&str] = &["workspaces", "accounts", "regions", "types", "kinds", "min_score", "min_severity", "to"];
const CHANGE_KINDS: &[&str] = &["drifted", "deleted", "unmanaged", "owner_unknown", "event"];

impl Reader<'_> {
    pub(super) fn sink(&self, b: &Block) -> Result<SinkConfig, ConfigError> {
        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
        let (kind, name) = match labels.as_slice() {
            [kind] => (*kind, *kind),
            [kind, name] => (*kind, *name),
            _ => {
                return Err(self.err(
                    b.ident.span(),
                    "notify needs a kind and may have a name: notify \"webhook\" \"audit\" { ... }",
                ))
            }
        };
        if !KINDS.contains(&kind) {
            return Err(
                self.err(b.ident.span(), format!("notify {kind:?}: unknown kind; known kinds: {}", KINDS.join(", ")))
            );
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            return Err(
                self.err(b.ident.span(), format!("sink name {name:?}: use letters, digits, '-', '_' and '.' only"))
            );
        }
        let known: &[&str] = match kind {
            "slack" => &["webhook_env"],
            "pagerduty" => &["routing_key_env", "events_url"],
            "webhook" => &["url_env", "secret_env"],
            _ => &["url_env"],
        };
        let context = format!("in notify {kind:?}");
        let mut values = std::collections::BTreeMap::new();
        let mut seen = std::collections::BTreeSet::new();
        for s in b.body.iter() {
            let a = match s {
                Structure::Attribute(a) => a,
                Structure::Block(inner) => {
                    return Err(self.unknown(inner.ident.as_str(), inner.ident.span(), known, &context))
                }
            };
            self.once(&mut seen, a.key.as_str(), a.key.span(), known, &context)?;
            let v = self.string(a)?;
            if a.key.as_str().ends_with("_env") {
                self.env_name(a, &v)?;
            }
            values.insert(a.key.as_str().to_owned(), v);
        }
        let need = |values: &mut std::collections::BTreeMap<String, String>, key: &str, what: &str| {
            values.remove(key).ok_or_else(|| {
                self.err(
                    b.ident.span(),
                    format!("notify {kind:?} needs {key}, the environment variable holding {what}"),
                )
            })
        };
        let spec = match kind {
            "slack" => SinkSpec::Slack {
                webhook_env: values.remove("webhook_env").unwrap_or_else(|| crate::notify::webhook::DEFAULT_VAR.into()),
            },
            "pagerduty" => SinkSpec::PagerDuty {
                routing_key_env: need(&mut values, "routing_key_env", "the integration's routing key")?,
                events_url: values.remove("events_url").unwrap_or_else(|| PAGERDUTY_EVENTS_URL.into()),
            },
            "webhook" => SinkSpec::Webhook {
                url_env: need(&mut values, "url_env", "the endpoint's address")?,
                secret_env: need(&mut values, "secret_env", "the signing secret")?,
            },
            _ => SinkSpec::Teams { url_env: need(&mut values, "url_env", "the workflow's webhook address")? },
        };
        if let SinkSpec::PagerDuty { events_url, .. } = &spec {
            crate::notify::webhook::Webhook::parse_as(events_url, "the PagerDuty events_url")
                .map_err(|why| self.err(b.ident.span(), why))?;
        }
        Ok(SinkConfig { name: name.to_owned(), line: self.lines.line(b.ident.span()), spec })
    }

    /// An environment variable's name, so a secret pasted in by mistake is refused, not kept.
    fn env_name(&self, a: &Attribute, v: &str) -> Result<(), ConfigError> {
        if v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !v.starts_with(|c: char| c.is_ascii_digit()) {
            return Ok(());
        }
        Err(self.err(
            a.value.span(),
            format!(
                "{}: expected the name of an environment variable (the secret itself stays out of the file)",
                a.key.as_str()
            ),
        ))
    }

    pub(super) fn route(&self, b: &Block) -> Result<Route, ConfigError> {
        self.no_labels(b)?;
        let mut r = Route { line: self.lines.line(b.ident.span()), ..Default::default() };
        let mut seen = std::collections::BTreeSet::new();
        for s in b.body.iter() {
            let a = match s {
                Structure::Attribute(a) => a,
                Structure::Block(inner) => {
                    return Err(self.unknown(inner.ident.as_str(), inner.ident.span(), ROUTE_KEYS, "in route"))
                }
            };
            let key = a.key.as_str();
            self.once(&mut seen, key, a.key.span(), ROUTE_KEYS, "in route")?;
            match key {
                "min_score" => {
                    let m = self.number(a)?;
                    if !(0.0..=1.0).contains(&m) {
                        return Err(self.err(a.value.span(), format!("min_score: {m} is not between 0 and 1")));
                    }
                    r.min_score = Some(m);
                }
                "min_severity" => {
                    let m = self.string(a)?;
                    if !SEVERITIES.contains(&m.as_str()) {
                        return Err(self.err(
                            a.value.span(),
                            format!("min_severity: {m:?} is not one of {}", SEVERITIES.join(", ")),
                        ));
                    }
                    r.min_severity = Some(m);
                }
                _ => {
                    let globs = self.strings(a)?;
                    for g in &globs {
                        if let Err(e) = glob::Pattern::new(g) {
                            return Err(self.err(a.value.span(), format!("{key}: {g:?} is not a glob: {e}")));
                        }
                        let plain = !g.contains(['*', '?', '[']);
                        if key == "kinds" && plain && !CHANGE_KINDS.contains(&g.as_str()) {
                            return Err(self.err(
                                a.value.span(),
                                format!("kinds: {g:?} is not one of {}", CHANGE_KINDS.join(", ")),
                            ));
                        }
                    }
                    match key {
                        "workspaces" => r.workspaces = globs,
                        "accounts" => r.accounts = globs,
                        "regions" => r.regions = globs,
                        "types" => r.types = globs,
                        "kinds" => r.kinds = globs,
                        _ => r.to = globs,
                    }
                }
            }
        }
        if r.to.is_empty() {
            return Err(self.err(b.ident.span(), "route needs to, the sinks it sends to: to = [\"pagerduty\"]"));
        }
        Ok(r)
    }

    /// After the whole file is read (a route may come before the sinks it names): each name
    /// once, a legacy `slack { }` not beside a `notify "slack"`, and every route to known sinks.
    pub(super) fn check_alerts(&self, cfg: &Config, slack_line: Option<usize>) -> Result<(), ConfigError> {
        let line_err = |line: usize, why: String| ConfigError::Invalid { path: self.path.to_path_buf(), line, why };
        for (i, s) in cfg.sinks.iter().enumerate() {
            if let Some(first) = cfg.sinks[..i].iter().find(|o| o.name == s.name) {
                return Err(line_err(
                    s.line,
                    format!("sink {:?} is defined twice (first at line {}); name one with a second label: notify {:?} \"other\" {{ ... }}", s.name, first.line, s.spec.kind()),
                ));
            }
        }
        if let (Some(line), false) = (slack_line, cfg.sinks.is_empty()) {
            return Err(line_err(
                line,
                "slack { } beside notify blocks: write it as notify \"slack\" { webhook_env = ... }".into(),
            ));
        }
        let names: Vec<&str> =
            if cfg.sinks.is_empty() { vec!["slack"] } else { cfg.sinks.iter().map(|s| s.name.as_str()).collect() };
        for r in &cfg.routes {
            if let Some(bad) = r.to.iter().find(|t| !names.contains(&t.as_str())) {
                return Err(line_err(r.line, format!("route to {bad:?}: no such sink (sinks: {})", names.join(", "))));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("driftscan.hcl"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn sinks_are_named_by_kind_or_label_and_routes_read_in_order() {
        let c = parse(
            "notify \"pagerduty\" {\n  routing_key_env = \"PD_KEY\"\n}\n\
             notify \"webhook\" \"audit\" {\n  url_env = \"U\"\n  secret_env = \"S\"\n}\n\
             notify \"slack\" {}\n\
             route {\n  types = [\"aws_iam_*\"]\n  min_score = 0.5\n  to = [\"pagerduty\", \"audit\"]\n}\n\
             route {\n  to = [\"slack\"]\n}\n",
        )
        .unwrap();
        let names: Vec<&str> = c.sinks.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["pagerduty", "audit", "slack"]);
        assert_eq!(
            c.sinks[0].spec,
            SinkSpec::PagerDuty { routing_key_env: "PD_KEY".into(), events_url: PAGERDUTY_EVENTS_URL.into() }
        );
        assert_eq!(c.sinks[2].spec, SinkSpec::Slack { webhook_env: "DRIFTSCAN_SLACK_WEBHOOK".into() });
        assert_eq!((c.routes.len(), c.routes[0].line, c.routes[0].min_score), (2, 9, Some(0.5)));
        assert_eq!(c.routes[1].to, ["slack"]);
    }

    #[test]
    fn alert_mistakes_name_the_line() {
        let cases = [
            ("notify \"email\" {}\n", "driftscan.hcl:1: notify \"email\": unknown kind"),
            ("notify \"teams\" {}\n", "driftscan.hcl:1: notify \"teams\" needs url_env"),
            (
                "notify \"webhook\" {\n  url_env = \"U\"\n}\n",
                "driftscan.hcl:1: notify \"webhook\" needs secret_env",
            ),
            (
                "notify \"teams\" {\n  url_env = \"https://x.webhook.office.com/abc\"\n}\n",
                "driftscan.hcl:2: url_env: expected the name of an environment variable",
            ),
            ("notify \"slack\" {}\nnotify \"slack\" {}\n", "driftscan.hcl:2: sink \"slack\" is defined twice"),
            (
                "slack {\n  webhook_env = \"A\"\n}\nnotify \"teams\" {\n  url_env = \"T\"\n}\n",
                "driftscan.hcl:1: slack { } beside notify blocks",
            ),
            ("route {\n  to = [\"pager\"]\n}\n", "driftscan.hcl:1: route to \"pager\": no such sink (sinks: slack)"),
            ("route {\n  types = [\"aws_*\"]\n}\n", "driftscan.hcl:1: route needs to"),
            ("route {\n  to = [\"slack\"]\n  kinds = [\"drift\"]\n}\n", "driftscan.hcl:3: kinds: \"drift\" is not one of"),
            ("route {\n  to = [\"slack\"]\n  min_score = 2\n}\n", "driftscan.hcl:3: min_score: 2 is not between 0 and 1"),
            ("route {\n  to = [\"slack\"]\n  min_severity = \"bad\"\n}\n", "driftscan.hcl:3: min_severity: \"bad\" is not one of"),
            ("route {\n  to = [\"slack\"]\n  typos = [\"x\"]\n}\n", "driftscan.hcl:3: unknown key \"typos\" in route"),
            (
                "notify \"pagerduty\" {\n  routing_key_env = \"K\"\n  events_url = \"http://relay.example.com/v2\"\n}\n",
                "driftscan.hcl:1: the PagerDuty events_url must be an https:// address",
            ),
        ];
        for (text, want) in cases {
            let got = parse(text).err().unwrap_or_default();
            assert!(got.starts_with(want), "{text:?}\n got: {got}\nwant: {want}");
        }
    }
}
