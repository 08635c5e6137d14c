//! `aws_ec2_tag`: one tag on any EC2 resource, Terraform id `resource_id,key`. `DescribeTags`
//! is filtered by the declared resources' ids (200 a filter, pages of 1,000), so its calls follow
//! the declared tags, not every tag of the account. A tag nobody declares as `aws_ec2_tag` is its
//! resource's (compared in its `tags`), so this list finds only declared tags and none is ever
//! unmanaged; a declared one that is gone is deleted.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use aws_sdk_ec2::types::Filter;
use serde_json::{Map, Value};

use super::{live, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

pub const TAG: &str = "aws_ec2_tag";

/// Values one `resource-id` filter takes at most.
const IDS_PER_FILTER: usize = 200;

/// `resource_id,key` split at the first comma: a resource id has none, a key may.
pub fn split_id(id: &str) -> Option<(&str, &str)> {
    id.split_once(',').filter(|(r, k)| !r.is_empty() && !k.is_empty())
}

pub async fn list(client: &aws_sdk_ec2::Client, wanted: &HashSet<String>) -> Result<Vec<Resource>, ListError> {
    let mut keys: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (resource, key) in wanted.iter().filter_map(|id| split_id(id)) {
        keys.entry(resource).or_default().insert(key);
    }
    let resources: Vec<&str> = keys.keys().copied().collect();
    let mut out = Vec::new();
    if resources.is_empty() {
        // Nothing declared, nothing to find; one small call still proves the list can be made, so
        // a region where every call fails is not taken as scanned.
        client.describe_tags().max_results(5).send().await?;
        return Ok(out);
    }
    for chunk in resources.chunks(IDS_PER_FILTER) {
        let filter =
            Filter::builder().name("resource-id").set_values(Some(chunk.iter().map(|s| s.to_string()).collect()));
        let mut pages = client.describe_tags().filters(filter.build()).max_results(PAGE).into_paginator().send();
        while let Some(page) = pages.next().await {
            for t in page?.tags() {
                let (Some(resource), Some(key)) = (t.resource_id(), t.key()) else { continue };
                if !keys.get(resource).is_some_and(|k| k.contains(key)) {
                    continue;
                }
                let mut a = Map::new();
                a.insert("resource_id".into(), Value::from(resource));
                a.insert("key".into(), Value::from(key));
                a.insert("value".into(), Value::from(t.value().unwrap_or_default()));
                out.push(live(TAG, &format!("{resource},{key}"), a, LiveFacts::default()));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_the_resource_then_the_key_which_may_hold_commas() {
        assert_eq!(split_id("vpc-1,Name"), Some(("vpc-1", "Name")));
        assert_eq!(split_id("subnet-1,kubernetes.io/cluster/a,b"), Some(("subnet-1", "kubernetes.io/cluster/a,b")));
        assert_eq!(split_id("vpc-1"), None);
        assert_eq!(split_id(",Name"), None);
    }
}
