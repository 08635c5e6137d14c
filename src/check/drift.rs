//! The drift Terraform saw (`resource_drift`), as a scan would report it.
//!
//! Terraform compares what its state held with what the provider read back, spelling for
//! spelling: `tags: null -> {}`, `description: null -> ""`, a security group's inline rules going
//! from `[]` to the rules the same state declares as separate `aws_security_group_rule`
//! resources. None of these is a change anyone made, and a scan never reports them: its
//! normalisation passes and its rule and route ownership remove them. Here both sides of
//! Terraform's drift go through the same passes ([`normalise_refreshed`]) and the same ownership
//! ([`ownership::decide`]), with the plan's prior state declaring the separate rules and routes,
//! before `check` reports the drift or counts it as clobbered. What is left is shown with the
//! scan's values (rules read `tcp 22-22 0.0.0.0/0`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::{Drift, Seen};
use crate::normalise::normalise_refreshed;
use crate::ownership;
use crate::plan::{Action, AttrChange, Plan, ResourceChange};
use crate::resource::{Declaration, LiveFacts, Resource};

/// Types declared apart from their parent (a rule of a group, a route of a table): which of the
/// parent's inline entries they own is decided from them.
const CHILDREN: &[&str] = &[
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_route",
];

/// Terraform's drift, normalised and with owned children taken out; updates whose every
/// attribute turns out to be no drift are left out, deletions are kept as they are.
pub fn from_plan(plan: &Plan) -> Vec<Drift> {
    let prior: BTreeMap<&str, &Resource> =
        plan.prior.iter().filter_map(|r| Some((r.declared.as_ref()?.address.as_str(), r))).collect();
    let updates: Vec<&ResourceChange> = plan.drift.iter().filter(|d| d.action != Action::Delete).collect();
    let drifted: BTreeSet<&str> = updates.iter().map(|d| d.address.as_str()).collect();

    // The drifted resources first, each at the same index on both sides: what the state held,
    // and what the provider read. Attributes that did not drift are the prior state's on both.
    let mut declared = Vec::new();
    let mut live = Vec::new();
    for d in &updates {
        let base = prior.get(d.address.as_str()).map(|r| r.attributes.clone()).unwrap_or_default();
        let (mut before, mut after) = (base.clone(), base);
        // A sensitive value reads `(sensitive)` on both sides; it is reported as Terraform saw it.
        for a in d.attributes.iter().filter(|a| !a.sensitive) {
            before.insert(a.name.clone(), a.before.clone());
            after.insert(a.name.clone(), a.after.clone());
        }
        declared.push(side(d, before, true));
        live.push(side(d, after, false));
    }
    // The children the prior state declares on their own, found live as declared (a drifted
    // child is compared as itself). Rules of `aws_security_group_rule` are found in the live
    // group's inline list, as a scan finds them.
    for r in plan.prior.iter().filter(|r| CHILDREN.contains(&r.rtype.as_str())) {
        if r.declared.as_ref().is_some_and(|d| drifted.contains(d.address.as_str())) {
            continue;
        }
        declared.push(r.clone());
        if r.rtype != "aws_security_group_rule" {
            live.push(Resource { declared: None, live: Some(LiveFacts::default()), ..r.clone() });
        }
    }
    declared.iter_mut().chain(live.iter_mut()).for_each(normalise_refreshed);
    // Rules and routes whose owner cannot be told are a scan's concern (`owner_unknown`), not
    // drift of their parent: what decide returns about them is not drift here.
    let _ = ownership::decide(&mut declared, &mut live);

    let mut kept = updates.iter().enumerate().map(|(i, d)| {
        let attributes = compared(d, &declared[i].attributes, &live[i].attributes, plan.relevant.as_ref());
        (!attributes.is_empty()).then(|| drift(d, attributes))
    });
    // In the plan's order: `updates` is `plan.drift` less its deletions.
    let mut out = Vec::new();
    for d in &plan.drift {
        let next =
            if d.action == Action::Delete { Some(drift(d, d.attributes.clone())) } else { kept.next().flatten() };
        out.extend(next);
    }
    out
}

/// One side of a drifted resource: declared (what the state held) or live (what was read).
fn side(d: &ResourceChange, attributes: Map<String, Value>, declared: bool) -> Resource {
    Resource {
        rtype: d.rtype.clone(),
        id: d.id.clone().unwrap_or_default(),
        region: d.region.clone(),
        attributes,
        declared: declared.then(|| Declaration {
            address: d.address.clone(),
            provider: d.provider.clone(),
            deposed: d.deposed.clone(),
            state: String::new(),
            sensitive: BTreeSet::new(),
        }),
        live: (!declared).then(LiveFacts::default),
    }
}

/// The drifted attributes whose normalised values still differ, with those values; `tags_all`
/// is compared as `tags`, as a scan compares it.
fn compared(
    d: &ResourceChange,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    relevant: Option<&BTreeMap<String, BTreeSet<String>>>,
) -> Vec<AttrChange> {
    let matters = relevant.map(|r| r.get(&d.address).cloned().unwrap_or_default());
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for a in &d.attributes {
        let name = if a.name == "tags_all" { "tags" } else { a.name.as_str() };
        if !seen.insert(name) {
            continue;
        }
        let relevant = matters.as_ref().map(|m| m.contains(name) || name == "tags" && m.contains("tags_all"));
        if a.sensitive {
            out.push(AttrChange { relevant, ..a.clone() });
            continue;
        }
        let (b, c) = (before.get(name).unwrap_or(&Value::Null), after.get(name).unwrap_or(&Value::Null));
        if b != c {
            out.push(AttrChange { name: name.to_owned(), before: b.clone(), after: c.clone(), relevant, ..a.clone() });
        }
    }
    out
}

fn drift(d: &ResourceChange, attributes: Vec<AttrChange>) -> Drift {
    Drift {
        address: d.address.clone(),
        rtype: d.rtype.clone(),
        id: d.id.clone(),
        region: d.region.clone(),
        source: Seen::Plan,
        action: if d.action == Action::Delete { Action::Delete } else { Action::Update },
        attributes,
        risk: super::Risk::default(),
    }
}

#[cfg(test)]
#[path = "drift_tests.rs"]
mod tests;
