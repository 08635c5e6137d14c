//! Classic load balancers (`aws_elb`) and the instances registered with them
//! (`aws_elb_attachment`), per region.
//!
//! `DescribeLoadBalancers` lists in pages of 400 (its most) and `DescribeTags` takes 20 names a
//! call. Cross-zone balancing, the idle timeout, connection draining and access logs have no
//! list form: `DescribeLoadBalancerAttributes` is sent per declared load balancer, 8 in flight.
//!
//! The classic API logs to CloudTrail under ELBv2's `eventSource`, and some event names
//! (`CreateLoadBalancer`, `DeleteLoadBalancer`, `ModifyLoadBalancerAttributes`, `AddTags`) are
//! both APIs'. Their requests tell them apart: the classic one names `loadBalancerName`(s), the
//! v2 one `name`, `loadBalancerArn` or `resourceArns`. `cloudtrail::record` reads every table
//! of a source, so each record names only the type its shape has.

use std::collections::HashSet;

use aws_sdk_elasticloadbalancing::types::{LoadBalancerAttributes, LoadBalancerDescription};
use aws_sdk_elasticloadbalancing::Client;
use serde_json::{json, Map, Value};

use super::{bounded, live, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{text_of, ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

/// Named apart from ELBv2's list of the same operation: a list's name is unique.
const BALANCERS: ListSpec =
    ListSpec { operation: "elb:DescribeLoadBalancers", service: Service::Elb, scope: Scope::Regional, needs: &[] };

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::Elb,
    event_source: "elasticloadbalancing.amazonaws.com",
    events: EVENTS,
    lists: &[BALANCERS],
    types: TYPES,
};

pub(crate) const ELB: &str = "aws_elb";
const ATTACHMENT: &str = "aws_elb_attachment";

const TYPES: &[TypeSpec] = &[
    // Listeners and the health check are compared as pass `elb_blocks` spells them.
    TypeSpec::new(
        ELB,
        &BALANCERS,
        &[
            "name",
            "internal",
            "subnets",
            "security_groups",
            "availability_zones",
            "listener",
            "health_check",
            "instances",
            "cross_zone_load_balancing",
            "idle_timeout",
            "connection_draining",
            "connection_draining_timeout",
            "access_logs",
            "tags",
        ],
    ),
    // Terraform's id is made up (`web-2026...`): an attachment is matched by its load balancer
    // and instance. The provider cannot import one.
    TypeSpec::new(ATTACHMENT, &BALANCERS, &["elb", "instance"])
        .identified_by(|_, a| format!("{},{}", text_of(a, "elb"), text_of(a, "instance"))),
];

/// Where CloudTrail names what a classic ELB write changed: the load balancer's name, which is
/// its Terraform id.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateLoadBalancer", &[NAME]),
    ("DeleteLoadBalancer", &[NAME]),
    ("ModifyLoadBalancerAttributes", &[NAME]),
    ("CreateLoadBalancerListeners", &[NAME]),
    ("DeleteLoadBalancerListeners", &[NAME]),
    ("SetLoadBalancerListenerSSLCertificate", &[NAME]),
    ("ConfigureHealthCheck", &[NAME]),
    ("RegisterInstancesWithLoadBalancer", &[NAME]),
    ("DeregisterInstancesFromLoadBalancer", &[NAME]),
    ("ApplySecurityGroupsToLoadBalancer", &[NAME]),
    ("AttachLoadBalancerToSubnets", &[NAME]),
    ("DetachLoadBalancerFromSubnets", &[NAME]),
    ("EnableAvailabilityZonesForLoadBalancer", &[NAME]),
    ("DisableAvailabilityZonesForLoadBalancer", &[NAME]),
    ("AddTags", &[NAMES]),
    ("RemoveTags", &[NAMES]),
];

const NAME: &str = "req.loadBalancerName=aws_elb";
const NAMES: &str = "req.loadBalancerNames[]=aws_elb";

/// Pages of 400, the most `DescribeLoadBalancers` returns.
const PAGE: i32 = 400;
/// Names per `DescribeTags` call, its most.
const TAGS_PER_CALL: usize = 20;

