//! HCP Terraform and Terraform Enterprise: `tfc://ORG/WORKSPACE` and `tfc://HOST/ORG/WORKSPACE`,
//! read through the API as Terraform's `cloud {}` block reads them: the workspace's id from
//! `GET /api/v2/organizations/ORG/workspaces/NAME`, its current state version from
//! `GET /api/v2/workspaces/ID/current-state-version`, then the state from that version's
//! `hosted-state-download-url`.
//!
//! The token is Terraform's: `TF_TOKEN_<host>` (dots as `_`, hyphens as `__`), else
//! `credentials."HOST".token` in `~/.terraform.d/credentials.tfrc.json`. It is a secret: it goes
//! in the `Authorization` header to the API host only (a download URL on another host is signed
//! and gets none), and no message holds it.

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;

use super::http::{self, Failure};

/// The default host, as Terraform's.
const DEFAULT_HOST: &str = "app.terraform.io";

/// One workspace of an organization on a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// `host[:port]`.
    pub host: String,
    pub organization: String,
    pub name: String,
}

/// Whether a `--state` argument names an HCP Terraform workspace.
pub fn is_tfc(pattern: &str) -> bool {
    pattern.starts_with("tfc://")
}

impl Workspace {
    /// `tfc://ORG/WS` (host from `TF_CLOUD_HOSTNAME`, else app.terraform.io) or `tfc://HOST/ORG/WS`.
    pub fn parse(url: &str) -> Result<Workspace> {
        let rest = url.strip_prefix("tfc://").unwrap_or(url);
        let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        let (host, org, name) = match parts.as_slice() {
            [org, name] => (default_host(), *org, *name),
            [host, org, name] => ((*host).to_owned(), *org, *name),
            _ => bail!("{url}: expected tfc://ORGANIZATION/WORKSPACE or tfc://HOST/ORGANIZATION/WORKSPACE"),
        };
        if host.is_empty() || org.is_empty() || name.is_empty() || name.contains(['*', '?']) {
            bail!("{url}: expected tfc://ORGANIZATION/WORKSPACE or tfc://HOST/ORGANIZATION/WORKSPACE (one workspace, no pattern)");
        }
        Ok(Workspace { host, organization: org.to_owned(), name: name.to_owned() })
    }

    /// The URL that names this workspace's state in changes.
    pub fn url(&self) -> String {
        format!("tfc://{}/{}/{}", self.host, self.organization, self.name)
    }

    /// The API's base: https, or plain http to this machine (a relay or a test server).
    fn base(&self) -> String {
        let scheme = if http::is_loopback(http::host_of(&self.host)) { "http" } else { "https" };
        format!("{scheme}://{}", self.host)
    }
}

/// `TF_CLOUD_HOSTNAME`, else app.terraform.io.
pub fn default_host() -> String {
    std::env::var("TF_CLOUD_HOSTNAME").ok().filter(|h| !h.trim().is_empty()).unwrap_or_else(|| DEFAULT_HOST.into())
}

/// The variable Terraform reads a host's token from: `TF_TOKEN_app_terraform_io`. A port is not
/// part of it (a variable name cannot hold `:`).
pub fn token_var(host: &str) -> String {
    let host = http::host_of(host);
    format!("TF_TOKEN_{}", host.replace('-', "__").replace('.', "_"))
}

/// The token for `host`: its variable, else Terraform's credentials file.
fn token(host: &str) -> Result<String> {
    if let Some(t) = std::env::var(token_var(host)).ok().filter(|t| !t.trim().is_empty()) {
        return Ok(t.trim().to_owned());
    }
    let file = std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".terraform.d/credentials.tfrc.json"));
    if let Some(file) = file.filter(|f| f.exists()) {
        let text = std::fs::read_to_string(&file).with_context(|| format!("{}: cannot read", file.display()))?;
        let creds: Value = serde_json::from_str(&text).map_err(|e| {
            anyhow!("{}: not valid JSON ({e}); Terraform writes it with `terraform login`", file.display())
        })?;
        for key in [host, http::host_of(host)] {
            if let Some(t) = creds["credentials"][key]["token"].as_str().filter(|t| !t.is_empty()) {
                return Ok(t.to_owned());
            }
        }
    }
    bail!("no token for {host}: set {} or run `terraform login {host}`", token_var(host))
}

