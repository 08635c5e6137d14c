//! ECR: repositories and their lifecycle policies, per region. `DescribeRepositories` gives every
//! repository with its tag mutability, scanning and encryption in pages of 1,000 (the most it
//! returns); tags and the lifecycle policy have no list form, so `ListTagsForResource` and
//! `GetLifecyclePolicy` are sent only for what the states declare, a few in flight. Terraform's
//! id of a repository, and of its lifecycle policy, is the repository's name.

use std::collections::HashSet;

use aws_sdk_ecr::error::ProvideErrorMetadata;
use aws_sdk_ecr::types::Repository;
use aws_sdk_ecr::Client;
use serde_json::{json, Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const REPOSITORIES: ListSpec =
    ListSpec { operation: "DescribeRepositories", service: Service::Ecr, scope: Scope::Regional, needs: &[] };

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Ecr,
    event_source: "ecr.amazonaws.com",
    events: EVENTS,
    lists: &[REPOSITORIES],
    types: TYPES,
};

const REPOSITORY: &str = "aws_ecr_repository";
const LIFECYCLE: &str = "aws_ecr_lifecycle_policy";

const TYPES: &[TypeSpec] = &[
    TypeSpec::new(
        REPOSITORY,
        &REPOSITORIES,
        &["name", "image_tag_mutability", "image_scanning_configuration", "encryption_configuration", "tags"],
    ),
    // A lifecycle policy is JSON text (rules, not statements): compared as a document all the same.
    TypeSpec::new(LIFECYCLE, &REPOSITORIES, &["repository", "policy"]).with_documents(&["policy"]),
];

/// Where CloudTrail names the repository an ECR write changed: `repositoryName` in the request,
/// or the repository's ARN for the tag calls (read back to its name by the `:repository/` rule).
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateRepository", &[BY_NAME]),
    ("DeleteRepository", &[BY_NAME]),
    ("PutImageTagMutability", &[BY_NAME]),
    ("PutImageScanningConfiguration", &[BY_NAME]),
    ("TagResource", &["req.resourceArn=aws_ecr_repository"]),
    ("UntagResource", &["req.resourceArn=aws_ecr_repository"]),
    ("PutLifecyclePolicy", &["req.repositoryName=aws_ecr_lifecycle_policy"]),
    ("DeleteLifecyclePolicy", &["req.repositoryName=aws_ecr_lifecycle_policy"]),
];

const BY_NAME: &str = "req.repositoryName=aws_ecr_repository";

/// The most repositories one `DescribeRepositories` page holds.
const PAGE: i32 = 1000;

/// Every repository in the context's region, the declared ones with their tags and lifecycle policy.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    if family.operation != REPOSITORIES.operation {
        return Err(ListError(format!("no ECR list {}", family.operation)));
    }
    let conf = aws_sdk_ecr::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = Client::from_conf(conf);
    let mut repositories = Vec::new();
    let mut pages = client.describe_repositories().max_results(PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        repositories.extend(page?.repositories().iter().filter_map(map_repository));
    }
    let empty = HashSet::new();
    let (declared, policies) = (wanted.get(REPOSITORY).unwrap_or(&empty), wanted.get(LIFECYCLE).unwrap_or(&empty));
    let client = &client;
    let read = bounded(repositories, |mut repo| async move {
        let mut out = Vec::new();
        if declared.contains(&repo.id) {
            let arn = repo.attributes.get("arn").and_then(Value::as_str).unwrap_or_default().to_owned();
            let tags = client
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(ListError::reading("ListTagsForResource"))?;
            let tags: Map<String, Value> =
                tags.tags().iter().map(|t| (t.key().to_owned(), Value::from(t.value()))).collect();
            repo.attributes.insert("tags".into(), Value::Object(tags));
        }
        if policies.contains(&repo.id) {
            match client.get_lifecycle_policy().repository_name(&repo.id).send().await {
                Ok(p) => out.extend(p.lifecycle_policy_text().map(|text| map_lifecycle(&repo.id, text))),
                // No policy: a declared one was deleted.
                Err(e) if e.code() == Some("LifecyclePolicyNotFoundException") => {}
                Err(e) => return Err(ListError::reading("GetLifecyclePolicy")(e)),
            }
        }
        out.push(repo);
        Ok(out)
    })
    .await;
    let mut out = Vec::new();
    for r in read {
        out.extend(r?);
    }
    Ok(out)
}

/// A repository as Terraform names it: its settings are blocks of one.
fn map_repository(r: &Repository) -> Option<Resource> {
    let name = r.repository_name()?;
    let mut a = Map::new();
    a.insert("name".into(), Value::from(name));
    a.insert("arn".into(), text(r.repository_arn()));
    a.insert("image_tag_mutability".into(), text(r.image_tag_mutability().map(|m| m.as_str())));
    if let Some(scan) = r.image_scanning_configuration() {
        a.insert("image_scanning_configuration".into(), json!([{"scan_on_push": scan.scan_on_push()}]));
    }
    if let Some(enc) = r.encryption_configuration() {
        // Terraform keeps `""` for the key of AES256 encryption, inside the block.
        a.insert(
            "encryption_configuration".into(),
            json!([{"encryption_type": enc.encryption_type().as_str(), "kms_key": enc.kms_key().unwrap_or_default()}]),
        );
    }
    Some(live(REPOSITORY, name, a, LiveFacts::default()))
}

/// A lifecycle policy is part of its repository, never unmanaged on its own.
fn map_lifecycle(repository: &str, policy: &str) -> Resource {
    let mut a = Map::new();
    a.insert("repository".into(), Value::from(repository));
    a.insert("policy".into(), Value::from(policy));
    live(LIFECYCLE, repository, a, LiveFacts { owner: Some(repository.to_owned()), ..LiveFacts::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecr::types::{EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability};

    #[test]
    fn a_repository_s_settings_are_blocks_of_one_as_terraform_keeps_them() {
        let r = Repository::builder()
            .repository_name("app")
            .repository_arn("arn:aws:ecr:us-east-1:123456789012:repository/app")
            .image_tag_mutability(ImageTagMutability::Immutable)
            .image_scanning_configuration(ImageScanningConfiguration::builder().scan_on_push(true).build())
            .encryption_configuration(
                EncryptionConfiguration::builder().encryption_type(EncryptionType::Aes256).build().unwrap(),
            )
            .build();
        let a = map_repository(&r).unwrap().attributes;
        assert_eq!(a["image_tag_mutability"], "IMMUTABLE");
        assert_eq!(a["image_scanning_configuration"], json!([{"scan_on_push": true}]));
        assert_eq!(a["encryption_configuration"], json!([{"encryption_type": "AES256", "kms_key": ""}]));
        let p = map_lifecycle("app", r#"{"rules":[]}"#);
        assert_eq!(p.live.unwrap().owner.as_deref(), Some("app"), "a policy is part of its repository");
    }

    #[test]
    fn every_event_names_its_repository() {
        let record = json!({"requestParameters": {"repositoryName": "app",
            "resourceArn": "arn:aws:ecr:us-east-1:123456789012:repository/app"}, "responseElements": null});
        for (event, paths) in EVENTS {
            for path in *paths {
                let (id, spec) = crate::aws::event_path(path, &record);
                assert!(id.is_some_and(|id| id.ends_with("app")), "{event}");
                assert!(spec.is_some_and(|s| TYPES.iter().any(|t| t.name == s.name)), "{event}: {path}");
            }
        }
    }
}
