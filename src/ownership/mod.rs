//! Who owns a security group rule or a route (and, in `iam`, a role's policies; in `network`, a
//! network ACL's rules and subnets). Both can be declared three ways: inline in their
//! parent (`ingress` of an `aws_security_group`, `route` of an `aws_route_table`), on their own
//! (`aws_security_group_rule`, `aws_vpc_security_group_*_rule`, `aws_route`), or not at all.
//! Comparing the parent's inline list with what AWS has would report every separately declared
//! rule as drift; reporting every live rule on its own would report every inline one as
//! unmanaged. This pass decides, per parent, from what the states declare:
//!
//! - a live child that a separate declaration describes is that declaration's, and leaves the
//!   parent's inline list on both sides;
//! - a parent declared with no separate children owns the rest inline: a new rule is drift of
//!   the parent;
//! - a parent declared only through separate children leaves the rest unmanaged, reported as
//!   the separate type with the id to import it by;
//! - a parent declared both ways cannot tell: the rest is reported `owner_unknown`, never
//!   unmanaged;
//! - a child of an undeclared parent goes with its parent, which is reported itself.
//!
//! Runs on normalised resources, after `normalise` and before `diff`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Map, Value};

mod iam;
mod network;
mod tags;

use crate::normalise::explode_rule;
use crate::report::{Change, ChangeKind};
use crate::resource::{LiveFacts, Resource};

const GROUPS: &[&str] = &["aws_security_group", "aws_default_security_group"];
const TABLES: &[&str] = &["aws_route_table", "aws_default_route_table"];

/// Decides the owner of every live rule and route; returns the children whose owner cannot be
/// known.
pub fn decide(declared: &mut [Resource], live: &mut Vec<Resource>) -> Vec<Change> {
    let mut out = Vec::new();
    security_group_rules(declared, live, &mut out);
    routes(declared, live, &mut out);
    network::acl_children(declared, live, &mut out);
    network::main_associations(declared, live);
    iam::policies(declared, live, &mut out);
    tags::ec2_tags(declared, live);
    out
}

/// A rule's identity without its description: the description is compared, not matched on.
fn rule_key(canonical: &Value) -> String {
    let mut c = canonical.clone();
    if let Some(o) = c.as_object_mut() {
        o.remove("description");
    }
    c.to_string()
}

/// `aws_security_group_rule` attributes -> canonical rules, one per source.
fn standalone_rule_canonicals(r: &Resource) -> Vec<Value> {
    let a = &r.attributes;
    let group = a.get("security_group_id").and_then(Value::as_str).unwrap_or_default();
    let mut shaped = a.clone();
    if let Some(src) = a.get("source_security_group_id").and_then(Value::as_str) {
        shaped.insert("security_groups".into(), json!([src]));
    }
    explode_rule(&Value::Object(shaped), group)
}

/// `aws_vpc_security_group_*_rule` attributes -> its one canonical rule.
fn vpc_rule_canonical(a: &Map<String, Value>) -> Option<Value> {
    let text = |k: &str| a.get(k).and_then(Value::as_str).map(str::to_owned);
    let group = text("security_group_id").unwrap_or_default();
    let mut shaped = Map::new();
    shaped.insert("protocol".into(), a.get("ip_protocol").cloned().unwrap_or(Value::Null));
    shaped.insert("from_port".into(), a.get("from_port").cloned().unwrap_or(Value::Null));
    shaped.insert("to_port".into(), a.get("to_port").cloned().unwrap_or(Value::Null));
    shaped.insert("description".into(), a.get("description").cloned().unwrap_or(Value::Null));
    if let Some(c) = text("cidr_ipv4") {
        shaped.insert("cidr_blocks".into(), json!([c]));
    } else if let Some(c) = text("cidr_ipv6") {
        shaped.insert("ipv6_cidr_blocks".into(), json!([c]));
    } else if let Some(c) = text("prefix_list_id") {
        shaped.insert("prefix_list_ids".into(), json!([c]));
    } else if let Some(c) = text("referenced_security_group_id") {
        shaped.insert("security_groups".into(), json!([c]));
    }
    explode_rule(&Value::Object(shaped), &group).into_iter().next()
}

fn direction(rtype: &str) -> &'static str {
    if rtype.ends_with("egress_rule") {
        "egress"
    } else {
        "ingress"
    }
}

