//! ELBv2: application and network load balancers, their listeners and listener rules, target
//! groups and the targets registered in them, per region.
//!
//! `DescribeLoadBalancers` and `DescribeTargetGroups` list in pages of 400 (their most) and
//! `DescribeTags` takes 20 ARNs a call. Listeners and rules have no account-wide list:
//! `DescribeListeners` is sent per load balancer and `DescribeRules` per listener, and
//! `DescribeTargetHealth` per declared target group, 8 in flight.

use std::collections::HashSet;

use aws_sdk_elasticloadbalancingv2::types::{Action, LoadBalancer, TargetGroup};
use aws_sdk_elasticloadbalancingv2::Client;
use serde_json::{json, Map, Value};

use super::{bounded, live, text, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{text_of, ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const fn regional(operation: &'static str) -> ListSpec {
    ListSpec { operation, service: Service::Elbv2, scope: Scope::Regional, needs: &[] }
}

const BALANCERS: ListSpec = regional("DescribeLoadBalancers");
const GROUPS: ListSpec = regional("DescribeTargetGroups");

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Elbv2,
    event_source: "elasticloadbalancing.amazonaws.com",
    events: EVENTS,
    lists: &[BALANCERS, GROUPS],
    types: TYPES,
};

const LB: &str = "aws_lb";
const LISTENER: &str = "aws_lb_listener";
const RULE: &str = "aws_lb_listener_rule";
const GROUP: &str = "aws_lb_target_group";
const ATTACHMENT: &str = "aws_lb_target_group_attachment";

const LB_COMPARED: &[&str] =
    &["name", "internal", "load_balancer_type", "subnets", "security_groups", "ip_address_type", "tags"];

const TYPES: &[TypeSpec] = &[
    TypeSpec::new(LB, &BALANCERS, LB_COMPARED),
    // `aws_alb` is the provider's older name of the same resource.
    TypeSpec::new("aws_alb", &BALANCERS, LB_COMPARED).adopts(LB),
    // Actions are compared as their type and target group, in order (pass `lb_actions`).
    TypeSpec::new(LISTENER, &BALANCERS, &["load_balancer_arn", "port", "protocol", "default_action"]),
    TypeSpec::new(RULE, &BALANCERS, &["listener_arn", "priority", "action"]),
    TypeSpec::new(GROUP, &GROUPS, &["name", "port", "protocol", "vpc_id", "target_type", "health_check", "tags"]),
    // Terraform's id is made up (`arn-2026...`): a target is matched by its group and its id.
    // Not by its port: a state that leaves the port to the group has none, and one that names
    // the group's port has it, while AWS always answers it; the port is compared when the
    // state has one (pass `lb_actions` drops an unset one). It imports as `group,target,port`.
    TypeSpec::new(ATTACHMENT, &GROUPS, &["target_group_arn", "target_id", "port"])
        .identified_by(|_, a| format!("{},{}", text_of(a, "target_group_arn"), text_of(a, "target_id")))
        .imported_by(|_, a| {
            let port = a.get("port").and_then(Value::as_i64).map(|p| p.to_string()).unwrap_or_default();
            format!("{},{},{port}", text_of(a, "target_group_arn"), text_of(a, "target_id"))
        }),
];

/// Where CloudTrail names what an ELBv2 write changed: the ARN of the load balancer, listener,
/// rule or target group, in the request, or for a new one in the response.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateLoadBalancer", &["resp.loadBalancers[].loadBalancerArn=aws_lb"]),
    ("DeleteLoadBalancer", &[BALANCER]),
    ("ModifyLoadBalancerAttributes", &[BALANCER]),
    ("SetSecurityGroups", &[BALANCER]),
    ("SetSubnets", &[BALANCER]),
    ("SetIpAddressType", &[BALANCER]),
    ("CreateListener", &["resp.listeners[].listenerArn=aws_lb_listener"]),
    ("ModifyListener", &[LISTENER_ARN]),
    ("DeleteListener", &[LISTENER_ARN]),
    ("CreateRule", &["resp.rules[].ruleArn=aws_lb_listener_rule"]),
    ("ModifyRule", &[RULE_ARN]),
    ("DeleteRule", &[RULE_ARN]),
    ("CreateTargetGroup", &["resp.targetGroups[].targetGroupArn=aws_lb_target_group"]),
    ("ModifyTargetGroup", &[TARGET_GROUP]),
    ("DeleteTargetGroup", &[TARGET_GROUP]),
    ("RegisterTargets", &[TARGET_GROUP]),
    ("DeregisterTargets", &[TARGET_GROUP]),
];

