//! KMS: keys and aliases, per region. `ListKeys` names keys only, so every listed key takes one
//! `DescribeKey` (which says whether AWS or the customer manages it, and whether it is pending
//! deletion); rotation, policy and tags cost three calls more, for declared keys only.
//! `ListAliases` gives every alias with its key in pages of 100.

use std::collections::HashSet;

use aws_sdk_kms::types::{AliasListEntry, KeyManagerType, KeyMetadata, KeyState};
use aws_sdk_kms::Client;
use serde_json::{Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const fn regional(operation: &'static str) -> ListSpec {
    ListSpec { operation, service: Service::Kms, scope: Scope::Regional, needs: &[] }
}

const KEYS: ListSpec = regional("ListKeys");
const ALIASES: ListSpec = regional("ListAliases");

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Kms,
    event_source: "kms.amazonaws.com",
    events: EVENTS,
    lists: &[KEYS, ALIASES],
    types: TYPES,
};

const KEY: &str = "aws_kms_key";
const ALIAS: &str = "aws_kms_alias";

const TYPES: &[TypeSpec] = &[
    TypeSpec::new(
        KEY,
        &KEYS,
        &[
            "description",
            "key_usage",
            "customer_master_key_spec",
            "enable_key_rotation",
            "is_enabled",
            "policy",
            "tags",
        ],
    )
    .with_documents(&["policy"]),
    // Terraform's id of an alias is its name.
    TypeSpec::new(ALIAS, &ALIASES, &["name", "target_key_id"]),
];

/// Where CloudTrail names the key or alias a KMS event changed. Key ids have no prefix to tell
/// their type, so each path names it; `CreateKey` has the new key only in its response. A caller
/// may give a key by its ARN, which `keyId` then records as given: the reader should take the
/// id after `:key/` (as the `alias_target_key_arn` pass does for aliases).
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateKey", &["resp.keyMetadata.keyId=aws_kms_key"]),
    ("EnableKey", &["req.keyId=aws_kms_key"]),
    ("DisableKey", &["req.keyId=aws_kms_key"]),
    ("EnableKeyRotation", &["req.keyId=aws_kms_key"]),
    ("DisableKeyRotation", &["req.keyId=aws_kms_key"]),
    ("PutKeyPolicy", &["req.keyId=aws_kms_key"]),
    ("UpdateKeyDescription", &["req.keyId=aws_kms_key"]),
    ("ScheduleKeyDeletion", &["req.keyId=aws_kms_key"]),
    ("CancelKeyDeletion", &["req.keyId=aws_kms_key"]),
    ("TagResource", &["req.keyId=aws_kms_key"]),
    ("UntagResource", &["req.keyId=aws_kms_key"]),
    ("CreateAlias", &["req.aliasName=aws_kms_alias"]),
    ("UpdateAlias", &["req.aliasName=aws_kms_alias"]),
    ("DeleteAlias", &["req.aliasName=aws_kms_alias"]),
];

/// Lists one KMS family in the context's region.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf = aws_sdk_kms::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = Client::from_conf(conf);
    let empty = HashSet::new();
    match family.operation {
        "ListKeys" => list_keys(&client, wanted.get(KEY).unwrap_or(&empty)).await,
        "ListAliases" => list_aliases(&client).await,
        other => Err(ListError(format!("no KMS list {other}"))),
    }
}

/// Pages of 1,000, the most `ListKeys` returns.
const KEY_PAGE: i32 = 1000;
/// Pages of 100, the most `ListAliases` returns.
const ALIAS_PAGE: i32 = 100;

async fn list_keys(client: &Client, wanted: &HashSet<String>) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.list_keys().limit(KEY_PAGE).into_paginator().send();
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        ids.extend(page?.keys().iter().filter_map(|k| k.key_id()).map(str::to_owned));
    }
    let described = bounded(ids, |id| async move {
        let meta = client.describe_key().key_id(&id).send().await?;
        let Some(meta) = meta.key_metadata() else { return Ok(None) };
        if pending_deletion(meta) {
            return Ok(None);
        }
        let mut a = key_attributes(meta);
        let facts = key_facts(meta);
        if wanted.contains(&id) && !facts.aws_default {
            read_declared(client, &id, &mut a).await?;
        }
        Ok(Some(live(KEY, meta.key_id(), a, facts)))
    })
    .await;
    described.into_iter().filter_map(Result::transpose).collect()
}

/// A key pending deletion is already gone as far as Terraform is concerned.
fn pending_deletion(meta: &KeyMetadata) -> bool {
    matches!(meta.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion))
}

/// AWS-managed keys (`aws/s3`, `aws/ebs`, ...) are made by the services that use them, for
/// them: never unmanaged, and never Terraform's to compare.
fn key_facts(meta: &KeyMetadata) -> LiveFacts {
    LiveFacts { aws_default: meta.key_manager() == Some(&KeyManagerType::Aws), ..LiveFacts::default() }
}

