//! A sink: where alerts go (Slack, PagerDuty, a signed webhook, Teams), built from a `notify`
//! block and the environment variables it names, and how it is posted to.
//!
//! Every secret a sink holds (webhook address, routing key, signing secret) is kept out of
//! `Debug` and `Display`, and every error from a sink goes through [`Sink::redact`] before it is
//! printed or written to the history.

use std::fmt;

use serde_json::Value;

use super::webhook::{Posted, Retry, Webhook};
use super::{signed, Mode};
use crate::config::{Config, SinkConfig, SinkSpec};
use crate::history::SinkQueue;

/// A secret string: shown nowhere.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A sink ready to post to.
#[derive(Debug, Clone)]
pub struct Sink {
    /// Its name in the config and in the history's bookkeeping (the channel).
    pub name: String,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Slack(Webhook),
    PagerDuty { url: Webhook, routing_key: Secret },
    Webhook { url: Webhook, secret: Secret },
    Teams(Webhook),
}

/// Why a sink cannot be used in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// The environment variable holding its secret is not set (or empty).
    Unset(String),
    /// The value is not usable (an address that is not https); already free of the secret.
    Bad(String),
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unusable::Unset(var) => write!(f, "{var} is not set"),
            Unusable::Bad(why) => f.write_str(why),
        }
    }
}

/// The sinks the config defines, or with none the Slack sink of before: named `slack`, its
/// webhook in `slack { webhook_env }` or DRIFTSCAN_SLACK_WEBHOOK.
pub fn specs(file: Option<&Config>) -> Vec<SinkConfig> {
    match file.filter(|c| !c.sinks.is_empty()) {
        Some(c) => c.sinks.clone(),
        None => {
            let var = file.and_then(|c| c.slack.as_ref()).map_or(super::webhook::DEFAULT_VAR, |s| &s.webhook_env);
            vec![SinkConfig { name: super::CHANNEL.into(), line: 0, spec: SinkSpec::Slack { webhook_env: var.into() } }]
        }
    }
}

fn var(name: &str) -> Result<String, Unusable> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty()).ok_or_else(|| Unusable::Unset(name.to_owned()))
}

fn endpoint(env: &str, what: &str) -> Result<Webhook, Unusable> {
    Webhook::parse_as(&var(env)?, what).map_err(Unusable::Bad)
}

impl Sink {
    /// The sink `c` describes, its secrets read from the environment now.
    pub fn resolve(c: &SinkConfig) -> Result<Sink, Unusable> {
        let kind = match &c.spec {
            SinkSpec::Slack { webhook_env } => Kind::Slack(endpoint(webhook_env, "the Slack webhook")?),
            SinkSpec::PagerDuty { routing_key_env, events_url } => Kind::PagerDuty {
                url: Webhook::parse_as(events_url, "the PagerDuty events_url").map_err(Unusable::Bad)?,
                routing_key: Secret(var(routing_key_env)?.trim().to_owned()),
            },
            SinkSpec::Webhook { url_env, secret_env } => Kind::Webhook {
                url: endpoint(url_env, "the webhook sink's address")?,
                secret: Secret(var(secret_env)?),
            },
            SinkSpec::Teams { url_env } => Kind::Teams(endpoint(url_env, "the Teams webhook")?),
        };
        Ok(Sink { name: c.name.clone(), kind })
    }

    /// How messages name it: `Slack`, `PagerDuty`, or `webhook "audit"` when named apart.
    pub fn label(&self) -> String {
        let kind = match self.kind {
            Kind::Slack(_) => ("slack", "Slack"),
            Kind::PagerDuty { .. } => ("pagerduty", "PagerDuty"),
            Kind::Webhook { .. } => ("webhook", "the webhook"),
            Kind::Teams(_) => ("teams", "Teams"),
        };
        if self.name == kind.0 {
            kind.1.to_owned()
        } else {
            format!("{} {:?}", kind.1, self.name)
        }
    }

    /// Whether it follows an alert's lifecycle (resolve, acknowledge) rather than only telling.
    pub fn lifecycle(&self) -> bool {
        matches!(self.kind, Kind::PagerDuty { .. } | Kind::Webhook { .. })
    }

    /// Whether one message carries the whole run (chat) rather than one request per alert.
    pub fn batches(&self) -> bool {
        matches!(self.kind, Kind::Slack(_) | Kind::Teams(_))
    }

    /// Its share of a run's queue under `--notify mode`; `None` for `off`.
    pub fn queue(&self, mode: Mode) -> Option<SinkQueue> {
        (mode != Mode::Off).then(|| SinkQueue {
            name: self.name.clone(),
            anomalous_only: mode == Mode::Anomalous,
            // A pager is told once per incident: a moved value is not a new page.
            updates: !matches!(self.kind, Kind::PagerDuty { .. }),
            lifecycle: self.lifecycle(),
        })
    }

    /// `text` with every secret of this sink replaced.
    pub fn redact(&self, text: &str) -> String {
        match &self.kind {
            Kind::Slack(w) | Kind::Teams(w) => w.redact(text),
            Kind::PagerDuty { url, routing_key } => url.redact(&text.replace(routing_key.expose(), "<routing key>")),
            Kind::Webhook { url, secret } => url.redact(&text.replace(secret.expose(), "<signing secret>")),
        }
    }

    /// Posts `body`; a signed webhook gets its signature, made for the moment of each request.
    pub fn post(&self, body: &Value, retry: &Retry) -> Posted {
        let text = body.to_string();
        let mut posted = match &self.kind {
            Kind::Slack(w) | Kind::Teams(w) | Kind::PagerDuty { url: w, .. } => w.post(&text, retry),
            Kind::Webhook { url, secret } => {
                let sign = || {
                    let t = chrono::Utc::now().timestamp();
                    vec![(signed::HEADER, signed::signature(secret.expose().as_bytes(), t, &text))]
                };
                url.post_with(&text, &sign, retry)
            }
        };
        posted.error = posted.error.map(|e| self.redact(&e));
        posted
    }
}
