//! Secrets Manager: secrets' metadata, per region. `ListSecrets` gives every secret with its
//! description, key and tags in pages of 100 (the most it returns), so only the resource
//! policy is read one by one (`GetResourcePolicy`), for declared secrets only, a few in flight.
//! A secret's value is never read: driftscan makes no `GetSecretValue` call and needs no
//! permission to. Terraform's id of a secret is its ARN.

use std::collections::HashSet;

use aws_sdk_secretsmanager::types::SecretListEntry;
use aws_sdk_secretsmanager::Client;
use serde_json::{Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const SECRETS: ListSpec =
    ListSpec { operation: "ListSecrets", service: Service::SecretsManager, scope: Scope::Regional, needs: &[] };

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::SecretsManager,
    event_source: "secretsmanager.amazonaws.com",
    events: EVENTS,
    lists: &[SECRETS],
    types: TYPES,
};

const SECRET: &str = "aws_secretsmanager_secret";

const TYPES: &[TypeSpec] = &[TypeSpec::new(SECRET, &SECRETS, &["name", "description", "kms_key_id", "policy", "tags"])
    .with_documents(&["policy"])];

/// Where CloudTrail names the secret a Secrets Manager write changed: `secretId` in the
/// request, which is the ARN when the caller gave one (Terraform and the console do; a call
/// by name is not attributed), a new secret's ARN in the response. Value writes
/// (`PutSecretValue`, rotation) change no compared attribute and are left out.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateSecret", &["resp.arn=aws_secretsmanager_secret"]),
    ("DeleteSecret", &[BY_ID]),
    ("RestoreSecret", &[BY_ID]),
    ("UpdateSecret", &[BY_ID]),
    ("TagResource", &[BY_ID]),
    ("UntagResource", &[BY_ID]),
    ("PutResourcePolicy", &[BY_ID]),
    ("DeleteResourcePolicy", &[BY_ID]),
];

const BY_ID: &str = "req.secretId=aws_secretsmanager_secret";

/// The most secrets one `ListSecrets` page holds.
const PAGE: i32 = 100;

/// Every secret in the context's region (not those scheduled for deletion: Terraform has let
/// them go), the declared ones with their resource policy.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    if family.operation != SECRETS.operation {
        return Err(ListError(format!("no Secrets Manager list {}", family.operation)));
    }
    let conf = aws_sdk_secretsmanager::config::Builder::from(ctx.sdk)
        .region(ctx.region())
        .interceptor(ctx.calls.clone())
        .build();
    let client = Client::from_conf(conf);
    let mut secrets = Vec::new();
    let mut pages = client.list_secrets().max_results(PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        secrets.extend(page?.secret_list().iter().filter_map(map_secret));
    }
    let empty = HashSet::new();
    let declared = wanted.get(SECRET).unwrap_or(&empty);
    let client = &client;
    let read = bounded(secrets, |mut secret| async move {
        if declared.contains(&secret.id) {
            let policy = client
                .get_resource_policy()
                .secret_id(&secret.id)
                .send()
                .await
                .map_err(ListError::reading("GetResourcePolicy"))?;
            secret.attributes.insert("policy".into(), text(policy.resource_policy()));
        }
        Ok(secret)
    })
    .await;
    read.into_iter().collect()
}

/// A secret's metadata; nothing of its value is in the listing.
fn map_secret(s: &SecretListEntry) -> Option<Resource> {
    let arn = s.arn()?;
    if s.deleted_date().is_some() {
        return None;
    }
    let mut a = Map::new();
    a.insert("arn".into(), Value::from(arn));
    a.insert("name".into(), text(s.name()));
    a.insert("description".into(), text(s.description()));
    a.insert("kms_key_id".into(), text(s.kms_key_id()));
    let tags: Map<String, Value> = s
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_owned(), Value::from(t.value().unwrap_or_default()))))
        .collect();
    a.insert("tags".into(), Value::Object(tags));
    // A secret a service made for itself (RDS's master password, `rds!...`) is the service's.
    let facts = LiveFacts { owner: s.owning_service().map(str::to_owned), ..LiveFacts::default() };
    Some(live(SECRET, arn, a, facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_secretsmanager::types::Tag;

    const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";

    #[test]
    fn a_secret_is_its_metadata_and_one_a_service_owns_is_never_unmanaged() {
        let s = SecretListEntry::builder()
            .arn(ARN)
            .name("db")
            .description("database password")
            .tags(Tag::builder().key("team").value("data").build())
            .build();
        let r = map_secret(&s).unwrap();
        assert_eq!(r.id, ARN);
        assert_eq!(r.attributes["tags"], serde_json::json!({"team": "data"}));
        assert_eq!(r.attributes["kms_key_id"], Value::Null, "the default key is no key");
        assert!(r.live.as_ref().unwrap().owner.is_none());
        let rds = SecretListEntry::builder().arn(ARN).name("rds!db-1").owning_service("rds").build();
        assert_eq!(map_secret(&rds).unwrap().live.unwrap().owner.as_deref(), Some("rds"));
        let gone = SecretListEntry::builder().arn(ARN).deleted_date(aws_smithy_types::DateTime::from_secs(0)).build();
        assert!(map_secret(&gone).is_none(), "scheduled for deletion is deleted");
    }

    #[test]
    fn every_event_names_its_secret() {
        let record = serde_json::json!({"requestParameters": {"secretId": ARN, "name": "db"},
            "responseElements": {"arn": ARN, "name": "db"}});
        for (event, paths) in EVENTS {
            for path in *paths {
                let (id, spec) = crate::aws::event_path(path, &record);
                assert_eq!(id, Some(ARN), "{event}");
                assert_eq!(spec.map(|s| s.name), Some(SECRET), "{event}");
            }
        }
        assert!(!EVENTS.iter().any(|(e, _)| e.contains("Value")), "values are none of driftscan's business");
    }
}
