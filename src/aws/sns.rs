//! SNS: topics, their policies and subscriptions, per region. `ListTopics` (100 a page, the
//! API's fixed size) finds every topic by ARN; a topic's attributes and tags have no list form,
//! so `GetTopicAttributes` and `ListTagsForResource` are sent only for declared topics, a few in
//! flight. `ListSubscriptions` (100 a page) gives every subscription with its topic, protocol and
//! endpoint, so subscriptions cost no call each.

use std::collections::{HashMap, HashSet};

use aws_sdk_sns::error::ProvideErrorMetadata;
use aws_sdk_sns::types::Subscription;
use aws_sdk_sns::Client;
use serde_json::{Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const fn regional(operation: &'static str) -> ListSpec {
    ListSpec { operation, service: Service::Sns, scope: Scope::Regional, needs: &[] }
}

const TOPICS: ListSpec = regional("ListTopics");
const SUBSCRIPTIONS: ListSpec = regional("ListSubscriptions");

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Sns,
    event_source: "sns.amazonaws.com",
    events: EVENTS,
    lists: &[TOPICS, SUBSCRIPTIONS],
    types: TYPES,
};

const TOPIC: &str = "aws_sns_topic";
const POLICY: &str = "aws_sns_topic_policy";
const SUBSCRIPTION: &str = "aws_sns_topic_subscription";

const TYPES: &[TypeSpec] = &[
    // A topic's `policy` is compared on the topic only when no `aws_sns_topic_policy` declares
    // it (see `list_topics`): provider 5.x writes the live policy into both, and one change
    // would otherwise be reported twice.
    TypeSpec::new(TOPIC, &TOPICS, &["name", "display_name", "kms_master_key_id", "policy", "tags"])
        .with_documents(&["policy"]),
    // Terraform's id of a topic policy is the topic's ARN, as `arn` is.
    TypeSpec::new(POLICY, &TOPICS, &["arn", "policy"]).with_documents(&["policy"]),
    TypeSpec::new(SUBSCRIPTION, &SUBSCRIPTIONS, &["topic_arn", "protocol", "endpoint"]),
];

/// Where CloudTrail names what an SNS write changed: the topic's ARN in the request
/// (`resourceArn` for tags), a new topic's or subscription's in the response.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateTopic", &["resp.topicArn=aws_sns_topic"]),
    ("DeleteTopic", &["req.topicArn=aws_sns_topic"]),
    ("SetTopicAttributes", &["req.topicArn=aws_sns_topic", "req.topicArn=aws_sns_topic_policy"]),
    ("AddPermission", &["req.topicArn=aws_sns_topic_policy"]),
    ("RemovePermission", &["req.topicArn=aws_sns_topic_policy"]),
    ("TagResource", &["req.resourceArn=aws_sns_topic"]),
    ("UntagResource", &["req.resourceArn=aws_sns_topic"]),
    ("Subscribe", &["resp.subscriptionArn=aws_sns_topic_subscription"]),
    ("Unsubscribe", &["req.subscriptionArn=aws_sns_topic_subscription"]),
    ("SetSubscriptionAttributes", &["req.subscriptionArn=aws_sns_topic_subscription"]),
];

/// Lists one SNS family in the context's region.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf = aws_sdk_sns::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = Client::from_conf(conf);
    match family.operation {
        "ListTopics" => list_topics(&client, wanted).await,
        "ListSubscriptions" => list_subscriptions(&client).await,
        other => Err(ListError(format!("no SNS list {other}"))),
    }
}

async fn list_topics(client: &Client, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let mut arns = Vec::new();
    let mut pages = client.list_topics().into_paginator().send();
    while let Some(page) = pages.next().await {
        arns.extend(page?.topics().iter().filter_map(|t| t.topic_arn()).map(str::to_owned));
    }
    let empty = HashSet::new();
    let (topics, policies) = (wanted.get(TOPIC).unwrap_or(&empty), wanted.get(POLICY).unwrap_or(&empty));
    let read = bounded(arns, |arn| async move {
        if !topics.contains(&arn) && !policies.contains(&arn) {
            return Ok(vec![map_topic(&arn, None, None, false)]);
        }
        let attributes = match client.get_topic_attributes().topic_arn(&arn).send().await {
            Ok(out) => out.attributes().cloned().unwrap_or_default(),
            // Deleted between the list and the read.
            Err(e) if e.code() == Some("NotFound") => return Ok(Vec::new()),
            Err(e) => return Err(ListError::reading("GetTopicAttributes")(e)),
        };
        let tags = client
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .map_err(ListError::reading("ListTagsForResource"))?;
        let tags: HashMap<String, String> =
            tags.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect();
        let mut out = vec![map_topic(&arn, Some(&attributes), Some(&tags), policies.contains(&arn))];
        out.extend(map_policy(&arn, &attributes));
        Ok(out)
    })
    .await;
    let mut out = Vec::new();
    for r in read {
        out.extend(r?);
    }
    Ok(out)
}

