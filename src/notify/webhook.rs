//! An HTTPS endpoint a sink posts to (a Slack or Teams webhook, PagerDuty's events API, a
//! receiver of signed webhooks): its address kept secret, and delivery with retries.
//!
//! The address is a credential (anyone holding it can post to the channel), so it is never
//! printed: `Display` and `Debug` show only the host, and every error that leaves this module is
//! passed through [`Webhook::redact`].

use std::fmt;
use std::time::Duration;

/// Where to post. Built from an environment variable the config names (`DRIFTSCAN_SLACK_WEBHOOK`
/// for the default Slack sink).
#[derive(Clone)]
pub struct Webhook {
    url: String,
}

/// How hard to try before leaving a message for the next run.
#[derive(Debug, Clone)]
pub struct Retry {
    /// Requests in all, the first included.
    pub attempts: u32,
    /// Wait before the second request; doubled for each further one.
    pub base: Duration,
    /// The longest wait accepted (a 429's `Retry-After` included): a cron run must end.
    pub max_wait: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry { attempts: 4, base: Duration::from_millis(500), max_wait: Duration::from_secs(30) }
    }
}

/// The result of posting one message.
#[derive(Debug, Clone)]
pub struct Posted {
    /// HTTP requests made.
    pub attempts: u32,
    /// `None` when the webhook accepted the message; else why not, already redacted.
    pub error: Option<String>,
}

/// Where the webhook address is read from unless the config names another variable.
pub const DEFAULT_VAR: &str = "DRIFTSCAN_SLACK_WEBHOOK";

impl Webhook {
    /// Checks the address: `https://`, or `http://` to this machine only (a local relay or test
    /// server), so a typo cannot send the estate's changes in clear over the network. The error
    /// never repeats the address.
    pub fn parse(url: &str) -> Result<Webhook, String> {
        Webhook::parse_as(url, "the Slack webhook")
    }

    /// [`Webhook::parse`] for any sink, `what` naming it in errors ("the Teams webhook").
    pub fn parse_as(url: &str, what: &str) -> Result<Webhook, String> {
        let url = url.trim();
        let rest = if let Some(r) = url.strip_prefix("https://") {
            r
        } else if let Some(r) = url.strip_prefix("http://") {
            let host = r.split(['/', '?']).next().unwrap_or("");
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
                return Err(format!("{what} must be an https:// address (plain http only to this machine)"));
            }
            r
        } else {
            let hint = if what.contains("Slack") { " (expected https://hooks.slack.com/services/...)" } else { "" };
            return Err(format!("{what} is not an http(s) address{hint}"));
        };
        if rest.split(['/', '?']).next().unwrap_or("").is_empty() {
            return Err(format!("{what} address has no host"));
        }
        Ok(Webhook { url: url.to_owned() })
    }

    /// The webhook named by `DRIFTSCAN_SLACK_WEBHOOK`, if set and not empty.
    pub fn from_env() -> Option<Result<Webhook, String>> {
        Webhook::from_var(DEFAULT_VAR)
    }

    /// The webhook in environment variable `var` (the config's `slack { webhook_env }`).
    pub fn from_var(var: &str) -> Option<Result<Webhook, String>> {
        Webhook::from_var_as(var, "the Slack webhook")
    }

    /// The endpoint in environment variable `var`, `what` naming it in errors.
    pub fn from_var_as(var: &str, what: &str) -> Option<Result<Webhook, String>> {
        let v = std::env::var(var).ok().filter(|v| !v.trim().is_empty())?;
        Some(Webhook::parse_as(&v, what))
    }

    /// `text` with the address, and its secret path on its own, replaced by `<webhook>`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.replace(&self.url, "<webhook>");
        if let Some(path) = self.url.splitn(4, '/').nth(3).filter(|p| p.len() >= 8) {
            out = out.replace(path, "<webhook path>");
        }
        out
    }

    fn host(&self) -> &str {
        self.url.split("://").nth(1).and_then(|r| r.split(['/', '?']).next()).unwrap_or("?")
    }

    /// Posts a JSON `body`, retrying server errors and network failures with exponential backoff
    /// and waiting out a 429 for its `Retry-After`. A client error (bad token, channel gone) is not
    /// retried: it will not fix itself within a run.
    pub fn post(&self, body: &str, retry: &Retry) -> Posted {
        self.post_with(body, &Vec::new, retry)
    }

    /// [`Webhook::post`] with extra headers, made afresh for each request (a signature over the
    /// moment it is sent).
    pub fn post_with(&self, body: &str, headers: &dyn Fn() -> Vec<(&'static str, String)>, retry: &Retry) -> Posted {
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(15)).build();
        let mut attempts = 0;
        let mut last = String::new();
        while attempts < retry.attempts {
            attempts += 1;
            let wait = retry.base * 2u32.saturating_pow(attempts - 1);
            let mut req = agent.post(&self.url).set("Content-Type", "application/json");
            for (k, v) in headers() {
                req = req.set(k, &v);
            }
            match req.send_string(body) {
                Ok(_) => return Posted { attempts, error: None },
                Err(ureq::Error::Status(429, resp)) => {
                    let after = resp.header("Retry-After").and_then(|v| v.trim().parse::<u64>().ok());
                    let wait = after.map_or(wait, Duration::from_secs);
                    last = format!(
                        "HTTP 429 (rate limited, Retry-After {})",
                        after.map_or("-".into(), |s| format!("{s} s"))
                    );
                    if wait > retry.max_wait {
                        last.push_str(": longer than this run waits");
                        break;
                    }
                    if attempts < retry.attempts {
                        std::thread::sleep(wait);
                    }
                }
                Err(ureq::Error::Status(code, resp)) => {
                    let text: String = resp.into_string().unwrap_or_default().chars().take(200).collect();
                    last = format!("HTTP {code}: {}", text.trim());
                    if code < 500 {
                        break;
                    }
                    if attempts < retry.attempts {
                        std::thread::sleep(wait.min(retry.max_wait));
                    }
                }
                Err(ureq::Error::Transport(t)) => {
                    last = format!("cannot reach the webhook: {t}");
                    if attempts < retry.attempts {
                        std::thread::sleep(wait.min(retry.max_wait));
                    }
                }
            }
        }
        let tries = if attempts == 1 { "1 attempt".to_owned() } else { format!("{attempts} attempts") };
        Posted { attempts, error: Some(self.redact(&format!("{last} ({tries})"))) }
    }
}

impl fmt::Display for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "webhook at {}", self.host())
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Webhook({} <redacted>)", self.host())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://hooks.slack.com/services/T0001/B0001/s3cr3tT0ken";

    #[test]
    fn address_checked_and_never_shown() {
        let w = Webhook::parse(URL).unwrap();
        assert_eq!(w.to_string(), "webhook at hooks.slack.com");
        assert!(!format!("{w:?}").contains("s3cr3t"));
        assert_eq!(w.redact(&format!("error sending to {URL}: 500")), "error sending to <webhook>: 500");
        assert_eq!(w.redact("POST /services/T0001/B0001/s3cr3tT0ken"), "POST /<webhook path>");
        assert!(Webhook::parse("http://127.0.0.1:9/x").is_ok());
        for bad in ["http://hooks.slack.com/services/s3cr3t", "hooks.slack.com/s3cr3t", "ftp://s3cr3t", "https://"] {
            let err = Webhook::parse(bad).unwrap_err();
            assert!(!err.contains("s3cr3t"), "{err}");
        }
    }
}