fn key_attributes(meta: &KeyMetadata) -> Map<String, Value> {
    let mut a = Map::new();
    a.insert("arn".into(), text(meta.arn()));
    a.insert("description".into(), text(meta.description()));
    a.insert("key_usage".into(), text(meta.key_usage().map(|u| u.as_str())));
    // `customer_master_key_spec` is the provider's name for what KMS now calls the key spec.
    a.insert("customer_master_key_spec".into(), text(meta.key_spec().map(|s| s.as_str())));
    a.insert("is_enabled".into(), Value::from(meta.enabled()));
    a
}

async fn read_declared(client: &Client, id: &str, a: &mut Map<String, Value>) -> Result<(), ListError> {
    let rotation = client.get_key_rotation_status().key_id(id).send().await?;
    a.insert("enable_key_rotation".into(), Value::from(rotation.key_rotation_enabled()));
    // `default` is the only policy name KMS has.
    let policy = client.get_key_policy().key_id(id).policy_name("default").send().await?;
    a.insert("policy".into(), text(policy.policy()));
    let mut pages = client.list_resource_tags().key_id(id).into_paginator().send();
    let mut tags = Map::new();
    while let Some(page) = pages.next().await {
        tags.extend(page?.tags().iter().map(|t| (t.tag_key().to_owned(), Value::from(t.tag_value()))));
    }
    a.insert("tags".into(), Value::Object(tags));
    Ok(())
}

async fn list_aliases(client: &Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.list_aliases().limit(ALIAS_PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.aliases().iter().filter_map(map_alias));
    }
    Ok(out)
}

fn map_alias(entry: &AliasListEntry) -> Option<Resource> {
    let name = entry.alias_name()?;
    let mut a = Map::new();
    a.insert("arn".into(), text(entry.alias_arn()));
    a.insert("name".into(), Value::from(name));
    a.insert("target_key_id".into(), text(entry.target_key_id()));
    // `alias/aws/...` names AWS-managed keys, made and kept by the services that use them.
    let facts = LiveFacts { aws_default: name.starts_with("alias/aws/"), ..LiveFacts::default() };
    Some(live(ALIAS, name, a, facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_kms::types::{KeySpec, KeyUsageType};
    use serde_json::json;

    #[test]
    fn every_event_names_a_key_or_an_alias() {
        // Shapes of CloudTrail KMS records: the key in the request, a new key in the response.
        let request = json!({"requestParameters": {"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
            "aliasName": "alias/app", "targetKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}, "responseElements": null});
        let created = json!({"requestParameters": {"keyUsage": "ENCRYPT_DECRYPT"},
            "responseElements": {"keyMetadata": {"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "keyState": "Enabled"}}});
        for (event, paths) in EVENTS {
            for path in *paths {
                let record = if *event == "CreateKey" { &created } else { &request };
                let (id, spec) = crate::aws::event_path(path, record);
                let want = if path.ends_with(ALIAS) { "alias/app" } else { "1234abcd-12ab-34cd-56ef-1234567890ab" };
                assert_eq!(id, Some(want), "{event}");
                assert!(spec.is_some_and(|s| TYPES.iter().any(|t| t.name == s.name)), "{event}: {path}");
            }
        }
    }

    #[test]
    fn aws_aliases_are_never_unmanaged() {
        let aws = AliasListEntry::builder().alias_name("alias/aws/s3").target_key_id("k1").build();
        assert!(map_alias(&aws).unwrap().live.unwrap().aws_default);
        let own = AliasListEntry::builder().alias_name("alias/app").target_key_id("k2").build();
        let r = map_alias(&own).unwrap();
        assert!(!r.live.as_ref().unwrap().aws_default);
        assert_eq!((r.id.as_str(), r.attributes["target_key_id"].as_str()), ("alias/app", Some("k2")));
    }

    #[test]
    fn a_key_pending_deletion_is_gone_and_its_spec_is_the_providers() {
        let meta = |state| {
            KeyMetadata::builder()
                .key_id("k1")
                .key_state(state)
                .key_usage(KeyUsageType::EncryptDecrypt)
                .key_spec(KeySpec::SymmetricDefault)
                .enabled(true)
                .build()
                .unwrap()
        };
        assert!(pending_deletion(&meta(KeyState::PendingDeletion)));
        let mut managed = meta(KeyState::Enabled);
        assert!(!key_facts(&managed).aws_default);
        managed.key_manager = Some(KeyManagerType::Aws);
        assert!(key_facts(&managed).aws_default, "an AWS-managed key is never unmanaged");
        assert!(!pending_deletion(&meta(KeyState::Disabled)));
        let a = key_attributes(&meta(KeyState::Enabled));
        assert_eq!(a["customer_master_key_spec"], "SYMMETRIC_DEFAULT");
        assert_eq!(a["is_enabled"], true);
    }
}
