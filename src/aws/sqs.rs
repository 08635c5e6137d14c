//! SQS: queues and their policies, per region. `ListQueues` finds every queue by URL in pages of
//! 1,000 (the most it returns), so the unmanaged ones cost nothing more; a queue's attributes and
//! tags have no list form, so `GetQueueAttributes` and `ListQueueTags` are sent only for the
//! queues the states declare, a few in flight: SQS calls grow with the declared queues.
//! Terraform's id of a queue, and of its policy, is the queue URL.

use std::collections::{HashMap, HashSet};

use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::QueueAttributeName;
use aws_sdk_sqs::Client;
use serde_json::{Map, Value};

use super::{bounded, live, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const QUEUES: ListSpec =
    ListSpec { operation: "ListQueues", service: Service::Sqs, scope: Scope::Regional, needs: &[] };

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Sqs,
    event_source: "sqs.amazonaws.com",
    events: EVENTS,
    lists: &[QUEUES],
    types: TYPES,
};

const QUEUE: &str = "aws_sqs_queue";
const POLICY: &str = "aws_sqs_queue_policy";

/// The queue attributes compared, with the SQS attribute each is read from and how it is spelt.
const ATTRIBUTES: &[(&str, &str, Kind)] = &[
    ("visibility_timeout_seconds", "VisibilityTimeout", Kind::Number),
    ("message_retention_seconds", "MessageRetentionPeriod", Kind::Number),
    ("max_message_size", "MaximumMessageSize", Kind::Number),
    ("delay_seconds", "DelaySeconds", Kind::Number),
    ("receive_wait_time_seconds", "ReceiveMessageWaitTimeSeconds", Kind::Number),
    ("fifo_queue", "FifoQueue", Kind::Bool),
    ("kms_master_key_id", "KmsMasterKeyId", Kind::Text),
    ("sqs_managed_sse_enabled", "SqsManagedSseEnabled", Kind::Bool),
    ("redrive_policy", "RedrivePolicy", Kind::Text),
];

/// SQS returns every attribute as a string; Terraform keeps numbers and booleans.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Number,
    Bool,
    Text,
}

const TYPES: &[TypeSpec] = &[
    // The queue's own `policy` attribute is not compared: provider 5.x writes it back whatever
    // declared the policy, and `aws_sqs_queue_policy` compares it once.
    TypeSpec::new(
        QUEUE,
        &QUEUES,
        &[
            "name",
            "visibility_timeout_seconds",
            "message_retention_seconds",
            "max_message_size",
            "delay_seconds",
            "receive_wait_time_seconds",
            "fifo_queue",
            "kms_master_key_id",
            "sqs_managed_sse_enabled",
            "redrive_policy",
            "tags",
        ],
    )
    // A redrive policy is JSON text: compared as a document, so key order and spacing are not drift.
    .with_documents(&["redrive_policy"]),
    TypeSpec::new(POLICY, &QUEUES, &["queue_url", "policy"]).with_documents(&["policy"]),
];

/// Where CloudTrail names the queue an SQS write changed: every request carries `queueUrl`,
/// except `CreateQueue`, whose response holds it.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateQueue", &["resp.queueUrl=aws_sqs_queue"]),
    ("DeleteQueue", &["req.queueUrl=aws_sqs_queue"]),
    ("SetQueueAttributes", &["req.queueUrl=aws_sqs_queue", "req.queueUrl=aws_sqs_queue_policy"]),
    ("TagQueue", &["req.queueUrl=aws_sqs_queue"]),
    ("UntagQueue", &["req.queueUrl=aws_sqs_queue"]),
    ("AddPermission", &["req.queueUrl=aws_sqs_queue_policy"]),
    ("RemovePermission", &["req.queueUrl=aws_sqs_queue_policy"]),
];

/// The most queue URLs one `ListQueues` page holds.
const PAGE: i32 = 1000;

/// Every queue in the context's region, the declared ones with their attributes and policy.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    if family.operation != QUEUES.operation {
        return Err(ListError(format!("no SQS list {}", family.operation)));
    }
    let conf = aws_sdk_sqs::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = Client::from_conf(conf);
    let mut urls = Vec::new();
    let mut pages = client.list_queues().max_results(PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        urls.extend(page?.queue_urls().iter().cloned());
    }
    let empty = HashSet::new();
    let (queues, policies) = (wanted.get(QUEUE).unwrap_or(&empty), wanted.get(POLICY).unwrap_or(&empty));
    let client = &client;
    let read = bounded(urls, |url| async move {
        if !queues.contains(&url) && !policies.contains(&url) {
            return Ok(vec![map_queue(&url, None, None)]);
        }
        let attributes =
            match client.get_queue_attributes().queue_url(&url).attribute_names(QueueAttributeName::All).send().await {
                Ok(out) => out.attributes().cloned().unwrap_or_default(),
                // Deleted between the list and the read: gone, like any queue not listed.
                Err(e)
                    if e.code().is_some_and(|c| c.contains("NonExistentQueue") || c.contains("QueueDoesNotExist")) =>
                {
                    return Ok(Vec::new())
                }
                Err(e) => return Err(ListError::reading("GetQueueAttributes")(e)),
            };
        let tags = client
            .list_queue_tags()
            .queue_url(&url)
            .send()
            .await
            .map_err(ListError::reading("ListQueueTags"))?
            .tags()
            .cloned()
            .unwrap_or_default();
        let mut out = vec![map_queue(&url, Some(&attributes), Some(&tags))];
        out.extend(map_policy(&url, &attributes));
        Ok(out)
    })
    .await;
    let mut out = Vec::new();
    for r in read {
        out.extend(r?);
    }
    Ok(out)
}

