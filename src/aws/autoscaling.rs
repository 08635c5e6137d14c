//! Auto Scaling: groups, launch configurations and scaling policies, per region, each listed
//! whole in pages of 100 (the most the describe calls return): no per-resource read.
//!
//! Scaling policies move a group's desired capacity: a group with a policy is listed without
//! it, so only its bounds are compared. The instances a group launches are never unmanaged (see
//! `ec2::instances`, which reads their `aws:autoscaling:groupName` tag).

use std::collections::HashSet;

use aws_sdk_autoscaling::types::{AutoScalingGroup, LaunchConfiguration, ScalingPolicy};
use aws_sdk_autoscaling::Client;
use serde_json::{json, Map, Value};

use super::{live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{text_of, ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const fn regional(operation: &'static str) -> ListSpec {
    ListSpec { operation, service: Service::AutoScaling, scope: Scope::Regional, needs: &[] }
}

/// Groups and their policies are one list: whether a group's desired capacity is compared
/// depends on its policies.
const GROUPS: ListSpec = regional("DescribeAutoScalingGroups");
const LAUNCH_CONFIGURATIONS: ListSpec = regional("DescribeLaunchConfigurations");

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::AutoScaling,
    event_source: "autoscaling.amazonaws.com",
    events: EVENTS,
    lists: &[GROUPS, LAUNCH_CONFIGURATIONS],
    types: TYPES,
};

const GROUP: &str = "aws_autoscaling_group";
const LAUNCH_CONFIGURATION: &str = "aws_launch_configuration";
const POLICY: &str = "aws_autoscaling_policy";

const TYPES: &[TypeSpec] = &[
    TypeSpec::new(
        GROUP,
        &GROUPS,
        &[
            "name",
            "min_size",
            "max_size",
            "desired_capacity",
            "launch_configuration",
            "vpc_zone_identifier",
            "health_check_type",
            "health_check_grace_period",
            "target_group_arns",
        ],
    ),
    // `user_data` is kept in state as a hash of what was sent: it is not compared.
    TypeSpec::new(
        LAUNCH_CONFIGURATION,
        &LAUNCH_CONFIGURATIONS,
        &["name", "image_id", "instance_type", "key_name", "security_groups", "iam_instance_profile"],
    ),
    // Terraform's id is the policy's name; it imports as `group/policy`.
    TypeSpec::new(
        POLICY,
        &GROUPS,
        &["name", "autoscaling_group_name", "policy_type", "adjustment_type", "scaling_adjustment", "cooldown"],
    )
    .imported_by(|_, a| format!("{}/{}", text_of(a, "autoscaling_group_name"), text_of(a, "name"))),
];

/// Where CloudTrail names what an Auto Scaling write changed, by the names Auto Scaling's
/// requests carry.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateAutoScalingGroup", &[ASG]),
    ("UpdateAutoScalingGroup", &[ASG]),
    ("DeleteAutoScalingGroup", &[ASG]),
    ("SetDesiredCapacity", &[ASG]),
    ("AttachLoadBalancerTargetGroups", &[ASG]),
    ("DetachLoadBalancerTargetGroups", &[ASG]),
    ("CreateLaunchConfiguration", &["req.launchConfigurationName=aws_launch_configuration"]),
    ("DeleteLaunchConfiguration", &["req.launchConfigurationName=aws_launch_configuration"]),
    ("PutScalingPolicy", &["req.policyName=aws_autoscaling_policy", ASG]),
    ("DeletePolicy", &["req.policyName=aws_autoscaling_policy", ASG]),
];

const ASG: &str = "req.autoScalingGroupName=aws_autoscaling_group";

/// Pages of 100, the most the Auto Scaling describe calls return.
const PAGE: i32 = 100;

/// Lists one Auto Scaling family in the context's region.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, _wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf =
        aws_sdk_autoscaling::config::Builder::from(ctx.sdk).region(ctx.region()).interceptor(ctx.calls.clone()).build();
    let client = Client::from_conf(conf);
    let mut out = Vec::new();
    match family.operation {
        "DescribeAutoScalingGroups" => {
            let mut pages = client.describe_policies().max_records(PAGE).into_paginator().send();
            let mut with_policies = HashSet::new();
            while let Some(page) = pages.next().await {
                for p in page?.scaling_policies() {
                    with_policies.extend(p.auto_scaling_group_name().map(str::to_owned));
                    out.extend(map_policy(p));
                }
            }
            let mut pages = client.describe_auto_scaling_groups().max_records(PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                out.extend(page?.auto_scaling_groups().iter().filter_map(|g| map_group(g, &with_policies)));
            }
        }
        "DescribeLaunchConfigurations" => {
            let mut pages = client.describe_launch_configurations().max_records(PAGE).into_paginator().send();
            while let Some(page) = pages.next().await {
                out.extend(page?.launch_configurations().iter().filter_map(map_launch_configuration));
            }
        }
        other => return Err(ListError(format!("no Auto Scaling list {other}"))),
    }
    Ok(out)
}

