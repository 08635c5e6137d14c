//! `aws_network_acl` from `DescribeNetworkAcls`, with its entries as Terraform's `ingress` and
//! `egress` blocks; each entry also as an `aws_network_acl_rule` and each subnet association as
//! an `aws_network_acl_association`, so either way of declaring them can be matched
//! (`ownership::network` decides which owns a live one). The default deny rule (32767) is AWS's:
//! Terraform leaves it out and it is never a rule of its own.

use aws_sdk_ec2::types::{NetworkAcl, NetworkAclEntry};
use serde_json::{json, Map, Value};

use super::{live, tags, text, ListError, PAGE};
use crate::resource::{LiveFacts, Resource};

/// The rule number of the deny-all entry every ACL ends with.
const DEFAULT_RULE: i32 = 32767;

pub async fn list(client: &aws_sdk_ec2::Client) -> Result<Vec<Resource>, ListError> {
    let mut pages = client.describe_network_acls().max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        for acl in page?.network_acls() {
            out.extend(map(acl));
        }
    }
    Ok(out)
}

/// The id the AWS provider gives an `aws_network_acl_rule`: `nacl-` and the CRC-32 of
/// `ACL-RULE_NUMBER-EGRESS-PROTOCOL-`, the protocol as the configuration spelled it.
pub fn rule_id(acl: &str, rule_number: i64, egress: bool, protocol: &str) -> String {
    format!("nacl-{}", crc32fast::hash(format!("{acl}-{rule_number}-{egress}-{protocol}-").as_bytes()))
}

/// A protocol as the provider records it, by its IANA number: `tcp` and `6` are one protocol,
/// `all` is `-1`. Names the provider knows but this table does not are kept as written.
pub fn protocol_number(p: &str) -> String {
    let p = p.trim().to_ascii_lowercase();
    let number = match p.as_str() {
        "all" => "-1",
        "icmp" => "1",
        "igmp" => "2",
        "tcp" => "6",
        "udp" => "17",
        "gre" => "47",
        "esp" => "50",
        "ah" => "51",
        "ipv6-icmp" | "icmpv6" => "58",
        "sctp" => "132",
        _ => return p,
    };
    number.to_owned()
}

/// `ACL:RULE_NUMBER:PROTOCOL:EGRESS`, the provider's import id.
pub fn rule_import_id(_id: &str, a: &Map<String, Value>) -> String {
    let field = |k: &str| match a.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(v) if !v.is_null() => v.to_string(),
        _ => String::new(),
    };
    format!("{}:{}:{}:{}", field("network_acl_id"), field("rule_number"), field("protocol"), field("egress"))
}