const BALANCER: &str = "req.loadBalancerArn=aws_lb";
const LISTENER_ARN: &str = "req.listenerArn=aws_lb_listener";
const RULE_ARN: &str = "req.ruleArn=aws_lb_listener_rule";
const TARGET_GROUP: &str = "req.targetGroupArn=aws_lb_target_group";

/// Pages of 400, the most the ELBv2 describe calls return.
const PAGE: i32 = 400;
/// ARNs per `DescribeTags` call, its most.
const TAGS_PER_CALL: usize = 20;

/// Lists one ELBv2 family in the context's region.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf = aws_sdk_elasticloadbalancingv2::config::Builder::from(ctx.sdk)
        .region(ctx.region())
        .interceptor(ctx.calls.clone())
        .build();
    let client = Client::from_conf(conf);
    match family.operation {
        "DescribeLoadBalancers" => list_balancers(&client).await,
        "DescribeTargetGroups" => list_groups(&client, wanted).await,
        other => Err(ListError(format!("no ELBv2 list {other}"))),
    }
}

async fn list_balancers(client: &Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_load_balancers().page_size(PAGE).into_paginator().send();
    let mut balancers = Vec::new();
    while let Some(page) = pages.next().await {
        balancers.extend(page?.load_balancers().iter().filter_map(map_balancer));
    }
    tag(client, &mut balancers).await?;
    let arns: Vec<String> = balancers.iter().map(|b| b.id.clone()).collect();
    let listeners = bounded(arns, |arn| async move {
        let mut pages = client.describe_listeners().load_balancer_arn(arn).page_size(PAGE).into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            for l in page?.listeners() {
                let Some(id) = l.listener_arn() else { continue };
                let mut a = Map::new();
                a.insert("arn".into(), Value::from(id));
                a.insert("load_balancer_arn".into(), text(l.load_balancer_arn()));
                a.insert("port".into(), l.port().map_or(Value::Null, Value::from));
                a.insert("protocol".into(), text(l.protocol().map(|p| p.as_str())));
                a.insert("default_action".into(), actions(l.default_actions()));
                out.push(live(LISTENER, id, a, LiveFacts::default()));
            }
        }
        Ok::<_, ListError>(out)
    })
    .await;
    let mut listeners: Vec<Resource> = listeners.into_iter().collect::<Result<Vec<_>, _>>()?.concat();
    let listener_arns: Vec<String> = listeners.iter().map(|l| l.id.clone()).collect();
    let rules = bounded(listener_arns, |arn| async move {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page =
                client.describe_rules().listener_arn(&arn).page_size(PAGE).set_marker(marker.take()).send().await?;
            for r in page.rules() {
                // The default rule is the listener's `default_action`, not a rule of its own.
                let Some(id) = r.rule_arn().filter(|_| r.is_default() != Some(true)) else { continue };
                let mut a = Map::new();
                a.insert("arn".into(), Value::from(id));
                a.insert("listener_arn".into(), Value::from(arn.as_str()));
                let priority = r.priority().and_then(|p| p.parse::<i64>().ok());
                a.insert("priority".into(), priority.map_or(Value::Null, Value::from));
                a.insert("action".into(), actions(r.actions()));
                out.push(live(RULE, id, a, LiveFacts::default()));
            }
            match page.next_marker() {
                Some(m) if !m.is_empty() => marker = Some(m.to_owned()),
                _ => break,
            }
        }
        Ok::<_, ListError>(out)
    })
    .await;
    for r in rules {
        listeners.extend(r?);
    }
    balancers.extend(listeners);
    Ok(balancers)
}

