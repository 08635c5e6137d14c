//! Who owns a network ACL's rules and subnet associations, and a VPC's main route table
//! association.
//!
//! An ACL's rules can be declared inline (`ingress`/`egress` of an `aws_network_acl`) or as
//! `aws_network_acl_rule`s, its subnets in `subnet_ids` or as `aws_network_acl_association`s;
//! both inline lists are computed, so a refreshed state lists the separate ones there too. As for
//! routes (see the module above): a separate declaration takes its child out of the inline lists
//! on both sides; the rest of a declared ACL is compared inline, unmanaged when the ACL declares
//! its children only separately, and `owner_unknown` when it does both. A rule is one per ACL,
//! direction and number, as the provider reads it, and a live rule takes the id of the
//! declaration that reads it: the provider's id hashes the protocol as the configuration
//! spelled it (`tcp` or `6`), which AWS does not keep.
//!
//! A VPC's main association is AWS's unless it points at a table Terraform made; the table a
//! declared `aws_main_route_table_association` replaced (its `original_route_table_id`) is the
//! VPC's own, never unmanaged.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::{owner_unknown, retain_rules, set_rules};
use crate::report::Change;
use crate::resource::Resource;

const ACLS: &[&str] = &["aws_network_acl", "aws_default_network_acl"];
const RULE: &str = "aws_network_acl_rule";
const ASSOCIATION: &str = "aws_network_acl_association";
const MAIN_ASSOCIATION: &str = "aws_main_route_table_association";

/// The attribute of a declared main association that names the table it replaced; read here,
/// never compared.
pub const ORIGINAL_TABLE: &str = "original_route_table_id";

fn text<'a>(r: &'a Resource, key: &str) -> &'a str {
    r.attributes.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn number(v: Option<&Value>) -> Option<i64> {
    let v = v?;
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn flag(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true))) || v.and_then(Value::as_str) == Some("true")
}

/// (direction, rule number) of an `aws_network_acl_rule`.
fn rule_key(r: &Resource) -> Option<(&'static str, i64)> {
    let dir = if flag(r.attributes.get("egress")) { "egress" } else { "ingress" };
    Some((dir, number(r.attributes.get("rule_number"))?))
}

fn block_number(block: &Value) -> Option<i64> {
    number(block.get("rule_no"))
}

pub(super) fn acl_children(declared: &mut [Resource], live: &mut [Resource], out: &mut Vec<Change>) {
    rules(declared, live, out);
    associations(declared, live, out);
}

fn declared_acls(declared: &[Resource]) -> HashMap<String, usize> {
    declared
        .iter()
        .enumerate()
        .filter(|(_, r)| ACLS.contains(&r.rtype.as_str()))
        .map(|(i, r)| (r.id.clone(), i))
        .collect()
}