/// Lists classic load balancers in the context's region.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let conf = aws_sdk_elasticloadbalancing::config::Builder::from(ctx.sdk)
        .region(ctx.region())
        .interceptor(ctx.calls.clone())
        .build();
    let client = Client::from_conf(conf);
    match family.operation {
        "elb:DescribeLoadBalancers" => list_balancers(&client, wanted).await,
        other => Err(ListError(format!("no classic ELB list {other}"))),
    }
}

async fn list_balancers(client: &Client, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_load_balancers().page_size(PAGE).into_paginator().send();
    let mut balancers = Vec::new();
    let mut attachments = Vec::new();
    let attached = declared_attachments(wanted);
    while let Some(page) = pages.next().await {
        for lb in page?.load_balancer_descriptions() {
            let Some(r) = map_balancer(lb, &attached) else { continue };
            attachments.extend(lb.instances().iter().filter_map(|i| map_attachment(&r.id, i.instance_id()?)));
            balancers.push(r);
        }
    }
    tag(client, &mut balancers).await?;
    let declared: HashSet<&String> = wanted.get(ELB).into_iter().flatten().collect();
    let names: Vec<String> = balancers.iter().map(|b| b.id.clone()).filter(|n| declared.contains(n)).collect();
    let read = bounded(names, |name| async move {
        let out = client
            .describe_load_balancer_attributes()
            .load_balancer_name(&name)
            .send()
            .await
            .map_err(ListError::reading("DescribeLoadBalancerAttributes"))?;
        Ok::<_, ListError>((name, out.load_balancer_attributes().map(attributes)))
    })
    .await;
    for r in read {
        let (name, found) = r?;
        if let (Some(b), Some(found)) = (balancers.iter_mut().find(|b| b.id == name), found) {
            b.attributes.extend(found);
        }
    }
    balancers.extend(attachments);
    Ok(balancers)
}

/// Reads the tags of these load balancers, 20 names a call.
async fn tag(client: &Client, balancers: &mut [Resource]) -> Result<(), ListError> {
    for chunk in balancers.chunks_mut(TAGS_PER_CALL) {
        let names: Vec<String> = chunk.iter().map(|r| r.id.clone()).collect();
        let out = client.describe_tags().set_load_balancer_names(Some(names)).send().await?;
        for d in out.tag_descriptions() {
            let tags: Map<String, Value> =
                d.tags().iter().map(|t| (t.key().to_owned(), Value::from(t.value().unwrap_or_default()))).collect();
            if let Some(r) = chunk.iter_mut().find(|r| Some(r.id.as_str()) == d.load_balancer_name()) {
                r.attributes.insert("tags".into(), Value::Object(tags));
            }
        }
    }
    Ok(())
}

/// The (load balancer, instance) pairs declared as `aws_elb_attachment`s.
fn declared_attachments(wanted: &Wanted) -> HashSet<(String, String)> {
    let ids = wanted.get(ATTACHMENT).into_iter().flatten();
    ids.filter_map(|id| id.split_once(',')).map(|(lb, i)| (lb.to_owned(), i.to_owned())).collect()
}

/// A classic load balancer as provider 5.x writes `aws_elb`, block for block. Its `instances`
/// are left out when a declared `aws_elb_attachment` registers one of them: the provider then
/// fills them in on refresh only, and each attachment is compared on its own.
fn map_balancer(lb: &LoadBalancerDescription, attached: &HashSet<(String, String)>) -> Option<Resource> {
    let name = lb.load_balancer_name()?;
    let mut a = Map::new();
    a.insert("name".into(), Value::from(name));
    a.insert("internal".into(), Value::from(lb.scheme() == Some("internal")));
    a.insert("subnets".into(), json!(lb.subnets()));
    a.insert("security_groups".into(), json!(lb.security_groups()));
    a.insert("availability_zones".into(), json!(lb.availability_zones()));
    let listeners: Vec<Value> = lb
        .listener_descriptions()
        .iter()
        .filter_map(|d| d.listener())
        .map(|l| {
            json!({
                "instance_port": l.instance_port(),
                // The API leaves the instance protocol out when it is the front end's.
                "instance_protocol": l.instance_protocol().unwrap_or(l.protocol()),
                "lb_port": l.load_balancer_port(),
                "lb_protocol": l.protocol(),
                "ssl_certificate_id": l.ssl_certificate_id().unwrap_or_default(),
            })
        })
        .collect();
    a.insert("listener".into(), Value::Array(listeners));
    let check = lb.health_check().map(|h| {
        json!([{
            "healthy_threshold": h.healthy_threshold(),
            "interval": h.interval(),
            "target": h.target(),
            "timeout": h.timeout(),
            "unhealthy_threshold": h.unhealthy_threshold(),
        }])
    });
    a.insert("health_check".into(), check.unwrap_or(Value::Null));
    let instances: Vec<&str> = lb.instances().iter().filter_map(|i| i.instance_id()).collect();
    if !instances.iter().any(|i| attached.contains(&(name.to_owned(), (*i).to_owned()))) {
        a.insert("instances".into(), json!(instances));
    }
    Some(live(ELB, name, a, LiveFacts::default()))
}

