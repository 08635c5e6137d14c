//! `aws_network_acl` from `DescribeNetworkAcls`, with its entries as Terraform's `ingress` and
//! `egress` blocks. The default deny rule (32767) is AWS's and Terraform leaves it out.

use aws_sdk_ec2::types::{NetworkAcl, NetworkAclEntry};
use serde_json::{json, Map, Value};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

pub async fn list(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_network_acls().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.network_acls().iter().filter_map(map));
    }
    Ok(out)
}

fn map(acl: &NetworkAcl) -> Option<Resource> {
    let id = acl.network_acl_id()?;
    let mut a = Map::new();
    a.insert("vpc_id".into(), text(acl.vpc_id()));
    let subnets: Vec<Value> = acl.associations().iter().filter_map(|x| x.subnet_id()).map(Value::from).collect();
    a.insert("subnet_ids".into(), Value::Array(subnets));
    for (key, egress) in [("ingress", false), ("egress", true)] {
        let rules: Vec<Value> = acl
            .entries()
            .iter()
            .filter(|e| e.egress() == Some(egress) && e.rule_number() != Some(32767))
            .map(entry)
            .collect();
        a.insert(key.into(), Value::Array(rules));
    }
    a.insert("tags".into(), tags(acl.tags()));
    let facts = LiveFacts { aws_default: acl.is_default() == Some(true), ..Default::default() };
    Some(live("aws_network_acl", id, a, facts))
}

fn entry(e: &NetworkAclEntry) -> Value {
    json!({
        "rule_no": e.rule_number(),
        "action": e.rule_action().map(|r| r.as_str()).unwrap_or(""),
        "protocol": e.protocol().unwrap_or("-1"),
        "from_port": e.port_range().and_then(|p| p.from()).unwrap_or(0),
        "to_port": e.port_range().and_then(|p| p.to()).unwrap_or(0),
        "cidr_block": e.cidr_block().unwrap_or(""),
        "ipv6_cidr_block": e.ipv6_cidr_block().unwrap_or(""),
        "icmp_type": e.icmp_type_code().and_then(|c| c.r#type()).unwrap_or(0),
        "icmp_code": e.icmp_type_code().and_then(|c| c.code()).unwrap_or(0),
    })
}
