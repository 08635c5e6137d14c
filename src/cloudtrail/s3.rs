//! CloudTrail logs straight from their bucket: `s3://bucket/prefix` lists every object under the
//! prefix (paginated, 1,000 keys a call) and reads each one, as AWS delivers them.

use anyhow::{Context, Result};
use aws_config::SdkConfig;

use super::Loader;

/// An `s3://bucket/prefix` location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    pub prefix: String,
}

impl S3Location {
    /// Parses `s3://bucket` or `s3://bucket/prefix`; `None` when `s` is not an S3 URL.
    pub fn parse(s: &str) -> Option<Result<Self, String>> {
        let rest = s.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Some(Err(format!("{s}: no bucket name after s3://")));
        }
        Some(Ok(S3Location { bucket: bucket.to_owned(), prefix: prefix.to_owned() }))
    }
}

/// Reads every object under `loc` into `loader`. An object that is not CloudTrail is skipped by
/// name like a local file; a bucket that cannot be listed is an error.
pub async fn add_prefix(sdk: &SdkConfig, loc: &S3Location, loader: &mut Loader) -> Result<usize> {
    let client = aws_sdk_s3::Client::new(sdk);
    let mut pages =
        client.list_objects_v2().bucket(&loc.bucket).prefix(&loc.prefix).max_keys(1000).into_paginator().send();
    let mut read = 0;
    while let Some(page) = pages.next().await {
        let page = page
            .map_err(|e| anyhow::anyhow!(crate::aws::ListError::from(e).0))
            .with_context(|| format!("listing s3://{}/{}", loc.bucket, loc.prefix))?;
        for obj in page.contents() {
            let Some(key) = obj.key() else { continue };
            if key.ends_with('/') {
                continue;
            }
            let name = format!("s3://{}/{key}", loc.bucket);
            let body = client
                .get_object()
                .bucket(&loc.bucket)
                .key(key)
                .send()
                .await
                .map_err(|e| anyhow::anyhow!(crate::aws::ListError::from(e).0))
                .with_context(|| format!("reading {name}"))?;
            let bytes = body.body.collect().await.with_context(|| format!("reading {name}"))?.into_bytes();
            loader.add_bytes(&name, &bytes);
            read += 1;
        }
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_parse_and_others_are_not_s3() {
        assert_eq!(
            S3Location::parse("s3://trail/AWSLogs/1/").unwrap().unwrap(),
            S3Location { bucket: "trail".into(), prefix: "AWSLogs/1/".into() }
        );
        assert_eq!(S3Location::parse("s3://trail").unwrap().unwrap().prefix, "");
        assert!(S3Location::parse("s3:///x").unwrap().is_err());
        assert!(S3Location::parse("logs/2026").is_none());
    }
}