/// A topic, with its attributes when they were read; its policy left out when a separate
/// `aws_sns_topic_policy` compares it.
fn map_topic(
    arn: &str,
    attributes: Option<&HashMap<String, String>>,
    tags: Option<&HashMap<String, String>>,
    policy_declared_apart: bool,
) -> Resource {
    let mut a = Map::new();
    a.insert("arn".into(), Value::from(arn));
    a.insert("name".into(), Value::from(arn.rsplit(':').next().unwrap_or(arn)));
    if let Some(attributes) = attributes {
        let get = |k: &str| text(attributes.get(k).map(String::as_str));
        a.insert("display_name".into(), get("DisplayName"));
        a.insert("kms_master_key_id".into(), get("KmsMasterKeyId"));
        if !policy_declared_apart {
            a.insert("policy".into(), get("Policy"));
        }
    }
    if let Some(tags) = tags {
        a.insert("tags".into(), tags.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect());
    }
    live(TOPIC, arn, a, LiveFacts::default())
}

/// Every topic has a policy (SNS writes a default one): as an `aws_sns_topic_policy` it is part
/// of its topic, never unmanaged on its own.
fn map_policy(arn: &str, attributes: &HashMap<String, String>) -> Option<Resource> {
    let policy = attributes.get("Policy")?;
    let mut a = Map::new();
    a.insert("arn".into(), Value::from(arn));
    a.insert("policy".into(), Value::from(policy.as_str()));
    Some(live(POLICY, arn, a, LiveFacts { owner: Some(arn.to_owned()), ..LiveFacts::default() }))
}

async fn list_subscriptions(client: &Client) -> Result<Vec<Resource>, ListError> {
    let mut out = Vec::new();
    let mut pages = client.list_subscriptions().into_paginator().send();
    while let Some(page) = pages.next().await {
        out.extend(page?.subscriptions().iter().filter_map(map_subscription));
    }
    Ok(out)
}

/// A confirmed subscription; one awaiting confirmation has no ARN yet (`PendingConfirmation`)
/// and Terraform cannot hold it either.
fn map_subscription(s: &Subscription) -> Option<Resource> {
    let arn = s.subscription_arn().filter(|a| a.starts_with("arn:"))?;
    let mut a = Map::new();
    a.insert("arn".into(), Value::from(arn));
    a.insert("topic_arn".into(), text(s.topic_arn()));
    a.insert("protocol".into(), text(s.protocol()));
    a.insert("endpoint".into(), text(s.endpoint()));
    Some(live(SUBSCRIPTION, arn, a, LiveFacts::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:sns:us-east-1:123456789012:alerts";
    const SUB: &str = "arn:aws:sns:us-east-1:123456789012:alerts:6b0e71bd-7e97-4d97-80ce-4a0994e55286";

    fn attributes() -> HashMap<String, String> {
        [("TopicArn", ARN), ("DisplayName", "Alerts"), ("Policy", r#"{"Version":"2008-10-17","Statement":[]}"#)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn a_topic_policy_is_compared_once() {
        let t = map_topic(ARN, Some(&attributes()), Some(&HashMap::new()), false);
        assert_eq!(
            (t.attributes["name"].as_str(), t.attributes["display_name"].as_str()),
            (Some("alerts"), Some("Alerts"))
        );
        assert_eq!(t.attributes["kms_master_key_id"], Value::Null, "unset is known to be empty");
        assert!(t.attributes.contains_key("policy"));
        let apart = map_topic(ARN, Some(&attributes()), None, true);
        assert!(!apart.attributes.contains_key("policy"), "the aws_sns_topic_policy compares it");
        let p = map_policy(ARN, &attributes()).unwrap();
        assert_eq!(p.live.unwrap().owner.as_deref(), Some(ARN));
    }

    #[test]
    fn pending_subscriptions_are_no_resource() {
        let pending = Subscription::builder().subscription_arn("PendingConfirmation").topic_arn(ARN).build();
        assert!(map_subscription(&pending).is_none());
        let s = Subscription::builder()
            .subscription_arn(SUB)
            .topic_arn(ARN)
            .protocol("sqs")
            .endpoint("arn:aws:sqs:us-east-1:123456789012:q")
            .build();
        let r = map_subscription(&s).unwrap();
        assert_eq!((r.id.as_str(), r.attributes["protocol"].as_str()), (SUB, Some("sqs")));
    }

    #[test]
    fn every_event_names_a_topic_or_a_subscription() {
        // CloudTrail SNS records: ARNs in the request; new ones in the response.
        let request = json!({"requestParameters": {"topicArn": ARN, "resourceArn": ARN, "subscriptionArn": SUB}, "responseElements": null});
        let created = json!({"requestParameters": {"name": "alerts", "topicArn": ARN, "protocol": "sqs"},
            "responseElements": {"topicArn": ARN, "subscriptionArn": SUB}});
        for (event, paths) in EVENTS {
            for path in *paths {
                let record = if path.starts_with("resp.") { &created } else { &request };
                let (id, spec) = crate::aws::event_path(path, record);
                let want = if path.ends_with(SUBSCRIPTION) { SUB } else { ARN };
                assert_eq!(id, Some(want), "{event}");
                assert!(spec.is_some_and(|s| TYPES.iter().any(|t| t.name == s.name)), "{event}: {path}");
            }
        }
    }
}