async fn list_groups(client: &Client, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_target_groups().page_size(PAGE).into_paginator().send();
    let mut groups = Vec::new();
    let mut ports = Vec::new();
    while let Some(page) = pages.next().await {
        for g in page?.target_groups() {
            if let Some(r) = map_group(g) {
                ports.push((r.id.clone(), g.port()));
                groups.push(r);
            }
        }
    }
    tag(client, &mut groups).await?;
    // Targets are read for the groups declared and those a declared attachment names.
    let mut declared: HashSet<String> = wanted.get(GROUP).into_iter().flatten().cloned().collect();
    for id in wanted.get(ATTACHMENT).into_iter().flatten() {
        if let Some((group, _)) = id.split_once(',') {
            declared.insert(group.to_owned());
        }
    }
    ports.retain(|(arn, _)| declared.contains(arn));
    let targets = bounded(ports, |(arn, group_port)| async move {
        let health = client.describe_target_health().target_group_arn(&arn).send().await?;
        let out: Vec<Resource> = health
            .target_health_descriptions()
            .iter()
            .filter_map(|t| t.target())
            .filter_map(|t| map_target(&arn, t.id()?, t.port(), group_port))
            .collect();
        Ok::<_, ListError>(out)
    })
    .await;
    for t in targets {
        groups.extend(t?);
    }
    Ok(groups)
}

/// Reads the tags of these load balancers or target groups, 20 a call.
async fn tag(client: &Client, resources: &mut [Resource]) -> Result<(), ListError> {
    for chunk in resources.chunks_mut(TAGS_PER_CALL) {
        let arns: Vec<String> = chunk.iter().map(|r| r.id.clone()).collect();
        let out = client.describe_tags().set_resource_arns(Some(arns)).send().await?;
        for d in out.tag_descriptions() {
            let tags: Map<String, Value> = d
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), Value::from(t.value().unwrap_or_default()))))
                .collect();
            if let Some(r) = chunk.iter_mut().find(|r| Some(r.id.as_str()) == d.resource_arn()) {
                r.attributes.insert("tags".into(), Value::Object(tags));
            }
        }
    }
    Ok(())
}

