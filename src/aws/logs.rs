//! CloudWatch Logs: log groups, per region. `DescribeLogGroups` gives every group with its
//! retention and key in pages of 50 (the most it returns); tags have no list form, so
//! `ListTagsForResource` is sent only for the groups the states declare, a few in flight.
//! Terraform's id of a log group is its name. Metric filters come whole from
//! `DescribeMetricFilters` (50 a page), no read per filter; a filter's Terraform id is its name.

use std::collections::HashSet;

use aws_sdk_cloudwatchlogs::types::{LogGroup, MetricFilter};
use aws_sdk_cloudwatchlogs::Client;
use serde_json::{Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{text_of, ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const GROUPS: ListSpec =
    ListSpec { operation: "DescribeLogGroups", service: Service::Logs, scope: Scope::Regional, needs: &[] };
const FILTERS: ListSpec =
    ListSpec { operation: "DescribeMetricFilters", service: Service::Logs, scope: Scope::Regional, needs: &[] };

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Logs,
    event_source: "logs.amazonaws.com",
    events: EVENTS,
    lists: &[GROUPS, FILTERS],
    types: TYPES,
};

const GROUP: &str = "aws_cloudwatch_log_group";
const FILTER: &str = "aws_cloudwatch_log_metric_filter";

const TYPES: &[TypeSpec] = &[
    TypeSpec::new(GROUP, &GROUPS, &["name", "retention_in_days", "kms_key_id", "tags"]),
    // `terraform import` takes `GROUP:NAME`.
    TypeSpec::new(FILTER, &FILTERS, &["name", "log_group_name", "pattern", "metric_transformation"])
        .imported_by(filter_import_id),
];

fn filter_import_id(id: &str, a: &Map<String, Value>) -> String {
    format!("{}:{id}", text_of(a, "log_group_name"))
}

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
    ("PutMetricFilter", &[FILTER_BY_NAME]),
    ("DeleteMetricFilter", &[FILTER_BY_NAME]),
];

const FILTER_BY_NAME: &str = "req.filterName=aws_cloudwatch_log_metric_filter";

const BY_NAME: &str = "req.logGroupName=aws_cloudwatch_log_group";

/// The most groups one `DescribeLogGroups` page holds.
const PAGE: i32 = 50;

/// Lists one Logs family in the context's region.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf = aws_sdk_cloudwatchlogs::config::Builder::from(ctx.sdk)
        .region(ctx.region())
        .interceptor(ctx.calls.clone())
        .build();
    let client = Client::from_conf(conf);
    match family.operation {
        "DescribeLogGroups" => list_groups(&client, wanted).await,
        "DescribeMetricFilters" => list_filters(&client).await,
        other => Err(ListError(format!("no CloudWatch Logs list {other}"))),
    }
}

async fn list_filters(client: &Client) -> Result<Vec<Resource>, ListError> {
    let mut out = Vec::new();
    let mut pages = client.describe_metric_filters().limit(PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        out.extend(page?.metric_filters().iter().filter_map(map_filter));
    }
    Ok(out)
}

/// A metric filter in the provider's spelling: one `metric_transformation` block, its default
/// value as the text the provider keeps (`""` when unset) and its unit `None` when unset.
fn map_filter(f: &MetricFilter) -> Option<Resource> {
    let name = f.filter_name()?;
    let mut a = Map::new();
    a.insert("name".into(), Value::from(name));
    a.insert("log_group_name".into(), text(f.log_group_name()));
    a.insert("pattern".into(), Value::from(f.filter_pattern().unwrap_or_default()));
    let blocks: Vec<Value> = f
        .metric_transformations()
        .iter()
        .map(|t| {
            let dimensions: Map<String, Value> =
                t.dimensions().into_iter().flatten().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
            serde_json::json!({
                "name": t.metric_name(),
                "namespace": t.metric_namespace(),
                "value": t.metric_value(),
                "default_value": t.default_value().map(|d| d.to_string()).unwrap_or_default(),
                "unit": t.unit().map_or("None", |u| u.as_str()),
                "dimensions": dimensions,
            })
        })
        .collect();
    a.insert("metric_transformation".into(), Value::from(blocks));
    Some(live(FILTER, name, a, LiveFacts::default()))
}

/// Every log group in the context's region, the declared ones with their tags.
async fn list_groups(client: &Client, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let mut groups = Vec::new();
    let mut pages = client.describe_log_groups().limit(PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        groups.extend(page?.log_groups().iter().filter_map(map_group));
    }
    let empty = HashSet::new();
    let declared = wanted.get(GROUP).unwrap_or(&empty);
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
    fn a_metric_filter_reads_as_the_provider_keeps_it() {
        use aws_sdk_cloudwatchlogs::types::{MetricTransformation, StandardUnit};
        let t = |default: Option<f64>, unit: Option<StandardUnit>| {
            MetricTransformation::builder()
                .metric_name("Errors")
                .metric_namespace("App")
                .metric_value("1")
                .set_default_value(default)
                .set_unit(unit)
                .build()
                .unwrap()
        };
        let f = |t| MetricFilter::builder().filter_name("errors").log_group_name("/app/web").metric_transformations(t);
        let r = map_filter(&f(t(None, None)).build()).unwrap();
        assert_eq!(r.id, "errors");
        assert_eq!(r.attributes["pattern"], "", "an empty pattern matches every event");
        let block = &r.attributes["metric_transformation"][0];
        assert_eq!((block["default_value"].as_str(), block["unit"].as_str()), (Some(""), Some("None")));
        let set = map_filter(&f(t(Some(0.0), Some(StandardUnit::Count))).filter_pattern("ERROR").build()).unwrap();
        let block = &set.attributes["metric_transformation"][0];
        assert_eq!((block["default_value"].as_str(), block["unit"].as_str()), (Some("0"), Some("Count")));
        assert_eq!(crate::catalog::import_id(FILTER, &set.id, &set.attributes), "/app/web:errors");
    }

    #[test]
    fn every_event_names_its_group_or_filter() {
        let record = serde_json::json!({"requestParameters": {"logGroupName": "/app/web", "filterName": "/app/web",
            "resourceArn": "arn:aws:logs:us-east-1:123456789012:log-group:/app/web"}, "responseElements": null});
        for (event, paths) in EVENTS {
            for path in *paths {
                let (id, spec) = crate::aws::event_path(path, &record);
                assert!(id.is_some_and(|id| id.ends_with("/app/web")), "{event}");
                let want = if event.contains("MetricFilter") { FILTER } else { GROUP };
                assert_eq!(spec.map(|s| s.name), Some(want), "{event}");
            }
        }
    }
}