/// Per parent id and inline attribute: keys of children.
type Keys = BTreeMap<(String, &'static str), BTreeSet<String>>;

fn security_group_rules(declared: &mut [Resource], live: &mut Vec<Resource>, out: &mut Vec<Change>) {
    // Live inline rules of each group, by key.
    let mut live_inline: BTreeMap<(String, &'static str), Vec<Value>> = BTreeMap::new();
    for g in live.iter().filter(|r| GROUPS.contains(&r.rtype.as_str())) {
        for dir in ["ingress", "egress"] {
            let rules = g.attributes.get(dir).and_then(Value::as_array).cloned().unwrap_or_default();
            live_inline.insert((g.id.clone(), dir), rules);
        }
    }
    let live_rule_ids: BTreeSet<(String, String)> = live
        .iter()
        .filter(|r| r.rtype.starts_with("aws_vpc_security_group_"))
        .map(|r| (r.rtype.clone(), r.id.clone()))
        .collect();

    let mut separate: Keys = BTreeMap::new();
    let mut claimed: Keys = BTreeMap::new();
    let mut synthesized = Vec::new();
    for d in declared.iter() {
        match d.rtype.as_str() {
            "aws_security_group_rule" => {
                let group = d.attributes.get("security_group_id").and_then(Value::as_str).unwrap_or_default();
                let dir = if d.attributes.get("type").and_then(Value::as_str) == Some("egress") {
                    "egress"
                } else {
                    "ingress"
                };
                let canon = standalone_rule_canonicals(d);
                let wanted: BTreeSet<String> = canon.iter().map(rule_key).collect();
                separate.entry((group.to_owned(), dir)).or_default().extend(wanted.iter().cloned());
                let Some(have) = live_inline.get(&(group.to_owned(), dir)) else { continue };
                let found: Vec<&Value> = have.iter().filter(|r| wanted.contains(&rule_key(r))).collect();
                if found.is_empty() {
                    continue;
                }
                claimed.entry((group.to_owned(), dir)).or_default().extend(found.iter().map(|r| rule_key(r)));
                synthesized.push(live_standalone_rule(d, &found));
            }
            "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
                let Some(canon) = vpc_rule_canonical(&d.attributes) else { continue };
                let group = d.attributes.get("security_group_id").and_then(Value::as_str).unwrap_or_default();
                let key = ((group.to_owned()), direction(&d.rtype));
                separate.entry(key.clone()).or_default().insert(rule_key(&canon));
                if live_rule_ids.contains(&(d.rtype.clone(), d.id.clone())) {
                    claimed.entry(key).or_default().insert(rule_key(&canon));
                }
            }
            _ => {}
        }
    }
    live.extend(synthesized);

    // Live `sgr-` rules by group, direction and key, to name an unmanaged one.
    let mut by_key: HashMap<(String, &'static str, String), usize> = HashMap::new();
    for (i, r) in live.iter().enumerate().filter(|(_, r)| r.rtype.starts_with("aws_vpc_security_group_")) {
        if let Some(c) = vpc_rule_canonical(&r.attributes) {
            let group = r.attributes.get("security_group_id").and_then(Value::as_str).unwrap_or_default();
            by_key.insert((group.to_owned(), direction(&r.rtype), rule_key(&c)), i);
        }
    }

    let declared_groups: HashMap<String, usize> = declared
        .iter()
        .enumerate()
        .filter(|(_, r)| GROUPS.contains(&r.rtype.as_str()))
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    for gi in 0..live.len() {
        if !GROUPS.contains(&live[gi].rtype.as_str()) {
            continue;
        }
        let gid = live[gi].id.clone();
        let Some(&di) = declared_groups.get(&gid) else { continue };
        let has_separate = ["ingress", "egress"].iter().any(|d| separate.contains_key(&(gid.clone(), *d)));
        // The declared inline rules, less those declared separately (a refreshed state lists them too).
        for dir in ["ingress", "egress"] {
            let sep = separate.get(&(gid.clone(), dir)).cloned().unwrap_or_default();
            retain_rules(&mut declared[di], dir, |r| !sep.contains(&rule_key(r)));
        }
        let inline_declared = ["ingress", "egress"]
            .iter()
            .any(|dir| declared[di].attributes.get(*dir).and_then(Value::as_array).is_some_and(|a| !a.is_empty()));
        let address = declared[di].declared.as_ref().map(|d| d.address.clone());
        for dir in ["ingress", "egress"] {
            let taken = claimed.get(&(gid.clone(), dir)).cloned().unwrap_or_default();
            let rest: Vec<Value> = live_inline
                .get(&(gid.clone(), dir))
                .into_iter()
                .flatten()
                .filter(|r| !taken.contains(&rule_key(r)))
                .cloned()
                .collect();
            if !has_separate {
                retain_rules(&mut live[gi], dir, |r| !taken.contains(&rule_key(r)));
                continue;
            }
            // Separate children exist: nothing unclaimed stays inline on the live side.
            retain_rules(&mut live[gi], dir, |_| false);
            if inline_declared {
                // Whatever the declared inline list still holds is compared as inline.
                let inline: BTreeSet<String> = declared[di]
                    .attributes
                    .get(dir)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(rule_key)
                    .collect();
                let kept: Vec<Value> = rest.iter().filter(|r| inline.contains(&rule_key(r))).cloned().collect();
                set_rules(&mut live[gi], dir, kept);
            }
            for rule in rest {
                let key = rule_key(&rule);
                if inline_declared && declared_inline_has(&declared[di], dir, &key) {
                    continue;
                }
                let child = by_key.get(&(gid.clone(), dir, key)).copied();
                match (inline_declared, child) {
                    (false, Some(ci)) => {
                        // Unmanaged on its own: reported as the separate type, importable by its id.
                        if let Some(f) = live[ci].live.as_mut() {
                            f.owner = None;
                        }
                    }
                    _ => out.push(owner_unknown(
                        child.map(|ci| &live[ci]),
                        &gid,
                        address.as_deref(),
                        dir,
                        rule,
                        live[gi].region.clone(),
                        "aws_security_group",
                    )),
                }
            }
        }
    }
}

fn declared_inline_has(r: &Resource, dir: &str, key: &str) -> bool {
    r.attributes.get(dir).and_then(Value::as_array).into_iter().flatten().any(|x| rule_key(x) == key)
}

fn retain_rules(r: &mut Resource, attr: &str, keep: impl Fn(&Value) -> bool) {
    if let Some(Value::Array(rules)) = r.attributes.get_mut(attr) {
        rules.retain(|x| keep(x));
        if rules.is_empty() {
            r.attributes.insert(attr.into(), Value::Null);
        }
    }
}

fn set_rules(r: &mut Resource, attr: &str, rules: Vec<Value>) {
    let v = if rules.is_empty() { Value::Null } else { Value::Array(rules) };
    r.attributes.insert(attr.into(), v);
}

/// The live counterpart of a declared `aws_security_group_rule`: its attributes, with the
/// sources narrowed to those AWS still has and the description AWS holds.
fn live_standalone_rule(d: &Resource, found: &[&Value]) -> Resource {
    let sources: BTreeSet<&str> = found.iter().filter_map(|r| r.get("source").and_then(Value::as_str)).collect();
    let mut a = d.attributes.clone();
    for key in ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"] {
        if let Some(Value::Array(list)) = a.get_mut(key) {
            list.retain(|v| v.as_str().is_some_and(|s| sources.contains(s)));
            if list.is_empty() {
                a.insert(key.into(), Value::Null);
            }
        }
    }
    if let Some(src) = a.get("source_security_group_id").and_then(Value::as_str) {
        let group = a.get("security_group_id").and_then(Value::as_str).unwrap_or_default();
        let as_source = if src == group { "self" } else { src };
        if !sources.contains(as_source) {
            a.insert("source_security_group_id".into(), Value::Null);
        }
    }
    if a.get("self").and_then(Value::as_bool) == Some(true) && !sources.contains("self") {
        a.insert("self".into(), Value::Null);
    }
    let description = found.first().and_then(|r| r.get("description")).and_then(Value::as_str).unwrap_or("");
    a.insert("description".into(), if description.is_empty() { Value::Null } else { Value::from(description) });
    Resource {
        rtype: d.rtype.clone(),
        id: d.id.clone(),
        region: d.region.clone(),
        attributes: a,
        declared: None,
        live: Some(LiveFacts::default()),
    }
}

pub(crate) fn owner_unknown(
    child: Option<&Resource>,
    parent: &str,
    parent_address: Option<&str>,
    attr: &str,
    value: Value,
    region: Option<String>,
    parent_type: &str,
) -> Change {
    let (rtype, id) = match child {
        Some(c) => (c.rtype.clone(), c.id.clone()),
        None => (parent_type.to_owned(), parent.to_owned()),
    };
    Change {
        kind: ChangeKind::OwnerUnknown,
        address: None,
        rtype,
        id,
        region: region.unwrap_or_default(),
        attribute: Some(attr.to_owned()),
        declared: None,
        actual: Some(value),
        detail: Some(format!(
            "part of {} ({parent}), which declares its {attr} both inline and as separate resources: \
             cannot tell which should hold it",
            parent_address.unwrap_or(parent)
        )),
        ..Change::default()
    }
}

/// An `aws_route`'s attributes -> the key of the `route` block it is.
fn route_key_of_resource(a: &Map<String, Value>) -> String {
    let mut block = BTreeMap::new();
    for &(to, from) in crate::catalog::ROUTE_FIELDS {
        if let Some(v) = a.get(from).filter(|v| !v.is_null() && v.as_str() != Some("")) {
            block.insert(to.to_owned(), v.clone());
        }
    }
    serde_json::to_string(&block).unwrap_or_default()
}

/// A `route` block (already stripped of empty fields by `normalise`) -> its key.
fn route_key_of_block(v: &Value) -> String {
    let block: BTreeMap<String, Value> = v
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !matches!(k.as_str(), "carrier_gateway_id" | "local_gateway_id" | "core_network_arn"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    serde_json::to_string(&block).unwrap_or_default()
}

fn routes(declared: &mut [Resource], live: &mut [Resource], out: &mut Vec<Change>) {
    let live_ids: BTreeSet<String> = live.iter().filter(|r| r.rtype == "aws_route").map(|r| r.id.clone()).collect();
    let mut separate: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut claimed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for d in declared.iter().filter(|d| d.rtype == "aws_route") {
        let table = d.attributes.get("route_table_id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let key = route_key_of_resource(&d.attributes);
        separate.entry(table.clone()).or_default().insert(key.clone());
        if live_ids.contains(&d.id) {
            claimed.entry(table).or_default().insert(key);
        }
    }
    let mut by_key: HashMap<(String, String), usize> = HashMap::new();
    for (i, r) in live.iter().enumerate().filter(|(_, r)| r.rtype == "aws_route") {
        let table = r.attributes.get("route_table_id").and_then(Value::as_str).unwrap_or_default().to_owned();
        by_key.insert((table, route_key_of_resource(&r.attributes)), i);
    }
    let declared_tables: HashMap<String, usize> = declared
        .iter()
        .enumerate()
        .filter(|(_, r)| TABLES.contains(&r.rtype.as_str()))
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    for ti in 0..live.len() {
        if !TABLES.contains(&live[ti].rtype.as_str()) {
            continue;
        }
        let tid = live[ti].id.clone();
        let Some(&di) = declared_tables.get(&tid) else { continue };
        let sep = separate.get(&tid).cloned().unwrap_or_default();
        let taken = claimed.get(&tid).cloned().unwrap_or_default();
        retain_rules(&mut declared[di], "route", |r| !sep.contains(&route_key_of_block(r)));
        let inline: BTreeSet<String> = declared[di]
            .attributes
            .get("route")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(route_key_of_block)
            .collect();
        let rest: Vec<Value> = live[ti]
            .attributes
            .get("route")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|r| !taken.contains(&route_key_of_block(r)))
            .cloned()
            .collect();
        if sep.is_empty() {
            retain_rules(&mut live[ti], "route", |r| !taken.contains(&route_key_of_block(r)));
            continue;
        }
        let kept: Vec<Value> = rest.iter().filter(|r| inline.contains(&route_key_of_block(r))).cloned().collect();
        set_rules(&mut live[ti], "route", kept);
        let address = declared[di].declared.as_ref().map(|d| d.address.clone());
        for route in rest {
            let key = route_key_of_block(&route);
            if inline.contains(&key) {
                continue;
            }
            let child = by_key.get(&(tid.clone(), key)).copied();
            match (inline.is_empty(), child) {
                (true, Some(ci)) => {
                    if let Some(f) = live[ci].live.as_mut() {
                        f.owner = None;
                    }
                }
                _ => out.push(owner_unknown(
                    child.map(|ci| &live[ci]),
                    &tid,
                    address.as_deref(),
                    "route",
                    route,
                    live[ti].region.clone(),
                    "aws_route_table",
                )),
            }
        }
    }
}