/// The three calls a read makes, to word what failed.
#[derive(Clone, Copy)]
enum Step {
    Workspace,
    StateVersion,
    Download,
}

impl Step {
    fn what(self) -> &'static str {
        match self {
            Step::Workspace => "the workspace",
            Step::StateVersion => "its current state version",
            Step::Download => "the state",
        }
    }
}

/// Reads the workspace's current state.
pub async fn fetch_state(ws: &Workspace) -> Result<Vec<u8>> {
    let url = ws.url();
    let token = token(&ws.host).map_err(|e| anyhow!("{url}: {e}"))?;
    let auth = || vec![("Authorization", format!("Bearer {token}")), ("Accept", "application/vnd.api+json".to_owned())];
    let base = ws.base();

    let path = format!("/api/v2/organizations/{}/workspaces/{}", ws.organization, ws.name);
    let workspace = api(ws, &format!("{base}{path}"), auth(), Step::Workspace).await?;
    let id = workspace["data"]["id"].as_str().with_context(|| format!("{url}: the API's workspace has no data.id"))?;

    let version_url = format!("{base}/api/v2/workspaces/{id}/current-state-version");
    let version = api(ws, &version_url, auth(), Step::StateVersion).await?;
    let download = version["data"]["attributes"]["hosted-state-download-url"]
        .as_str()
        .with_context(|| format!("{url}: the current state version has no hosted-state-download-url"))?;
    http::check(download).map_err(|e| anyhow!("{url}: the state's download address is refused: {e}"))?;
    let same_host = download.starts_with(&format!("{base}/"));
    let headers = if same_host { vec![("Authorization", format!("Bearer {token}"))] } else { Vec::new() };
    http::get(download, headers).await.map_err(|f| failure(ws, Step::Download, f))
}

/// One JSON:API call.
async fn api(ws: &Workspace, call: &str, headers: Vec<(&'static str, String)>, step: Step) -> Result<Value> {
    let body = http::get(call, headers).await.map_err(|f| failure(ws, step, f))?;
    serde_json::from_slice(&body)
        .map_err(|e| anyhow!("{}: the API's answer for {} is not JSON ({e})", ws.url(), step.what()))
}

/// A failed call, worded for the user; never the token.
fn failure(ws: &Workspace, step: Step, f: Failure) -> anyhow::Error {
    let (url, what) = (ws.url(), step.what());
    match (f, step) {
        (Failure::Status(401, _), _) => {
            anyhow!("{url}: HTTP 401 reading {what}: the token was refused (check {})", token_var(&ws.host))
        }
        (Failure::Status(404, _), Step::Workspace) => {
            anyhow!("{url}: HTTP 404 reading {what}: no such organization or workspace, or the token cannot see it")
        }
        (Failure::Status(404, _), Step::StateVersion) => anyhow!("{url}: the workspace has no state yet (HTTP 404)"),
        (Failure::Status(code, text), _) => anyhow!("{url}: HTTP {code} reading {what}: {text}"),
        (Failure::Transport(why), _) => anyhow!("{url}: cannot reach the API for {what}: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_workspace_on_a_host() {
        let ws = Workspace::parse("tfc://acme.example.com/acme/prod-network").unwrap();
        assert_eq!(
            (ws.host.as_str(), ws.organization.as_str(), ws.name.as_str()),
            ("acme.example.com", "acme", "prod-network")
        );
        assert_eq!(ws.base(), "https://acme.example.com");
        assert_eq!(Workspace::parse("tfc://127.0.0.1:8080/o/w").unwrap().base(), "http://127.0.0.1:8080");
        assert!(Workspace::parse("tfc://acme").is_err());
        assert!(Workspace::parse("tfc://h/o/w/x").is_err());
        assert!(Workspace::parse("tfc://acme/prod-*").is_err());
    }

    #[test]
    fn token_variables_are_named_as_terraform_names_them() {
        assert_eq!(token_var("app.terraform.io"), "TF_TOKEN_app_terraform_io");
        assert_eq!(token_var("tfe.my-corp.com"), "TF_TOKEN_tfe_my__corp_com");
        assert_eq!(token_var("127.0.0.1:8080"), "TF_TOKEN_127_0_0_1");
    }
}