fn map(acl: &NetworkAcl) -> Vec<Resource> {
    let Some(id) = acl.network_acl_id() else { return Vec::new() };
    let mut a = Map::new();
    a.insert("vpc_id".into(), text(acl.vpc_id()));
    let subnets: Vec<Value> = acl.associations().iter().filter_map(|x| x.subnet_id()).map(Value::from).collect();
    a.insert("subnet_ids".into(), Value::Array(subnets));
    let entries: Vec<&NetworkAclEntry> =
        acl.entries().iter().filter(|e| e.rule_number() != Some(DEFAULT_RULE)).collect();
    for (key, egress) in [("ingress", false), ("egress", true)] {
        let rules = entries.iter().filter(|e| e.egress() == Some(egress)).map(|e| entry(e)).collect();
        a.insert(key.into(), Value::Array(rules));
    }
    a.insert("tags".into(), tags(acl.tags()));
    let facts = LiveFacts { aws_default: acl.is_default() == Some(true), ..Default::default() };
    let mut out = vec![live("aws_network_acl", id, a, facts)];

    // Parts of the ACL, owned by it until `ownership` finds a separate declaration can hold them.
    let part = || LiveFacts { owner: Some(id.to_owned()), parent: Some(id.to_owned()), ..Default::default() };
    out.extend(entries.iter().filter_map(|e| rule(id, e, part())));
    for assoc in acl.associations() {
        let Some(assoc_id) = assoc.network_acl_association_id() else { continue };
        let mut a = Map::new();
        a.insert("network_acl_id".into(), Value::from(id));
        a.insert("subnet_id".into(), text(assoc.subnet_id()));
        out.push(live("aws_network_acl_association", assoc_id, a, part()));
    }
    out
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

/// One entry as the `aws_network_acl_rule` the provider reads back: ports and ICMP fields only
/// where AWS keeps them (the normalisation drops them where the protocol has none).
fn rule(acl: &str, e: &NetworkAclEntry, facts: LiveFacts) -> Option<Resource> {
    let number = i64::from(e.rule_number()?);
    let egress = e.egress()?;
    let protocol = protocol_number(e.protocol().unwrap_or("-1"));
    let mut a = Map::new();
    a.insert("network_acl_id".into(), Value::from(acl));
    a.insert("rule_number".into(), json!(number));
    a.insert("egress".into(), json!(egress));
    a.insert("protocol".into(), Value::from(protocol.as_str()));
    a.insert("rule_action".into(), text(e.rule_action().map(|r| r.as_str())));
    a.insert("cidr_block".into(), text(e.cidr_block()));
    a.insert("ipv6_cidr_block".into(), text(e.ipv6_cidr_block()));
    if let Some(ports) = e.port_range() {
        a.insert("from_port".into(), json!(ports.from()));
        a.insert("to_port".into(), json!(ports.to()));
    }
    if let Some(icmp) = e.icmp_type_code() {
        a.insert("icmp_type".into(), json!(icmp.r#type()));
        a.insert("icmp_code".into(), json!(icmp.code()));
    }
    Some(live("aws_network_acl_rule", &rule_id(acl, number, egress, &protocol), a, facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{NetworkAclAssociation, PortRange, RuleAction};

    #[test]
    fn rules_have_the_providers_id_and_protocol_numbers() {
        // CRC-32 (IEEE) of "acl-0a1b2c3d-100-false-6-", as the provider hashes it.
        assert_eq!(rule_id("acl-0a1b2c3d", 100, false, "6"), "nacl-3674362089");
        assert_eq!(protocol_number("TCP"), "6");
        assert_eq!(protocol_number("all"), "-1");
        assert_eq!(protocol_number("ipv6-icmp"), "58");
        assert_eq!(protocol_number("17"), "17");

        let entry = |number: i32, egress: bool| {
            NetworkAclEntry::builder()
                .rule_number(number)
                .egress(egress)
                .protocol("6")
                .rule_action(RuleAction::Allow)
                .cidr_block("10.0.0.0/8")
                .port_range(PortRange::builder().from(443).to(443).build())
                .build()
        };
        let acl = NetworkAcl::builder()
            .network_acl_id("acl-1")
            .vpc_id("vpc-1")
            .entries(entry(100, false))
            .entries(entry(DEFAULT_RULE, false))
            .entries(entry(DEFAULT_RULE, true))
            .associations(
                NetworkAclAssociation::builder()
                    .network_acl_association_id("aclassoc-1")
                    .network_acl_id("acl-1")
                    .subnet_id("subnet-1")
                    .build(),
            )
            .build();
        let out = map(&acl);
        let rules: Vec<&Resource> = out.iter().filter(|r| r.rtype == "aws_network_acl_rule").collect();
        assert_eq!(rules.len(), 1, "the default rule is no rule of its own: {out:#?}");
        assert_eq!(rules[0].id, rule_id("acl-1", 100, false, "6"));
        assert_eq!(rules[0].attributes["from_port"], 443);
        assert!(!rules[0].attributes.contains_key("icmp_type"), "AWS keeps no ICMP fields for TCP");
        assert_eq!(rule_import_id(&rules[0].id, &rules[0].attributes), "acl-1:100:6:false");
        let assoc = out.iter().find(|r| r.rtype == "aws_network_acl_association").unwrap();
        assert_eq!((assoc.id.as_str(), &assoc.attributes["subnet_id"]), ("aclassoc-1", &json!("subnet-1")));
        assert_eq!(
            assoc.live.as_ref().unwrap().owner.as_deref(),
            Some("acl-1"),
            "the ACL's until a declaration holds it"
        );
    }
}
