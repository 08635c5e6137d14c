//! `aws_security_group` with its inline `ingress` and `egress` from `DescribeSecurityGroups`.
//! Rules are emitted one per source in Terraform's rule shape; `normalise` canonicalises them.

use aws_sdk_ec2::types::{IpPermission, SecurityGroup};
use serde_json::{json, Map, Value};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

pub async fn list(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_security_groups().max_results(PAGE).into_paginator().send();
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
