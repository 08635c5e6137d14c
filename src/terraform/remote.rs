//! The S3 source and the backends of `--tf-dir`. `s3://bucket/key` is one object (as the
//! `backend "s3"` block names it) and `s3://bucket/prefix/**/*.tfstate` a glob over keys (`*`
//! within one path segment, `**` across segments); objects are read whole. A `terraform {}`
//! block's `backend "s3"`, `backend "http"`, `backend "remote"` or `cloud {}` names the state a
//! scan reads when no `--state` is given.

use anyhow::{anyhow, bail, Context, Result};
use aws_config::SdkConfig;

use super::http::Auth;
use super::sources::Backend;
use super::tfc;

/// The state a backend block names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendState {
    /// `s3://bucket/key`, the `http` backend's address, or `tfc://HOST/ORG/WORKSPACE`.
    pub url: String,
    /// The bucket's region, when the `s3` block says.
    pub region: Option<String>,
    /// The `http` block's `username` / `password`, when it sets them.
    pub auth: Option<Auth>,
}

/// The backends a scan can read, for messages.
pub const READABLE: &str = "backend \"s3\", \"http\" or \"remote\", or a cloud block";

/// The state a backend block names. For `s3`, workspaces other than `default` live under
/// `workspace_key_prefix` (`env:` unless set): only the default workspace's key is taken. For
/// `remote` and `cloud`, one workspace by `name` (Terraform's `TF_WORKSPACE` and
/// `TF_CLOUD_ORGANIZATION` fill in what a `cloud` block leaves out).
pub fn backend_state(backend: &Backend) -> Result<BackendState> {
    let at = format!("{}:{}", backend.file.display(), backend.line);
    let get = |k: &str| backend.attributes.get(k).filter(|v| !v.is_empty()).cloned();
    let kind = backend.kind.as_str();
    let what = if kind == "cloud" { "the cloud block".to_owned() } else { format!("backend \"{kind}\"") };
    let plain = |url: String| BackendState { url, region: None, auth: None };
    match kind {
        "s3" => {
            let bucket = get("bucket").with_context(|| format!("{at}: {what} has no literal bucket"))?;
            let key = get("key").with_context(|| format!("{at}: {what} has no literal key"))?;
            Ok(BackendState { url: format!("s3://{bucket}/{key}"), region: get("region"), auth: None })
        }
        "http" => {
            // GitLab's setup leaves the block empty and gives the address at `terraform init`
            // (`-backend-config`), or in TF_HTTP_ADDRESS, which the backend also reads.
            let address = get("address")
                .or_else(|| std::env::var("TF_HTTP_ADDRESS").ok().filter(|v| !v.is_empty()))
                .with_context(|| {
                    format!("{at}: {what} has no literal address; set TF_HTTP_ADDRESS or pass --state with the address")
                })?;
            let auth = match (get("username"), get("password")) {
                (None, None) => None,
                (u, p) => Some(Auth { username: u.unwrap_or_default(), password: p.unwrap_or_default() }),
            };
            Ok(BackendState { url: address, region: None, auth })
        }
        "remote" | "cloud" => {
            let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
            let from_env = kind == "cloud";
            let host = get("hostname").or_else(|| from_env.then(tfc::default_host));
            let host = host.unwrap_or_else(|| "app.terraform.io".into());
            let org = get("organization")
                .or_else(|| if from_env { env("TF_CLOUD_ORGANIZATION") } else { None })
                .with_context(|| format!("{at}: {what} has no literal organization"))?;
            let name = get("workspaces.name").or_else(|| if from_env { env("TF_WORKSPACE") } else { None });
            let Some(name) = name else {
                bail!("{at}: {what} names its workspaces by tags or prefix; pass --state tfc://{org}/WORKSPACE for the one to scan");
            };
            Ok(plain(format!("tfc://{host}/{org}/{name}")))
        }
        _ => bail!("{at}: backend \"{kind}\" is not supported; a scan reads {READABLE} (or pass --state, or pipe `terraform state pull` to --state -)"),
    }
}

/// `s3://b/k` -> (`b`, `k`).
fn split(url: &str) -> Result<(&str, &str)> {
    let rest = url.strip_prefix("s3://").unwrap_or(url);
    match rest.split_once('/') {
        Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => Ok((bucket, key)),
        _ => bail!("{url}: expected s3://bucket/key or s3://bucket/prefix/**/*.tfstate"),
    }
}

