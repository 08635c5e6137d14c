//! `aws_security_group` with its inline `ingress` and `egress` from `DescribeSecurityGroups`.
//! Rules are emitted one per source in Terraform's rule shape; `normalise` canonicalises them.

use aws_sdk_ec2::types::{IpPermission, SecurityGroup, SecurityGroupRule};
use serde_json::{json, Map, Value};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

/// Every group, or with `only` those groups.
pub async fn list(client: &aws_sdk_ec2::Client, only: Option<Vec<String>>) -> Result<Vec<Resource>, ListError> {
    let mut req = client.describe_security_groups().max_results(PAGE);
    if let Some(ids) = only {
        req = req.filters(super::id_filter("group-id", ids));
    }
    let mut pages = req.into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.security_groups().iter().filter_map(map));
    }
    Ok(out)
}

fn map(g: &SecurityGroup) -> Option<Resource> {
    let id = g.group_id()?;
    let mut a = Map::new();
    a.insert("name".into(), text(g.group_name()));
    a.insert("description".into(), text(g.description()));
    a.insert("vpc_id".into(), text(g.vpc_id()));
    a.insert("ingress".into(), rules(g.ip_permissions()));
    a.insert("egress".into(), rules(g.ip_permissions_egress()));
    a.insert("tags".into(), tags(g.tags()));
    // Every VPC gets a group named `default` from AWS; Terraform adopts it only through
    // `aws_default_security_group`.
    let facts = LiveFacts { aws_default: g.group_name() == Some("default"), ..Default::default() };
    Some(live("aws_security_group", id, a, facts))
}

/// API permissions -> Terraform-shaped rules, one per source.
pub fn rules(perms: &[IpPermission]) -> Value {
    let mut out = Vec::new();
    for p in perms {
        let rule = |key: &str, source: &str, description: Option<&str>| {
            json!({
                "protocol": p.ip_protocol().unwrap_or("-1"),
                "from_port": p.from_port(),
                "to_port": p.to_port(),
                key: [source],
                "description": description.unwrap_or(""),
            })
        };
        for r in p.ip_ranges() {
            out.extend(r.cidr_ip().map(|c| rule("cidr_blocks", c, r.description())));
        }
        for r in p.ipv6_ranges() {
            out.extend(r.cidr_ipv6().map(|c| rule("ipv6_cidr_blocks", c, r.description())));
        }
        for r in p.prefix_list_ids() {
            out.extend(r.prefix_list_id().map(|c| rule("prefix_list_ids", c, r.description())));
        }
        for r in p.user_id_group_pairs() {
            out.extend(r.group_id().map(|c| rule("security_groups", c, r.description())));
        }
    }
    Value::Array(out)
}

/// `aws_vpc_security_group_ingress_rule` and `..._egress_rule` from `DescribeSecurityGroupRules`:
/// one rule per source, each with its `sgr-` id. Every rule starts as part of its group;
/// `ownership` decides which are managed on their own, inline, or not at all.
pub async fn list_rules(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_security_group_rules().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.security_group_rules().iter().filter_map(map_rule));
    }
    Ok(out)
}

fn map_rule(r: &SecurityGroupRule) -> Option<Resource> {
    let id = r.security_group_rule_id()?;
    let group = r.group_id()?;
    let rtype = if r.is_egress() == Some(true) {
        "aws_vpc_security_group_egress_rule"
    } else {
        "aws_vpc_security_group_ingress_rule"
    };
    let mut a = Map::new();
    a.insert("security_group_id".into(), Value::from(group));
    a.insert("ip_protocol".into(), text(r.ip_protocol()));
    a.insert("from_port".into(), r.from_port().map_or(Value::Null, Value::from));
    a.insert("to_port".into(), r.to_port().map_or(Value::Null, Value::from));
    a.insert("cidr_ipv4".into(), text(r.cidr_ipv4()));
    a.insert("cidr_ipv6".into(), text(r.cidr_ipv6()));
    a.insert("prefix_list_id".into(), text(r.prefix_list_id()));
    a.insert("referenced_security_group_id".into(), text(r.referenced_group_info().and_then(|g| g.group_id())));
    a.insert("description".into(), text(r.description()));
    a.insert("tags".into(), tags(r.tags()));
    let facts = LiveFacts { owner: Some(group.to_owned()), parent: Some(group.to_owned()), ..Default::default() };
    Some(live(rtype, id, a, facts))
}
