//! DynamoDB: tables, per region. `ListTables` names every table in pages of 100 (the most it
//! returns); a table's settings, its point-in-time recovery and its tags have no list form, so
//! `DescribeTable`, `DescribeContinuousBackups` and `ListTagsOfResource` are sent only for the
//! tables the states declare, a few in flight. Terraform's id of a table is its name.

use std::collections::HashSet;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    BillingMode, KeyType, PointInTimeRecoveryStatus, SseStatus, StreamSpecification, TableDescription,
};
use aws_sdk_dynamodb::Client;
use serde_json::{json, Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const TABLES: ListSpec =
    ListSpec { operation: "ListTables", service: Service::Dynamodb, scope: Scope::Regional, needs: &[] };

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Dynamodb,
    event_source: "dynamodb.amazonaws.com",
    events: EVENTS,
    lists: &[TABLES],
    types: TYPES,
};

const TABLE: &str = "aws_dynamodb_table";

const TYPES: &[TypeSpec] = &[TypeSpec::new(
    TABLE,
    &TABLES,
    &[
        "name",
        "billing_mode",
        "hash_key",
        "range_key",
        "attribute",
        "read_capacity",
        "write_capacity",
        "stream_enabled",
        "stream_view_type",
        "point_in_time_recovery",
        "server_side_encryption",
        "deletion_protection_enabled",
        "tags",
    ],
)];

/// Where CloudTrail names the table a DynamoDB write changed: every request carries
/// `tableName`, except the tag calls, which carry the table's ARN (read back to its name by
/// the reader's `:table/` rule, like a KMS key's).
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateTable", &[BY_NAME]),
    ("DeleteTable", &[BY_NAME]),
    ("UpdateTable", &[BY_NAME]),
    ("UpdateContinuousBackups", &[BY_NAME]),
    ("UpdateTimeToLive", &[BY_NAME]),
    ("TagResource", &["req.resourceArn=aws_dynamodb_table"]),
    ("UntagResource", &["req.resourceArn=aws_dynamodb_table"]),
];

const BY_NAME: &str = "req.tableName=aws_dynamodb_table";

/// The most table names one `ListTables` page holds.
const PAGE: i32 = 100;

/// Every table in the context's region, the declared ones described.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    if family.operation != TABLES.operation {
        return Err(ListError(format!("no DynamoDB list {}", family.operation)));
    }
    let conf =
        aws_sdk_dynamodb::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = Client::from_conf(conf);
    let mut names = Vec::new();
    let mut pages = client.list_tables().limit(PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        names.extend(page?.table_names().iter().cloned());
    }
    let empty = HashSet::new();
    let declared = wanted.get(TABLE).unwrap_or(&empty);
    let client = &client;
    let read = bounded(names, |name| async move {
        if !declared.contains(&name) {
            let mut a = Map::new();
            a.insert("name".into(), Value::from(name.as_str()));
            return Ok(Some(live(TABLE, &name, a, LiveFacts::default())));
        }
        describe(client, &name).await
    })
    .await;
    read.into_iter().filter_map(Result::transpose).collect()
}