/// The attributes `DescribeLoadBalancerAttributes` answers, under the provider's names.
fn attributes(at: &LoadBalancerAttributes) -> Map<String, Value> {
    let mut a = Map::new();
    if let Some(c) = at.cross_zone_load_balancing() {
        a.insert("cross_zone_load_balancing".into(), Value::from(c.enabled()));
    }
    if let Some(s) = at.connection_settings() {
        a.insert("idle_timeout".into(), Value::from(s.idle_timeout()));
    }
    if let Some(d) = at.connection_draining() {
        a.insert("connection_draining".into(), Value::from(d.enabled()));
        if let Some(t) = d.timeout() {
            a.insert("connection_draining_timeout".into(), Value::from(t));
        }
    }
    if let Some(l) = at.access_log() {
        let block = json!({
            "bucket": l.s3_bucket_name().unwrap_or_default(),
            "bucket_prefix": l.s3_bucket_prefix().unwrap_or_default(),
            "enabled": l.enabled(),
            "interval": l.emit_interval(),
        });
        a.insert("access_logs".into(), json!([block]));
    }
    a
}

/// An instance registered with a load balancer. Instances are registered by Auto Scaling
/// groups and inline `instances` too: one nobody declares is its load balancer's, never
/// unmanaged.
fn map_attachment(lb: &str, instance: &str) -> Option<Resource> {
    let mut a = Map::new();
    a.insert("elb".into(), Value::from(lb));
    a.insert("instance".into(), Value::from(instance));
    let facts = LiveFacts { owner: Some(lb.to_owned()), ..LiveFacts::default() };
    Some(live(ATTACHMENT, &format!("{lb},{instance}"), a, facts))
}

/// What classic load balancers own among everything listed:
///
/// - the security group AWS makes for a VPC load balancer created without one
///   (`default_elb_<uuid>`), which every later such load balancer of the VPC shares;
/// - the registrations of instances an Auto Scaling group launched: the group registers them,
///   so the load balancer's `instances` are left uncompared (the provider fills them in only
///   on refresh), as they are for a declared attachment.
///
/// The interfaces of a load balancer are requester-managed (`amazon-elb`) and owned as such by
/// `ec2`.
pub(super) fn claim_service_owned(resources: &mut [Resource]) {
    let scaled: HashSet<String> = resources
        .iter()
        .filter(|r| r.rtype == "aws_instance")
        .filter(|r| r.live.as_ref().and_then(|l| l.owner.as_deref()).is_some_and(|o| o.starts_with(SCALED_BY)))
        .map(|r| r.id.clone())
        .collect();
    for r in resources.iter_mut() {
        match r.rtype.as_str() {
            "aws_security_group" if is_elb_made_group(text_of(&r.attributes, "name").as_str()) => {
                if let Some(facts) = r.live.as_mut() {
                    facts.owner = Some("elasticloadbalancing".into());
                }
            }
            ELB => {
                let instances = r.attributes.get("instances").and_then(Value::as_array);
                if instances.into_iter().flatten().filter_map(Value::as_str).any(|i| scaled.contains(i)) {
                    r.attributes.remove("instances");
                }
            }
            _ => {}
        }
    }
}

/// The owner `ec2` gives an instance an Auto Scaling group launched (its tag, `key=group`).
const SCALED_BY: &str = "aws:autoscaling:groupName=";

/// `default_elb_` and a UUID: the name AWS gives the group it makes.
fn is_elb_made_group(name: &str) -> bool {
    let Some(uuid) = name.strip_prefix("default_elb_") else { return false };
    let parts: Vec<&str> = uuid.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12]) && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
#[path = "elb_tests.rs"]
mod tests;
