//! CloudWatch Logs: log groups, per region. `DescribeLogGroups` gives every group with its
//! retention and key in pages of 50 (the most it returns); tags have no list form, so
//! `ListTagsForResource` is sent only for the groups the states declare, a few in flight.
//! Terraform's id of a log group is its name.

use std::collections::HashSet;

use aws_sdk_cloudwatchlogs::types::LogGroup;
use aws_sdk_cloudwatchlogs::Client;
use serde_json::{Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const GROUPS: ListSpec =
    ListSpec { operation: "DescribeLogGroups", service: Service::Logs, scope: Scope::Regional, needs: &[] };

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Logs,
    event_source: "logs.amazonaws.com",
    events: EVENTS,
    lists: &[GROUPS],
    types: TYPES,
};

const GROUP: &str = "aws_cloudwatch_log_group";

const TYPES: &[TypeSpec] = &[TypeSpec::new(GROUP, &GROUPS, &["name", "retention_in_days", "kms_key_id", "tags"])];

/// Where CloudTrail names the log group a Logs write changed: `logGroupName` in the request,
/// or the group's ARN for the newer tag calls (`resourceArn`, read back to its name below).
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateLogGroup", &[BY_NAME]),
    ("DeleteLogGroup", &[BY_NAME]),
    ("PutRetentionPolicy", &[BY_NAME]),
    ("DeleteRetentionPolicy", &[BY_NAME]),
    ("AssociateKmsKey", &[BY_NAME]),
    ("DisassociateKmsKey", &[BY_NAME]),
    ("TagLogGroup", &[BY_NAME]),
    ("UntagLogGroup", &[BY_NAME]),
    ("TagResource", &["req.resourceArn=aws_cloudwatch_log_group"]),
    ("UntagResource", &["req.resourceArn=aws_cloudwatch_log_group"]),
];

const BY_NAME: &str = "req.logGroupName=aws_cloudwatch_log_group";

/// The most groups one `DescribeLogGroups` page holds.
const PAGE: i32 = 50;

/// Every log group in the context's region, the declared ones with their tags.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    if family.operation != GROUPS.operation {
        return Err(ListError(format!("no CloudWatch Logs list {}", family.operation)));
    }
    let conf = aws_sdk_cloudwatchlogs::config::Builder::from(ctx.sdk)
        .region(ctx.region())
        .interceptor(ctx.calls.clone())
        .build();
    let client = Client::from_conf(conf);
    let mut groups = Vec::new();
    let mut pages = client.describe_log_groups().limit(PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        groups.extend(page?.log_groups().iter().filter_map(map_group));
    }
    let empty = HashSet::new();
    let declared = wanted.get(GROUP).unwrap_or(&empty);
    let client = &client;
    let read = bounded(groups, |(mut group, arn)| async move {
        if declared.contains(&group.id) {
            let out = client
                .list_tags_for_resource()
                .resource_arn(&arn)
                .send()
                .await
                .map_err(ListError::reading("ListTagsForResource"))?;
            let tags: Map<String, Value> =
                out.tags().into_iter().flatten().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
            group.attributes.insert("tags".into(), Value::Object(tags));
        }
        Ok(group)
    })
    .await;
    read.into_iter().collect()
}

/// A log group, and the ARN its tags are read by: `arn` ends in `:*` (it names the streams
/// too), which the tag calls refuse.
fn map_group(g: &LogGroup) -> Option<(Resource, String)> {
    let name = g.log_group_name()?;
    let arn = g.log_group_arn().or(g.arn().map(|a| a.trim_end_matches(":*")))?.to_owned();
    let mut a = Map::new();
    a.insert("name".into(), Value::from(name));
    a.insert("arn".into(), Value::from(arn.as_str()));
    // Never expire is no retention policy, which Terraform keeps as 0.
    a.insert("retention_in_days".into(), Value::from(g.retention_in_days().unwrap_or(0)));
    a.insert("kms_key_id".into(), text(g.kms_key_id()));
    Some((live(GROUP, name, a, LiveFacts::default()), arn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_without_retention_never_expires_and_its_tags_are_read_by_its_bare_arn() {
        // `DescribeLogGroups` as older endpoints answer it: only `arn`, with the streams' `:*`.
        let g = LogGroup::builder()
            .log_group_name("/app/web")
            .arn("arn:aws:logs:us-east-1:123456789012:log-group:/app/web:*")
            .build();
        let (r, arn) = map_group(&g).unwrap();
        assert_eq!(arn, "arn:aws:logs:us-east-1:123456789012:log-group:/app/web");
        assert_eq!((r.id.as_str(), &r.attributes["retention_in_days"]), ("/app/web", &Value::from(0)));
        assert_eq!(r.attributes["kms_key_id"], Value::Null);
        let kept = LogGroup::builder()
            .log_group_name("/app/api")
            .log_group_arn("arn:aws:logs:us-east-1:123456789012:log-group:/app/api")
            .retention_in_days(14)
            .kms_key_id("arn:aws:kms:us-east-1:123456789012:key/k")
            .build();
        let (r, _) = map_group(&kept).unwrap();
        assert_eq!(r.attributes["retention_in_days"], 14);
    }

    #[test]
    fn every_event_names_its_group() {
        let record = serde_json::json!({"requestParameters": {"logGroupName": "/app/web",
            "resourceArn": "arn:aws:logs:us-east-1:123456789012:log-group:/app/web"}, "responseElements": null});
        for (event, paths) in EVENTS {
            for path in *paths {
                let (id, spec) = crate::aws::event_path(path, &record);
                assert!(id.is_some_and(|id| id.ends_with("/app/web")), "{event}");
                assert_eq!(spec.map(|s| s.name), Some(GROUP), "{event}");
            }
        }
    }
}
