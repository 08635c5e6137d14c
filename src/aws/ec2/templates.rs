//! `aws_key_pair` from `DescribeKeyPairs` (no pagination: one call returns every key pair) and
//! `aws_launch_template` from `DescribeLaunchTemplates`.

use aws_sdk_ec2::types::{KeyPairInfo, LaunchTemplate};
use serde_json::{json, Map};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

pub async fn list_key_pairs(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let got = client.describe_key_pairs().send().await?;
    Ok(got.key_pairs().iter().filter_map(map_key).collect())
}

/// Terraform's id for a key pair is its name.
fn map_key(k: &KeyPairInfo) -> Option<Resource> {
    let name = k.key_name()?;
    let mut a = Map::new();
    a.insert("key_name".into(), json!(name));
    a.insert("fingerprint".into(), text(k.key_fingerprint()));
    if let Some(kind) = k.key_type() {
        a.insert("key_type".into(), json!(kind.as_str()));
    }
    a.insert("tags".into(), tags(k.tags()));
    Some(live("aws_key_pair", name, a, LiveFacts::default()))
}

pub async fn list_launch_templates(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_launch_templates().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.launch_templates().iter().filter_map(map_template));
    }
    Ok(out)
}

fn map_template(t: &LaunchTemplate) -> Option<Resource> {
    let id = t.launch_template_id()?;
    let mut a = Map::new();
    a.insert("name".into(), text(t.launch_template_name()));
    if let Some(v) = t.default_version_number() {
        a.insert("default_version".into(), json!(v));
    }
    if let Some(v) = t.latest_version_number() {
        a.insert("latest_version".into(), json!(v));
    }
    a.insert("tags".into(), tags(t.tags()));
    Some(live("aws_launch_template", id, a, LiveFacts::default()))
}