/// The queue's name is the last segment of its URL.
fn queue_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// A queue, with its attributes when they were read.
fn map_queue(
    url: &str,
    attributes: Option<&HashMap<QueueAttributeName, String>>,
    tags: Option<&HashMap<String, String>>,
) -> Resource {
    let mut a = Map::new();
    a.insert("name".into(), Value::from(queue_name(url)));
    a.insert("url".into(), Value::from(url));
    if let Some(attributes) = attributes {
        let get = |name: &str| attributes.get(&QueueAttributeName::from(name));
        if let Some(arn) = get("QueueArn") {
            a.insert("arn".into(), Value::from(arn.as_str()));
        }
        for (key, name, kind) in ATTRIBUTES {
            let value = match (get(name), kind) {
                (Some(v), Kind::Number) => v.parse::<i64>().map_or_else(|_| Value::from(v.as_str()), Value::from),
                (Some(v), Kind::Bool) => Value::from(v == "true"),
                (Some(v), Kind::Text) => Value::from(v.as_str()),
                // A standard queue has no `FifoQueue` attribute at all.
                (None, Kind::Bool) if *name == "FifoQueue" => Value::from(false),
                // Not set: known to be empty. Only the SSE switch is left unknown when missing:
                // older endpoints do not return it, and its absence says nothing.
                (None, Kind::Bool) => continue,
                (None, _) => Value::Null,
            };
            a.insert((*key).into(), value);
        }
    }
    if let Some(tags) = tags {
        a.insert("tags".into(), tags.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect());
    }
    live(QUEUE, url, a, LiveFacts::default())
}

/// The queue's policy as an `aws_sqs_queue_policy`, when it has one: part of its queue, never
/// unmanaged on its own.
fn map_policy(url: &str, attributes: &HashMap<QueueAttributeName, String>) -> Option<Resource> {
    let policy = attributes.get(&QueueAttributeName::Policy).filter(|p| !p.trim().is_empty())?;
    let mut a = Map::new();
    a.insert("queue_url".into(), Value::from(url));
    a.insert("policy".into(), Value::from(policy.as_str()));
    let facts = LiveFacts { owner: Some(url.to_owned()), ..LiveFacts::default() };
    Some(live(POLICY, url, a, facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/orders";

    /// `GetQueueAttributes` (All) of a standard queue as SQS answers it: every value a string.
    fn attributes() -> HashMap<QueueAttributeName, String> {
        [
            ("QueueArn", "arn:aws:sqs:us-east-1:123456789012:orders"),
            ("VisibilityTimeout", "30"),
            ("MessageRetentionPeriod", "345600"),
            ("MaximumMessageSize", "262144"),
            ("DelaySeconds", "0"),
            ("ReceiveMessageWaitTimeSeconds", "20"),
            ("SqsManagedSseEnabled", "true"),
            (
                "RedrivePolicy",
                r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":5}"#,
            ),
            ("Policy", r#"{"Version":"2012-10-17","Statement":[]}"#),
        ]
        .into_iter()
        .map(|(k, v)| (QueueAttributeName::from(k), v.to_owned()))
        .collect()
    }

    #[test]
    fn a_queue_s_attributes_are_spelt_as_terraform_keeps_them() {
        let tags = HashMap::from([("team".to_owned(), "orders".to_owned())]);
        let q = map_queue(URL, Some(&attributes()), Some(&tags));
        assert_eq!(q.id, URL);
        let a = &q.attributes;
        assert_eq!(a["name"], "orders");
        assert_eq!(a["message_retention_seconds"], 345600);
        assert_eq!(a["receive_wait_time_seconds"], 20);
        assert_eq!(a["sqs_managed_sse_enabled"], true);
        assert_eq!(a["fifo_queue"], false, "a standard queue has no FifoQueue attribute");
        assert_eq!(a["kms_master_key_id"], Value::Null);
        assert_eq!(a["tags"], json!({"team": "orders"}));
        let policy = map_policy(URL, &attributes()).unwrap();
        assert_eq!(policy.live.unwrap().owner.as_deref(), Some(URL), "a policy is part of its queue");
    }

    #[test]
    fn an_undeclared_queue_is_named_but_not_read_and_no_policy_is_no_resource() {
        let q = map_queue(URL, None, None);
        assert_eq!(q.attributes.keys().map(String::as_str).collect::<Vec<_>>(), ["name", "url"]);
        let mut none = attributes();
        none.remove(&QueueAttributeName::Policy);
        assert!(map_policy(URL, &none).is_none());
    }

    #[test]
    fn every_event_names_its_queue() {
        // CloudTrail SQS records: the URL in the request, a new queue's in the response.
        let request = json!({"requestParameters": {"queueUrl": URL}, "responseElements": null});
        let created = json!({"requestParameters": {"queueName": "orders"}, "responseElements": {"queueUrl": URL}});
        for (event, paths) in EVENTS {
            for path in *paths {
                let record = if *event == "CreateQueue" { &created } else { &request };
                let (id, spec) = crate::aws::event_path(path, record);
                assert_eq!(id, Some(URL), "{event}");
                assert!(spec.is_some_and(|s| TYPES.iter().any(|t| t.name == s.name)), "{event}: {path}");
            }
        }
    }
}
