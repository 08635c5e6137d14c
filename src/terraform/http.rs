//! States over HTTP: the `http` backend (GitLab's managed Terraform state, and any server that
//! speaks the protocol: `GET` on the address returns the state) and the transport the HCP
//! Terraform API shares with it.
//!
//! Only `https://` goes over the network; plain `http://` is taken only to this machine (a local
//! relay, a test server), as for the Slack webhook, so a typo cannot send credentials in clear.
//! Passwords and tokens travel in headers and are never part of a message.

use std::io::Read;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};

/// Basic auth for the `http` backend. A password: `Debug` shows the user only.
#[derive(Clone, PartialEq, Eq)]
pub struct Auth {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Auth {{ username: {:?} }}", self.username)
    }
}

impl Auth {
    /// The credentials Terraform's `http` backend takes: each of `username` and `password` from
    /// the block when it sets it (`block`; empty is unset), else from `TF_HTTP_USERNAME` /
    /// `TF_HTTP_PASSWORD`.
    pub fn resolve(block: Option<&Auth>) -> Option<Auth> {
        let pick = |set: Option<&String>, var: &str| {
            set.filter(|v| !v.is_empty()).cloned().or_else(|| std::env::var(var).ok().filter(|v| !v.is_empty()))
        };
        let username = pick(block.map(|b| &b.username), "TF_HTTP_USERNAME");
        let password = pick(block.map(|b| &b.password), "TF_HTTP_PASSWORD");
        if username.is_none() && password.is_none() {
            return None;
        }
        Some(Auth { username: username.unwrap_or_default(), password: password.unwrap_or_default() })
    }

    fn header(&self) -> String {
        use base64::Engine;
        let pair = format!("{}:{}", self.username, self.password);
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
    }
}

/// Whether a `--state` argument is an HTTP address.
pub fn is_http(pattern: &str) -> bool {
    pattern.starts_with("https://") || pattern.starts_with("http://")
}

/// `host[:port]` of an http(s) URL.
pub fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or("")
}

/// The host of `host[:port]` (brackets kept for IPv6).
pub fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// Whether `host` is this machine.
pub fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "[::1]") || host.starts_with("127.") && host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Refuses an address that is neither `https://` nor `http://` to this machine.
pub fn check(url: &str) -> Result<()> {
    if url.starts_with("https://") {
        if authority(url).is_empty() {
            bail!("{url}: the address has no host");
        }
        return Ok(());
    }
    if url.starts_with("http://") && is_loopback(host_of(authority(url))) {
        return Ok(());
    }
    if url.starts_with("http://") {
        bail!("{url}: state is read over https:// (plain http only to this machine, such as a local relay)");
    }
    bail!("{url}: not an http(s) address")
}

/// Why a request failed, for the caller to word: the status and the start of the body, or
/// the transport's reason.
#[derive(Debug)]
pub enum Failure {
    Status(u16, String),
    Transport(String),
}

/// `GET url` with `headers`, the body whole. Runs on a blocking thread: ureq is synchronous.
/// Redirects are followed only by a request without credentials: with them, the credentials would
/// go along to wherever the redirect points.
pub async fn get(url: &str, headers: Vec<(&'static str, String)>) -> Result<Vec<u8>, Failure> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let redirects = if headers.is_empty() { 5 } else { 0 };
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(120)).redirects(redirects).build();
        let mut req = agent.get(&url);
        for (k, v) in &headers {
            req = req.set(k, v);
        }
        match req.call() {
            Ok(resp) if (200..300).contains(&resp.status()) => {
                let mut body = Vec::new();
                resp.into_reader().read_to_end(&mut body).map_err(|e| Failure::Transport(e.to_string()))?;
                Ok(body)
            }
            Ok(resp) => {
                Err(Failure::Status(resp.status(), format!("redirected to {}", resp.header("Location").unwrap_or("?"))))
            }
            Err(ureq::Error::Status(code, resp)) => {
                let text: String = resp.into_string().unwrap_or_default().chars().take(200).collect();
                Err(Failure::Status(code, text.split_whitespace().collect::<Vec<_>>().join(" ")))
            }
            Err(ureq::Error::Transport(t)) => Err(Failure::Transport(transport(&t))),
        }
    })
    .await
    .unwrap_or_else(|e| Err(Failure::Transport(e.to_string())))
}

/// A transport failure without the URL ureq puts in its message (the caller names the source).
fn transport(t: &ureq::Transport) -> String {
    let mut why = t.kind().to_string();
    if let Some(m) = t.message() {
        why = format!("{why}: {m}");
    }
    if let Some(source) = std::error::Error::source(t) {
        why = format!("{why}: {source}");
    }
    why
}

/// Reads the state an `http` backend holds at `url`, with basic auth when `auth` is given.
pub async fn fetch_state(url: &str, auth: Option<&Auth>) -> Result<Vec<u8>> {
    check(url)?;
    let headers = auth.map(|a| vec![("Authorization", a.header())]).unwrap_or_default();
    match get(url, headers).await {
        Ok(body) if body.iter().all(u8::is_ascii_whitespace) => {
            bail!("{url}: the server holds no state at this address")
        }
        Ok(body) => Ok(body),
        Err(Failure::Status(code @ (401 | 403), _)) => {
            let given = if auth.is_some() { "the credentials given were refused" } else { "no credentials were given" };
            bail!("{url}: HTTP {code}: {given} (set TF_HTTP_USERNAME and TF_HTTP_PASSWORD, as for Terraform's http backend)")
        }
        Err(Failure::Status(404, _)) => bail!("{url}: HTTP 404: the server holds no state at this address"),
        Err(Failure::Status(code, text)) => Err(anyhow!("{url}: HTTP {code}: {text}")),
        Err(Failure::Transport(why)) => Err(anyhow!("{url}: cannot reach the server: {why}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_leaves_this_machine() {
        assert!(check("https://gitlab.com/api/v4/projects/1/terraform/state/prod").is_ok());
        assert!(check("http://127.0.0.1:8080/state").is_ok());
        assert!(check("http://localhost/state").is_ok());
        assert!(check("http://[::1]:9/state").is_ok());
        let err = check("http://gitlab.example.com/state").unwrap_err().to_string();
        assert!(err.contains("over https://"), "{err}");
        assert!(check("http://127.0.0.1.evil.com/state").is_err());
        assert!(check("https:///state").is_err());
    }

    #[test]
    fn hosts_and_ports_split() {
        assert_eq!(authority("https://app.terraform.io/api/v2"), "app.terraform.io");
        assert_eq!(host_of("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_of("[::1]:8080"), "[::1]");
    }

    #[test]
    fn basic_auth_is_encoded_and_never_shown() {
        let a = Auth { username: "gitlab-ci-token".into(), password: "glpat-secret".into() };
        assert_eq!(a.header(), "Basic Z2l0bGFiLWNpLXRva2VuOmdscGF0LXNlY3JldA==");
        assert!(!format!("{a:?}").contains("glpat"));
    }
}