fn rules(declared: &mut [Resource], live: &mut [Resource], out: &mut Vec<Change>) {
    let mut by_key: HashMap<(String, &'static str, i64), usize> = HashMap::new();
    for (i, r) in live.iter().enumerate().filter(|(_, r)| r.rtype == RULE) {
        if let Some((dir, n)) = rule_key(r) {
            by_key.insert((text(r, "network_acl_id").to_owned(), dir, n), i);
        }
    }
    let mut separate: BTreeMap<String, BTreeSet<(&'static str, i64)>> = BTreeMap::new();
    let mut claimed: BTreeSet<(String, &'static str, i64)> = BTreeSet::new();
    for d in declared.iter().filter(|d| d.rtype == RULE) {
        let Some((dir, n)) = rule_key(d) else { continue };
        let acl = text(d, "network_acl_id").to_owned();
        separate.entry(acl.clone()).or_default().insert((dir, n));
        let key = (acl, dir, n);
        if let Some(&li) = by_key.get(&key) {
            if claimed.insert(key) {
                live[li].id = d.id.clone();
            }
        }
    }
    let acls = declared_acls(declared);
    for ai in 0..live.len() {
        if live[ai].rtype != "aws_network_acl" {
            continue;
        }
        let acl = live[ai].id.clone();
        let Some(&di) = acls.get(&acl) else { continue };
        let sep = separate.remove(&acl).unwrap_or_default();
        for dir in ["ingress", "egress"] {
            retain_rules(&mut declared[di], dir, |b| !block_number(b).is_some_and(|n| sep.contains(&(dir, n))));
        }
        if sep.is_empty() {
            continue;
        }
        let inline: BTreeSet<(&str, i64)> = ["ingress", "egress"]
            .iter()
            .flat_map(|dir| {
                let blocks = declared[di].attributes.get(*dir).and_then(Value::as_array).cloned().unwrap_or_default();
                blocks.iter().filter_map(block_number).map(|n| (*dir, n)).collect::<Vec<_>>()
            })
            .collect();
        let address = declared[di].declared.as_ref().map(|d| d.address.clone());
        for dir in ["ingress", "egress"] {
            let blocks = live[ai].attributes.get(dir).and_then(Value::as_array).cloned().unwrap_or_default();
            let mut kept = Vec::new();
            for block in blocks {
                let Some(n) = block_number(&block) else { continue };
                if claimed.contains(&(acl.clone(), dir, n)) {
                    continue;
                }
                if inline.contains(&(dir, n)) {
                    kept.push(block);
                    continue;
                }
                let child = by_key.get(&(acl.clone(), dir, n)).copied();
                match (inline.is_empty(), child) {
                    (true, Some(ci)) => {
                        if let Some(f) = live[ci].live.as_mut() {
                            f.owner = None;
                        }
                    }
                    _ => out.push(owner_unknown(
                        child.map(|ci| &live[ci]),
                        &acl,
                        address.as_deref(),
                        dir,
                        block,
                        live[ai].region.clone(),
                        "aws_network_acl",
                    )),
                }
            }
            set_rules(&mut live[ai], dir, kept);
        }
    }
}

fn associations(declared: &mut [Resource], live: &mut [Resource], out: &mut Vec<Change>) {
    let live_ids: BTreeSet<String> = live.iter().filter(|r| r.rtype == ASSOCIATION).map(|r| r.id.clone()).collect();
    let by_subnet: HashMap<String, usize> = live
        .iter()
        .enumerate()
        .filter(|(_, r)| r.rtype == ASSOCIATION)
        .map(|(i, r)| (text(r, "subnet_id").to_owned(), i))
        .collect();
    let mut separate: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut claimed: BTreeSet<String> = BTreeSet::new();
    for d in declared.iter().filter(|d| d.rtype == ASSOCIATION) {
        let subnet = text(d, "subnet_id").to_owned();
        separate.entry(text(d, "network_acl_id").to_owned()).or_default().insert(subnet.clone());
        if live_ids.contains(&d.id) {
            claimed.insert(subnet);
        }
    }
    let acls = declared_acls(declared);
    for ai in 0..live.len() {
        if live[ai].rtype != "aws_network_acl" {
            continue;
        }
        let acl = live[ai].id.clone();
        let Some(&di) = acls.get(&acl) else { continue };
        let sep = separate.remove(&acl).unwrap_or_default();
        let subnets = |r: &Resource| -> Vec<String> {
            let list = r.attributes.get("subnet_ids").and_then(Value::as_array);
            list.into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
        };
        let inline: Vec<String> = subnets(&declared[di]).into_iter().filter(|s| !sep.contains(s)).collect();
        set_subnets(&mut declared[di], &inline);
        if sep.is_empty() {
            continue;
        }
        let address = declared[di].declared.as_ref().map(|d| d.address.clone());
        let mut kept = Vec::new();
        for subnet in subnets(&live[ai]) {
            if claimed.contains(&subnet) {
                continue;
            }
            if inline.contains(&subnet) {
                kept.push(subnet);
                continue;
            }
            let child = by_subnet.get(&subnet).copied();
            match (inline.is_empty(), child) {
                (true, Some(ci)) => {
                    if let Some(f) = live[ci].live.as_mut() {
                        f.owner = None;
                    }
                }
                _ => out.push(owner_unknown(
                    child.map(|ci| &live[ci]),
                    &acl,
                    address.as_deref(),
                    "subnet_ids",
                    Value::from(subnet),
                    live[ai].region.clone(),
                    "aws_network_acl",
                )),
            }
        }
        set_subnets(&mut live[ai], &kept);
    }
}

fn set_subnets(r: &mut Resource, subnets: &[String]) {
    let v = if subnets.is_empty() { Value::Null } else { subnets.iter().map(|s| Value::from(s.as_str())).collect() };
    r.attributes.insert("subnet_ids".into(), v);
}

/// A main association pointing at a table Terraform made was made by hand unless declared; the
/// table a declared one replaced stays the VPC's own.
pub(super) fn main_associations(declared: &mut [Resource], live: &mut [Resource]) {
    let made: BTreeSet<&str> =
        declared.iter().filter(|d| d.rtype == "aws_route_table").map(|d| d.id.as_str()).collect();
    let mut originals: BTreeSet<String> = BTreeSet::new();
    for d in declared.iter().filter(|d| d.rtype == MAIN_ASSOCIATION) {
        let original = text(d, ORIGINAL_TABLE);
        if !original.is_empty() {
            originals.insert(original.to_owned());
        }
    }
    let made: BTreeSet<String> = made.into_iter().map(str::to_owned).collect();
    for d in declared.iter_mut().filter(|d| d.rtype == MAIN_ASSOCIATION) {
        d.attributes.remove(ORIGINAL_TABLE);
    }
    for l in live.iter_mut() {
        let Some(facts) = l.live.as_mut() else { continue };
        match l.rtype.as_str() {
            MAIN_ASSOCIATION if made.contains(text_of(&l.attributes, "route_table_id")) => facts.aws_default = false,
            "aws_route_table" if originals.contains(&l.id) => facts.aws_default = true,
            _ => {}
        }
    }
}

fn text_of<'a>(a: &'a serde_json::Map<String, Value>, key: &str) -> &'a str {
    a.get(key).and_then(Value::as_str).unwrap_or_default()
}