/// The object URLs a pattern names: itself when it has no glob characters, else every key
/// under its literal prefix that matches.
pub async fn expand(sdk: &SdkConfig, url: &str) -> Result<Vec<String>> {
    let (bucket, key) = split(url)?;
    let Some(first_glob) = key.find(['*', '?', '[']) else { return Ok(vec![url.to_owned()]) };
    let pattern = glob::Pattern::new(key).map_err(|e| anyhow!("{url}: bad pattern: {e}"))?;
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    // List only under the literal part, up to its last `/`.
    let prefix = &key[..key[..first_glob].rfind('/').map_or(0, |i| i + 1)];
    let client = aws_sdk_s3::Client::new(sdk);
    let mut pages = client.list_objects_v2().bucket(bucket).prefix(prefix).into_paginator().send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| anyhow!("{url}: cannot list the bucket: {}", crate::aws::ListError::from(e).0))?;
        for obj in page.contents() {
            if let Some(k) = obj.key().filter(|k| pattern.matches_with(k, options)) {
                found.push(format!("s3://{bucket}/{k}"));
            }
        }
    }
    if found.is_empty() {
        bail!("{url}: no object matches this pattern");
    }
    found.sort();
    Ok(found)
}

/// Reads one object whole.
pub async fn fetch(sdk: &SdkConfig, url: &str) -> Result<Vec<u8>> {
    let (bucket, key) = split(url)?;
    let client = aws_sdk_s3::Client::new(sdk);
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| anyhow!("{url}: cannot read: {}", crate::aws::ListError::from(e).0))?;
    Ok(out.body.collect().await.map_err(|e| anyhow!("{url}: cannot read: {e}"))?.into_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;

    fn backend(kind: &str, attrs: &[(&str, &str)]) -> Backend {
        Backend {
            kind: kind.into(),
            attributes: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
            file: PathBuf::from("infra/versions.tf"),
            line: 3,
        }
    }

    #[test]
    fn backend_blocks_name_their_state() {
        let b = backend("s3", &[("bucket", "tf"), ("key", "prod/terraform.tfstate"), ("region", "eu-west-1")]);
        let s = backend_state(&b).unwrap();
        assert_eq!((s.url.as_str(), s.region.as_deref()), ("s3://tf/prod/terraform.tfstate", Some("eu-west-1")));
        let err = backend_state(&backend("s3", &[("bucket", "tf")])).unwrap_err().to_string();
        assert_eq!(err, "infra/versions.tf:3: backend \"s3\" has no literal key");
        let err = backend_state(&backend("gcs", &[])).unwrap_err().to_string();
        assert!(err.starts_with("infra/versions.tf:3: backend \"gcs\" is not supported"), "{err}");
    }

    #[test]
    fn http_remote_and_cloud_blocks_name_their_state() {
        let url = "https://gitlab.com/api/v4/projects/7/terraform/state/prod";
        let b = backend("http", &[("address", url), ("username", "ci"), ("password", "glpat-x")]);
        let s = backend_state(&b).unwrap();
        assert_eq!(s.url, url);
        assert_eq!(s.auth, Some(Auth { username: "ci".into(), password: "glpat-x".into() }));
        let b = backend("remote", &[("hostname", "tfe.corp"), ("organization", "acme"), ("workspaces.name", "net")]);
        assert_eq!(backend_state(&b).unwrap().url, "tfc://tfe.corp/acme/net");
        let b = backend(
            "cloud",
            &[("organization", "acme"), ("hostname", "app.terraform.io"), ("workspaces.name", "prod")],
        );
        assert_eq!(backend_state(&b).unwrap().url, "tfc://app.terraform.io/acme/prod");
        let err =
            backend_state(&backend("remote", &[("organization", "acme"), ("workspaces.prefix", "net-")])).unwrap_err();
        assert!(err.to_string().contains("tags or prefix; pass --state tfc://acme/WORKSPACE"), "{err}");
    }

    #[test]
    fn urls_split_into_bucket_and_key() {
        assert_eq!(split("s3://b/a/b.tfstate").unwrap(), ("b", "a/b.tfstate"));
        assert!(split("s3://b").is_err());
        assert!(split("s3:///k").is_err());
    }
}