fn map_group(g: &AutoScalingGroup, with_policies: &HashSet<String>) -> Option<Resource> {
    let name = g.auto_scaling_group_name()?;
    // A group being deleted is gone as far as Terraform is concerned.
    if g.status().is_some_and(|s| s.starts_with("Delete")) {
        return None;
    }
    let mut a = Map::new();
    a.insert("arn".into(), text(g.auto_scaling_group_arn()));
    a.insert("name".into(), Value::from(name));
    a.insert("min_size".into(), g.min_size().map_or(Value::Null, Value::from));
    a.insert("max_size".into(), g.max_size().map_or(Value::Null, Value::from));
    // Left out when policies move it: then it is no evidence either way.
    if !with_policies.contains(name) {
        a.insert("desired_capacity".into(), g.desired_capacity().map_or(Value::Null, Value::from));
    }
    a.insert("launch_configuration".into(), text(g.launch_configuration_name()));
    let subnets: Vec<&str> =
        g.vpc_zone_identifier().unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    a.insert("vpc_zone_identifier".into(), json!(subnets));
    a.insert("health_check_type".into(), text(g.health_check_type()));
    a.insert("health_check_grace_period".into(), g.health_check_grace_period().map_or(Value::Null, Value::from));
    a.insert("target_group_arns".into(), json!(g.target_group_arns()));
    Some(live(GROUP, name, a, LiveFacts::default()))
}

fn map_launch_configuration(c: &LaunchConfiguration) -> Option<Resource> {
    let name = c.launch_configuration_name()?;
    let mut a = Map::new();
    a.insert("arn".into(), text(c.launch_configuration_arn()));
    a.insert("name".into(), Value::from(name));
    a.insert("image_id".into(), text(c.image_id()));
    a.insert("instance_type".into(), text(c.instance_type()));
    a.insert("key_name".into(), text(c.key_name()));
    a.insert("security_groups".into(), json!(c.security_groups()));
    a.insert("iam_instance_profile".into(), text(c.iam_instance_profile()));
    Some(live(LAUNCH_CONFIGURATION, name, a, LiveFacts::default()))
}

fn map_policy(p: &ScalingPolicy) -> Option<Resource> {
    let name = p.policy_name()?;
    let mut a = Map::new();
    a.insert("arn".into(), text(p.policy_arn()));
    a.insert("name".into(), Value::from(name));
    a.insert("autoscaling_group_name".into(), text(p.auto_scaling_group_name()));
    a.insert("policy_type".into(), text(p.policy_type()));
    a.insert("adjustment_type".into(), text(p.adjustment_type()));
    a.insert("scaling_adjustment".into(), p.scaling_adjustment().map_or(Value::Null, Value::from));
    a.insert("cooldown".into(), p.cooldown().map_or(Value::Null, Value::from));
    Some(live(POLICY, name, a, LiveFacts::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_with_policies_leaves_its_desired_capacity_to_them() {
        let g = AutoScalingGroup::builder()
            .auto_scaling_group_name("web")
            .min_size(1)
            .max_size(4)
            .desired_capacity(2)
            .vpc_zone_identifier("subnet-a, subnet-b")
            .build();
        let alone = map_group(&g, &HashSet::new()).unwrap();
        assert_eq!(alone.attributes["desired_capacity"], 2);
        assert_eq!(alone.attributes["vpc_zone_identifier"], json!(["subnet-a", "subnet-b"]));
        let scaled = map_group(&g, &HashSet::from(["web".to_owned()])).unwrap();
        assert!(!scaled.attributes.contains_key("desired_capacity"));
        assert_eq!(scaled.attributes["max_size"], 4);
        let going = AutoScalingGroup::builder().auto_scaling_group_name("old").status("Delete in progress").build();
        assert!(map_group(&going, &HashSet::new()).is_none());
    }

    #[test]
    fn a_policy_imports_as_group_and_name() {
        let p = ScalingPolicy::builder().policy_name("up").auto_scaling_group_name("web").scaling_adjustment(1).build();
        let r = map_policy(&p).unwrap();
        assert_eq!(crate::catalog::import_id(POLICY, &r.id, &r.attributes), "web/up");
    }

    #[test]
    fn every_event_names_an_auto_scaling_resource() {
        let req = json!({"autoScalingGroupName": "web", "launchConfigurationName": "lc", "policyName": "up"});
        for (event, _) in EVENTS {
            let found = crate::cloudtrail::ids::changed_by(EVENTS, event, &req, &Value::Null);
            assert!(!found.is_empty(), "{event}");
            assert!(found.iter().all(|r| TYPES.iter().any(|t| t.name == r.rtype)), "{event}: {found:?}");
        }
    }
}