fn map_balancer(lb: &LoadBalancer) -> Option<Resource> {
    let arn = lb.load_balancer_arn()?;
    let mut a = Map::new();
    a.insert("arn".into(), Value::from(arn));
    a.insert("name".into(), text(lb.load_balancer_name()));
    a.insert("internal".into(), Value::from(lb.scheme().map(|s| s.as_str()) == Some("internal")));
    a.insert("load_balancer_type".into(), text(lb.r#type().map(|t| t.as_str())));
    let subnets: Vec<Value> = lb.availability_zones().iter().filter_map(|z| z.subnet_id()).map(Value::from).collect();
    a.insert("subnets".into(), Value::Array(subnets));
    a.insert("security_groups".into(), json!(lb.security_groups()));
    a.insert("ip_address_type".into(), text(lb.ip_address_type().map(|t| t.as_str())));
    Some(live(LB, arn, a, LiveFacts::default()))
}

fn map_group(g: &TargetGroup) -> Option<Resource> {
    let arn = g.target_group_arn()?;
    let mut a = Map::new();
    a.insert("arn".into(), Value::from(arn));
    a.insert("name".into(), text(g.target_group_name()));
    a.insert("port".into(), g.port().map_or(Value::Null, Value::from));
    a.insert("protocol".into(), text(g.protocol().map(|p| p.as_str())));
    a.insert("vpc_id".into(), text(g.vpc_id()));
    a.insert("target_type".into(), text(g.target_type().map(|t| t.as_str())));
    // The block as provider 5.x writes it, field for field.
    let check = json!([{
        "enabled": g.health_check_enabled(),
        "healthy_threshold": g.healthy_threshold_count(),
        "interval": g.health_check_interval_seconds(),
        "matcher": g.matcher().and_then(|m| m.http_code().or(m.grpc_code())).unwrap_or_default(),
        "path": g.health_check_path().unwrap_or_default(),
        "port": g.health_check_port().unwrap_or_default(),
        "protocol": g.health_check_protocol().map(|p| p.as_str()).unwrap_or_default(),
        "timeout": g.health_check_timeout_seconds(),
        "unhealthy_threshold": g.unhealthy_threshold_count(),
    }]);
    a.insert("health_check".into(), check);
    Some(live(GROUP, arn, a, LiveFacts::default()))
}

/// A registered target, on its own port or its group's. Targets are registered by Auto Scaling
/// groups and ECS services too: one nobody declares is owned by its group, never unmanaged.
fn map_target(group: &str, id: &str, port: Option<i32>, group_port: Option<i32>) -> Option<Resource> {
    let mut a = Map::new();
    a.insert("target_group_arn".into(), Value::from(group));
    a.insert("target_id".into(), Value::from(id));
    if let Some(p) = port.or(group_port) {
        a.insert("port".into(), Value::from(p));
    }
    let key = format!("{group},{id}");
    Some(live(ATTACHMENT, &key, a, LiveFacts { owner: Some(group.to_owned()), ..LiveFacts::default() }))
}

/// Actions as `[{type, target_group_arn}]` in their order: what a listener or rule does with
/// the traffic it takes, in the shape pass `lb_actions` makes of the state's blocks.
fn actions(list: &[Action]) -> Value {
    let mut sorted: Vec<&Action> = list.iter().collect();
    sorted.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
    let out: Vec<Value> = sorted
        .iter()
        .map(|a| {
            let group = a.target_group_arn().or_else(|| {
                let groups = a.forward_config().map(|f| f.target_groups()).unwrap_or_default();
                (groups.len() == 1).then(|| groups[0].target_group_arn()).flatten()
            });
            json!({"type": a.r#type().map(|t| t.as_str()).unwrap_or_default(), "target_group_arn": group.unwrap_or_default()})
        })
        .collect();
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_elasticloadbalancingv2::types::{
        ActionTypeEnum, AvailabilityZone, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
    };

    #[test]
    fn a_balancer_maps_under_the_providers_names() {
        let lb = LoadBalancer::builder()
            .load_balancer_arn("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1")
            .load_balancer_name("web")
            .scheme(LoadBalancerSchemeEnum::Internal)
            .r#type(LoadBalancerTypeEnum::Application)
            .availability_zones(AvailabilityZone::builder().subnet_id("subnet-1").build())
            .security_groups("sg-1")
            .build();
        let r = map_balancer(&lb).unwrap();
        assert_eq!(r.attributes["internal"], true);
        assert_eq!(r.attributes["load_balancer_type"], "application");
        assert_eq!(r.attributes["subnets"], json!(["subnet-1"]));
    }

    #[test]
    fn actions_are_their_type_and_group_in_order() {
        let forward = Action::builder().r#type(ActionTypeEnum::Forward).target_group_arn("tg-1").order(2).build();
        let redirect = Action::builder().r#type(ActionTypeEnum::Redirect).order(1).build();
        assert_eq!(
            actions(&[forward, redirect]),
            json!([{"type": "redirect", "target_group_arn": ""}, {"type": "forward", "target_group_arn": "tg-1"}])
        );
    }

    #[test]
    fn a_target_is_its_group_and_id_and_never_unmanaged() {
        let on_group = map_target("tg", "i-1", None, Some(80)).unwrap();
        assert_eq!((on_group.id.as_str(), on_group.attributes["port"].clone()), ("tg,i-1", json!(80)));
        assert_eq!(on_group.live.unwrap().owner.as_deref(), Some("tg"));
        let own = map_target("tg", "10.0.0.5", Some(8080), Some(80)).unwrap();
        assert_eq!(own.attributes["port"], 8080);
        assert_eq!(crate::catalog::import_id(ATTACHMENT, &own.id, &own.attributes), "tg,10.0.0.5,8080");
    }

    #[test]
    fn every_event_names_an_elbv2_resource() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1";
        let record = json!({"requestParameters": {"loadBalancerArn": arn, "listenerArn": arn, "ruleArn": arn,
            "targetGroupArn": arn},
            "responseElements": {"loadBalancers": [{"loadBalancerArn": arn}], "listeners": [{"listenerArn": arn}],
            "rules": [{"ruleArn": arn}], "targetGroups": [{"targetGroupArn": arn}]}});
        for (event, _) in EVENTS {
            let found = crate::cloudtrail::ids::changed_by(
                EVENTS,
                event,
                &record["requestParameters"],
                &record["responseElements"],
            );
            assert!(!found.is_empty(), "{event}");
            assert!(found.iter().all(|r| TYPES.iter().any(|t| t.name == r.rtype)), "{event}: {found:?}");
        }
    }
}