/// A declared table with its settings, recovery and tags; `None` when it went meanwhile.
async fn describe(client: &Client, name: &str) -> Result<Option<Resource>, ListError> {
    let table = match client.describe_table().table_name(name).send().await {
        Ok(out) => out.table,
        Err(e) if e.code() == Some("ResourceNotFoundException") => return Ok(None),
        Err(e) => return Err(ListError::reading("DescribeTable")(e)),
    };
    let Some(table) = table else { return Ok(None) };
    let mut a = table_attributes(&table);
    let backups = client
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
        .map_err(ListError::reading("DescribeContinuousBackups"))?;
    let pitr = backups
        .continuous_backups_description()
        .and_then(|d| d.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status());
    a.insert("point_in_time_recovery".into(), json!([{"enabled": pitr == Some(&PointInTimeRecoveryStatus::Enabled)}]));
    if let Some(arn) = table.table_arn() {
        let mut tags = Map::new();
        let mut token: Option<String> = None;
        // `ListTagsOfResource` has no paginator in the SDK: its token is followed by hand.
        loop {
            let page = client
                .list_tags_of_resource()
                .resource_arn(arn)
                .set_next_token(token)
                .send()
                .await
                .map_err(ListError::reading("ListTagsOfResource"))?;
            tags.extend(page.tags().iter().map(|t| (t.key().to_owned(), Value::from(t.value()))));
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        a.insert("tags".into(), Value::Object(tags));
    }
    Ok(Some(live(TABLE, name, a, LiveFacts::default())))
}

/// A table's settings as Terraform names them.
fn table_attributes(t: &TableDescription) -> Map<String, Value> {
    let mut a = Map::new();
    a.insert("name".into(), text(t.table_name()));
    a.insert("arn".into(), text(t.table_arn()));
    // Tables made before on-demand existed have no billing summary: they are provisioned.
    let billing = t.billing_mode_summary().and_then(|b| b.billing_mode()).cloned().unwrap_or(BillingMode::Provisioned);
    a.insert("billing_mode".into(), Value::from(billing.as_str()));
    let key = |kind: KeyType| text(t.key_schema().iter().find(|k| *k.key_type() == kind).map(|k| k.attribute_name()));
    a.insert("hash_key".into(), key(KeyType::Hash));
    a.insert("range_key".into(), key(KeyType::Range));
    let attributes: Vec<Value> = t
        .attribute_definitions()
        .iter()
        .map(|d| json!({"name": d.attribute_name(), "type": d.attribute_type().as_str()}))
        .collect();
    a.insert("attribute".into(), Value::Array(attributes));
    // An on-demand table's capacity is not the configuration's: Terraform keeps 0, AWS reports
    // what it last had (or 0); compared only for provisioned tables.
    if billing == BillingMode::Provisioned {
        if let Some(p) = t.provisioned_throughput() {
            a.insert("read_capacity".into(), Value::from(p.read_capacity_units().unwrap_or_default()));
            a.insert("write_capacity".into(), Value::from(p.write_capacity_units().unwrap_or_default()));
        }
    }
    let stream = t.stream_specification().filter(|s| s.stream_enabled());
    a.insert("stream_enabled".into(), Value::from(stream.is_some()));
    a.insert(
        "stream_view_type".into(),
        text(stream.and_then(StreamSpecification::stream_view_type).map(|v| v.as_str())),
    );
    // No description is encryption with an AWS-owned key, the default: Terraform keeps no block.
    let sse = t.sse_description().filter(|s| matches!(s.status(), Some(SseStatus::Enabled | SseStatus::Updating)));
    let sse: Vec<Value> = sse
        .map(|s| json!({"enabled": true, "kms_key_arn": s.kms_master_key_arn().unwrap_or_default()}))
        .into_iter()
        .collect();
    a.insert("server_side_encryption".into(), Value::Array(sse));
    if let Some(on) = t.deletion_protection_enabled() {
        a.insert("deletion_protection_enabled".into(), Value::from(on));
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingModeSummary, KeySchemaElement, ProvisionedThroughputDescription,
        ScalarAttributeType, SseDescription, SseType, StreamViewType,
    };

    fn table(billing: BillingMode) -> TableDescription {
        TableDescription::builder()
            .table_name("orders")
            .table_arn("arn:aws:dynamodb:us-east-1:123456789012:table/orders")
            .billing_mode_summary(BillingModeSummary::builder().billing_mode(billing).build())
            .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
            .key_schema(KeySchemaElement::builder().attribute_name("sk").key_type(KeyType::Range).build().unwrap())
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("sk")
                    .attribute_type(ScalarAttributeType::N)
                    .build()
                    .unwrap(),
            )
            .provisioned_throughput(
                ProvisionedThroughputDescription::builder().read_capacity_units(5).write_capacity_units(2).build(),
            )
            .deletion_protection_enabled(true)
            .build()
    }

    #[test]
    fn capacity_is_compared_only_for_provisioned_tables() {
        let a = table_attributes(&table(BillingMode::Provisioned));
        assert_eq!((a["read_capacity"].as_i64(), a["write_capacity"].as_i64()), (Some(5), Some(2)));
        let a = table_attributes(&table(BillingMode::PayPerRequest));
        assert_eq!(a["billing_mode"], "PAY_PER_REQUEST");
        assert!(!a.contains_key("read_capacity") && !a.contains_key("write_capacity"));
        assert_eq!((a["hash_key"].as_str(), a["range_key"].as_str()), (Some("pk"), Some("sk")));
        assert_eq!(a["attribute"], json!([{"name": "pk", "type": "S"}, {"name": "sk", "type": "N"}]));
        assert_eq!(a["deletion_protection_enabled"], true);
    }

    #[test]
    fn streams_and_encryption_are_spelt_as_terraform_keeps_them() {
        let a = table_attributes(&table(BillingMode::Provisioned));
        assert_eq!((a["stream_enabled"].as_bool(), &a["stream_view_type"]), (Some(false), &Value::Null));
        assert_eq!(a["server_side_encryption"], json!([]), "an AWS-owned key is no block");
        let mut t = table(BillingMode::Provisioned);
        t.stream_specification = Some(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewImage)
                .build()
                .unwrap(),
        );
        t.sse_description = Some(
            SseDescription::builder()
                .status(SseStatus::Enabled)
                .sse_type(SseType::Kms)
                .kms_master_key_arn("arn:aws:kms:us-east-1:123456789012:key/k")
                .build(),
        );
        let a = table_attributes(&t);
        assert_eq!((a["stream_enabled"].as_bool(), a["stream_view_type"].as_str()), (Some(true), Some("NEW_IMAGE")));
        assert_eq!(
            a["server_side_encryption"],
            json!([{"enabled": true, "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/k"}])
        );
    }

    #[test]
    fn every_event_names_its_table() {
        let record = serde_json::json!({"requestParameters": {"tableName": "orders",
            "resourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"}, "responseElements": null});
        for (event, paths) in EVENTS {
            for path in *paths {
                let (id, spec) = crate::aws::event_path(path, &record);
                assert!(id.is_some_and(|id| id.ends_with("orders")), "{event}");
                assert_eq!(spec.map(|s| s.name), Some(TABLE), "{event}");
            }
        }
    }
}
