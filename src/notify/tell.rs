//! The commands' side of alerting: which sinks a run queues for, telling after a run (warnings,
//! never failures), `driftscan notify [--test] [--to NAME]`, and what `config check` says about
//! sinks and routes. Every line printed here has passed through the sink's redaction.

use anyhow::{bail, Result};
use chrono::{DateTime, Utc};

use super::sink::{self, Sink, Unusable};
use super::{Mode, Notifier, Retry};
use crate::config::{Config, SinkSpec};
use crate::history::{History, Queue};

/// The sinks usable in this run, and a warning for each configured one that is not. The Slack
/// sink of before (no `notify` block) says nothing when its variable is unset: not set means off.
pub fn usable(file: Option<&Config>) -> (Vec<Sink>, Vec<String>) {
    let configured = file.is_some_and(|c| !c.sinks.is_empty());
    let (mut ok, mut warnings) = (Vec::new(), Vec::new());
    for spec in sink::specs(file) {
        match Sink::resolve(&spec) {
            Ok(s) => ok.push(s),
            Err(Unusable::Unset(_)) if !configured => {}
            Err(Unusable::Bad(e)) if !configured => warnings.push(format!("nothing posted to Slack: {e}")),
            Err(e) => warnings.push(format!("nothing sent to sink {:?}: {e}", spec.name)),
        }
    }
    (ok, warnings)
}

/// Where a run queues its changes: each usable sink under `mode`, with the config's routes;
/// `None` when there is no sink or `--notify off`.
pub fn queue_for(file: Option<&Config>, mode: Mode) -> Option<Queue> {
    let sinks: Vec<_> = usable(file).0.iter().filter_map(|s| s.queue(mode)).collect();
    let routes = file.map(|c| c.routes.clone()).unwrap_or_default();
    (!sinks.is_empty()).then_some(Queue { sinks, routes })
}

/// Sends what is queued to every usable sink. Never fails the run: whatever goes wrong is one
/// warning per sink on stderr, redacted, and what was not sent stays queued.
pub fn tell(file: Option<&Config>, mode: Mode, now: DateTime<Utc>, history: impl FnOnce() -> Result<History>) {
    if mode == Mode::Off {
        return;
    }
    let (sinks, warnings) = usable(file);
    for w in warnings {
        eprintln!("driftscan: warning: {w}");
    }
    if sinks.is_empty() {
        return;
    }
    let notifier = Notifier { sinks, retry: Retry::default() };
    // In a shared history, runners that finish at once take turns telling what is queued.
    let sent = history().and_then(|mut h| {
        h.hold_notify_turn()?;
        notifier.send_pending(&mut h, now)
    });
    match sent {
        Ok(outcomes) => {
            for o in outcomes {
                if let Some(e) = o.failed {
                    eprintln!("driftscan: warning: {} did not take the message ({e}); it stays queued and the next run sends it", o.sink);
                }
            }
        }
        Err(e) => {
            let mut text = crate::error::one_line(&e);
            for s in &notifier.sinks {
                text = s.redact(&text);
            }
            eprintln!("driftscan: warning: notification: {text}");
        }
    }
}

/// `driftscan notify`: with `test`, a sample to each sink (or the one named `to`), recording
/// nothing; else what is still queued. Returns the lines for stdout; an error when a sink
/// refused.
pub fn command(
    test: bool,
    to: Option<&str>,
    file: Option<&Config>,
    now: DateTime<Utc>,
    history: impl FnOnce() -> Result<History>,
) -> Result<String> {
    let mut specs = sink::specs(file);
    if let Some(name) = to {
        let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
        specs.retain(|s| s.name == name);
        if specs.is_empty() {
            bail!("--to {name}: no such sink (sinks: {})", names.join(", "));
        }
    }
    let mut sinks = Vec::new();
    for spec in &specs {
        match Sink::resolve(spec) {
            Ok(s) => sinks.push(s),
            Err(Unusable::Unset(var)) if matches!(spec.spec, SinkSpec::Slack { .. }) && spec.line == 0 => {
                bail!("{var} is not set: create an incoming webhook in Slack and export its address")
            }
            // Sending what is queued, one sink unset does not hold back the others.
            Err(e) if !test && to.is_none() => {
                eprintln!("driftscan: warning: nothing sent to sink {:?}: {e}", spec.name)
            }
            Err(e) => bail!("sink {:?}: {e}", spec.name),
        }
    }
    let notifier = Notifier { sinks, retry: Retry::default() };
    let mut out = String::new();
    if test {
        for s in &notifier.sinks {
            if let Some(e) = notifier.test_message(s, now).error {
                bail!("{} did not take the test message: {e}", s.label());
            }
            out.push_str(&format!("{} accepted the test message.\n", s.label()));
        }
        return Ok(out);
    }
    let mut h = history()?;
    h.hold_notify_turn()?;
    for o in notifier.send_pending(&mut h, now)? {
        if let Some(e) = o.failed {
            bail!("{} did not take the message: {e}; the changes stay queued", o.sink);
        }
        out.push_str(&format!("{} queued changes posted to {}.\n", o.told, o.sink));
    }
    Ok(out)
}

/// What `driftscan config check` says about sinks and routes: where each secret is read from
/// (whether it is set, never its value) and where each route sends.
pub fn check_lines(cfg: &Config) -> Vec<String> {
    let mut lines = Vec::new();
    for s in &cfg.sinks {
        let vars: Vec<&str> = match &s.spec {
            SinkSpec::Slack { webhook_env } => vec![webhook_env],
            SinkSpec::PagerDuty { routing_key_env, .. } => vec![routing_key_env],
            SinkSpec::Webhook { url_env, secret_env } => vec![url_env, secret_env],
            SinkSpec::Teams { url_env } => vec![url_env],
        };
        let set: Vec<String> = vars
            .iter()
            .map(|v| {
                format!(
                    "{v} ({})",
                    if std::env::var(v).is_ok_and(|x| !x.trim().is_empty()) { "set" } else { "not set" }
                )
            })
            .collect();
        lines.push(format!("  sink {} ({}): {}", s.name, s.spec.kind(), set.join(", ")));
    }
    for (i, r) in cfg.routes.iter().enumerate() {
        let mut keys = Vec::new();
        for (k, v) in [
            ("workspaces", &r.workspaces),
            ("accounts", &r.accounts),
            ("regions", &r.regions),
            ("types", &r.types),
            ("kinds", &r.kinds),
        ] {
            if !v.is_empty() {
                keys.push(format!("{k} {}", v.join(",")));
            }
        }
        if let Some(m) = r.min_score {
            keys.push(format!("min_score {m}"));
        }
        if let Some(m) = &r.min_severity {
            keys.push(format!("min_severity {m}"));
        }
        let when = if keys.is_empty() { "every change".to_owned() } else { keys.join("; ") };
        lines.push(format!("  route {} (line {}): {when} -> {}", i + 1, r.line, r.to.join(", ")));
    }
    lines
}
