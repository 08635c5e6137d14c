//! State sources that are not local files: `s3://bucket/key` (one object, as the `backend "s3"`
//! block names it) and `s3://bucket/prefix/**/*.tfstate` (a glob over keys, `*` within one path
//! segment, `**` across segments). Objects are read whole and parsed like local files; a change
//! names its state by its URL.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use aws_config::SdkConfig;

use super::sources::Backend;
use super::state::{self, parse_state_with, Attributes, StateFile};
use crate::aws::access::Access;

/// Reads every state `patterns` names, local and `s3://`, sorted by path, for a scan: with the
/// attributes a scan uses ([`Attributes::Compared`]). S3 is reached with `access`, only when an
/// `s3://` pattern is given.
pub async fn load_states(patterns: &[String], access: &Access) -> Result<Vec<StateFile>> {
    let (remote, local): (Vec<&String>, Vec<&String>) = patterns.iter().partition(|p| p.starts_with("s3://"));
    let local: Vec<String> = local.into_iter().cloned().collect();
    let mut files = if local.is_empty() { Vec::new() } else { state::load_states_with(&local, Attributes::Compared)? };
    if !remote.is_empty() {
        let sdk = access.sdk_config().await;
        let mut seen = BTreeSet::new();
        for url in remote {
            for key_url in expand(&sdk, url).await? {
                if seen.insert(key_url.clone()) {
                    files.push(fetch(&sdk, &key_url).await?);
                }
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The state a `backend "s3"` block names, as `s3://bucket/key`, with its region. Workspaces
/// other than `default` live under `workspace_key_prefix` (`env:` unless set); only the default
/// workspace's key is taken.
pub fn backend_state(backend: &Backend) -> Result<(String, Option<String>)> {
    let at = format!("{}:{}", backend.file.display(), backend.line);
    if backend.kind != "s3" {
        bail!("{at}: backend \"{}\" is not supported; only backend \"s3\" can be read (or pass --state)", backend.kind);
    }
    let get = |k: &str| backend.attributes.get(k).filter(|v| !v.is_empty());
    let bucket = get("bucket").with_context(|| format!("{at}: backend \"s3\" has no literal bucket"))?;
    let key = get("key").with_context(|| format!("{at}: backend \"s3\" has no literal key"))?;
    Ok((format!("s3://{bucket}/{key}"), get("region").cloned()))
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
async fn expand(sdk: &SdkConfig, url: &str) -> Result<Vec<String>> {
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

/// Reads one object and parses it as a state.
async fn fetch(sdk: &SdkConfig, url: &str) -> Result<StateFile> {
    let (bucket, key) = split(url)?;
    let client = aws_sdk_s3::Client::new(sdk);
    let out = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| anyhow!("{url}: cannot read: {}", crate::aws::ListError::from(e).0))?;
    let bytes = out.body.collect().await.map_err(|e| anyhow!("{url}: cannot read: {e}"))?.into_bytes();
    Ok(parse_state_with(Path::new(url), &bytes, Attributes::Compared)?)
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
        assert_eq!(backend_state(&b).unwrap(), ("s3://tf/prod/terraform.tfstate".into(), Some("eu-west-1".into())));
        let err = backend_state(&backend("s3", &[("bucket", "tf")])).unwrap_err().to_string();
        assert_eq!(err, "infra/versions.tf:3: backend \"s3\" has no literal key");
        let err = backend_state(&backend("gcs", &[])).unwrap_err().to_string();
        assert!(err.starts_with("infra/versions.tf:3: backend \"gcs\" is not supported"), "{err}");
    }

    #[test]
    fn urls_split_into_bucket_and_key() {
        assert_eq!(split("s3://b/a/b.tfstate").unwrap(), ("b", "a/b.tfstate"));
        assert!(split("s3://b").is_err());
        assert!(split("s3:///k").is_err());
    }
}
