//! `aws_instance` from `DescribeInstances`.

use aws_sdk_ec2::types::{Instance, InstanceStateName, MonitoringState};
use serde_json::{json, Map, Value};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

/// Every instance that is not terminated or terminating: those count as gone.
/// Every instance, or with `only` those instances.
pub async fn list(client: &aws_sdk_ec2::Client, only: Option<Vec<String>>) -> Result<Vec<Resource>, ListError> {
    let mut req = client.describe_instances().max_results(PAGE);
    if let Some(ids) = only {
        req = req.filters(super::id_filter("instance-id", ids));
    }
    let mut pages = req.into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        for reservation in page?.reservations() {
            out.extend(reservation.instances().iter().filter(|i| !gone(i)).filter_map(map));
        }
    }
    Ok(out)
}

fn gone(i: &Instance) -> bool {
    matches!(i.state().and_then(|s| s.name()), Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown))
}

fn map(i: &Instance) -> Option<Resource> {
    let id = i.instance_id()?;
    let mut a = Map::new();
    a.insert("instance_type".into(), text(i.instance_type().map(|t| t.as_str())));
    a.insert("ami".into(), text(i.image_id()));
    a.insert("subnet_id".into(), text(i.subnet_id()));
    let groups: Vec<Value> = i.security_groups().iter().filter_map(|g| g.group_id()).map(Value::from).collect();
    a.insert("vpc_security_group_ids".into(), Value::Array(groups));
    a.insert("key_name".into(), text(i.key_name()));
    // Terraform stores the profile's name; the API gives its ARN, `.../instance-profile/path/name`.
    let profile = i.iam_instance_profile().and_then(|p| p.arn()).and_then(|arn| arn.rsplit('/').next());
    a.insert("iam_instance_profile".into(), text(profile));
    if let Some(state) = i.monitoring().and_then(|m| m.state()) {
        a.insert("monitoring".into(), json!(matches!(state, MonitoringState::Enabled | MonitoringState::Pending)));
    }
    a.insert("private_ip".into(), text(i.private_ip_address()));
    a.insert("tags".into(), tags(i.tags()));
    let facts = LiveFacts { owner: launched_by(i.tags()), ..LiveFacts::default() };
    Some(live("aws_instance", id, a, facts))
}

/// Tags a service puts on the instances it launches and replaces by itself: such an instance
/// belongs to its group, fleet or cluster, never to Terraform on its own, so it is never
/// reported unmanaged (an EKS node group of 40 would be 40 false positives on every scan).
const LAUNCHED_BY: &[&str] = &[
    "aws:autoscaling:groupName",
    "aws:ec2spot:fleet-request-id",
    "aws:ec2:fleet-id",
    "eks:nodegroup-name",
    "karpenter.sh/nodepool",
    "karpenter.sh/provisioner-name",
    "aws:elasticmapreduce:job-flow-id",
    "elasticbeanstalk:environment-id",
];

/// The group, fleet or cluster that launched the instance, from its tags.
fn launched_by(tags: &[aws_sdk_ec2::types::Tag]) -> Option<String> {
    LAUNCHED_BY.iter().find_map(|key| {
        let tag = tags.iter().find(|t| t.key() == Some(key))?;
        Some(format!("{key}={}", tag.value().unwrap_or_default()))
    })
}
