//! Who owns a role's policy attachments and inline policies. Like a group's rules, they can be
//! declared inline (`managed_policy_arns`, `inline_policy` of `aws_iam_role`), one by one
//! (`aws_iam_role_policy_attachment`, `aws_iam_role_policy`), as the whole set (provider 5.x's
//! `aws_iam_role_policy_attachments_exclusive` and `aws_iam_role_policies_exclusive`), or not
//! at all. Per declared role and kind:
//!
//! - an exclusive declaration owns every live one: a new attachment is drift of it;
//! - inline only: the role compares the attribute, a new attachment is drift of the role;
//! - one by one, or nothing: the role does not compare the attribute (Terraform writes it to
//!   state after every refresh, whatever declared it); a live one nobody declares is unmanaged;
//! - both inline and one by one: a live one neither names is `owner_unknown`.
//!
//! Terraform writes `managed_policy_arns` and `inline_policy` to the state whether or not the
//! configuration sets them; an entry that a separate declaration also names is taken as that
//! declaration's, so a role counts as declaring inline only for entries nothing else declares.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::owner_unknown;
use crate::report::Change;
use crate::resource::Resource;

/// One way a role's policies are held.
struct Kind {
    /// The role's inline attribute, and the key of each of its entries.
    attribute: &'static str,
    /// The type declaring one entry, and its attribute naming the entry.
    single: (&'static str, &'static str),
    /// The type declaring the whole set.
    exclusive: &'static str,
}

const KINDS: &[Kind] = &[
    Kind {
        attribute: "managed_policy_arns",
        single: ("aws_iam_role_policy_attachment", "policy_arn"),
        exclusive: "aws_iam_role_policy_attachments_exclusive",
    },
    Kind {
        attribute: "inline_policy",
        single: ("aws_iam_role_policy", "name"),
        exclusive: "aws_iam_role_policies_exclusive",
    },
];

pub fn policies(declared: &mut [Resource], live: &mut [Resource], out: &mut Vec<Change>) {
    for kind in KINDS {
        decide(kind, declared, live, out);
    }
    user_groups(declared, live);
    exclusive_attachments(declared, live);
}

/// `aws_iam_policy_attachment` declares every attachment of its policy: each live one of that
/// policy is its, never unmanaged on its own (a new one is drift of its `roles`, `users` or
/// `groups`).
fn exclusive_attachments(declared: &[Resource], live: &mut [Resource]) {
    let policies: BTreeSet<String> =
        declared.iter().filter(|d| d.rtype == "aws_iam_policy_attachment").map(|d| text(d, "policy_arn")).collect();
    if policies.is_empty() {
        return;
    }
    const SINGLES: &[&str] =
        &["aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment"];
    for l in live.iter_mut().filter(|l| SINGLES.contains(&l.rtype.as_str())) {
        let arn = text(l, "policy_arn");
        if policies.contains(&arn) {
            if let Some(facts) = l.live.as_mut() {
                facts.owner = Some(arn);
            }
        }
    }
}

/// `aws_iam_user_group_membership` holds some of a user's groups, not all of them (other
/// declarations may add more): of the user's live groups, only those it names are compared. A
/// user added to a group is thus drift of the group's `aws_iam_group_membership` alone.
fn user_groups(declared: &[Resource], live: &mut [Resource]) {
    const TYPE: &str = "aws_iam_user_group_membership";
    let named: HashMap<&str, BTreeSet<String>> = declared
        .iter()
        .filter(|d| d.rtype == TYPE)
        .map(|d| (d.id.as_str(), entries(d, "groups").into_iter().collect()))
        .collect();
    for l in live.iter_mut().filter(|l| l.rtype == TYPE) {
        let Some(names) = named.get(l.id.as_str()) else { continue };
        if let Some(Value::Array(groups)) = l.attributes.get_mut("groups") {
            groups.retain(|g| g.as_str().is_some_and(|g| names.contains(g)));
        }
    }
}

fn decide(kind: &Kind, declared: &mut [Resource], live: &mut [Resource], out: &mut Vec<Change>) {
    let (single_type, key) = kind.single;
    // Entries declared one by one, and roles declared exclusively, by role.
    let mut singles: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut exclusive: BTreeSet<String> = BTreeSet::new();
    for d in declared.iter() {
        if d.rtype == single_type {
            singles.entry(text(d, "role")).or_default().insert(text(d, key));
        } else if d.rtype == kind.exclusive {
            exclusive.insert(d.id.clone());
        }
    }
    let live_index: HashMap<String, usize> =
        live.iter().enumerate().filter(|(_, r)| r.rtype == "aws_iam_role").map(|(i, r)| (r.id.clone(), i)).collect();
    let mut owners: HashMap<String, Ownership> = HashMap::new();
    for d in declared.iter_mut().filter(|d| d.rtype == "aws_iam_role") {
        let one_by_one = singles.get(&d.id).cloned().unwrap_or_default();
        let inline: BTreeSet<String> =
            entries(d, kind.attribute).into_iter().filter(|e| !one_by_one.contains(e)).collect();
        let owner = if exclusive.contains(&d.id) {
            Ownership::Exclusive
        } else if !inline.is_empty() && one_by_one.is_empty() {
            Ownership::Inline
        } else if !inline.is_empty() {
            Ownership::Both { inline, address: d.declared.as_ref().map(|x| x.address.clone()) }
        } else {
            Ownership::OneByOne
        };
        if !matches!(owner, Ownership::Inline) {
            d.attributes.remove(kind.attribute);
            if let Some(&li) = live_index.get(&d.id) {
                live[li].attributes.remove(kind.attribute);
            }
        }
        owners.insert(d.id.clone(), owner);
    }
    for l in live.iter_mut().filter(|l| l.rtype == single_type) {
        let role = text(l, "role");
        let entry = text(l, key);
        let Some(owner) = owners.get(&role) else { continue };
        if singles.get(&role).is_some_and(|s| s.contains(&entry)) {
            continue;
        }
        let facts = l.live.get_or_insert_with(Default::default);
        match owner {
            Ownership::Exclusive | Ownership::Inline => facts.owner = Some(role.clone()),
            Ownership::Both { inline, .. } if inline.contains(&entry) => facts.owner = Some(role.clone()),
            Ownership::Both { address, .. } => {
                facts.owner = Some(role.clone());
                let value = Value::from(entry);
                out.push(owner_unknown(
                    Some(l),
                    &role,
                    address.as_deref(),
                    kind.attribute,
                    value,
                    l.region.clone(),
                    "aws_iam_role",
                ));
            }
            Ownership::OneByOne => {}
        }
    }
}

enum Ownership {
    Exclusive,
    Inline,
    Both { inline: BTreeSet<String>, address: Option<String> },
    OneByOne,
}

fn text(r: &Resource, key: &str) -> String {
    r.attributes.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// The entries of a role's inline attribute: ARNs, or inline policy names.
fn entries(r: &Resource, attribute: &str) -> Vec<String> {
    let items = r.attributes.get(attribute).and_then(Value::as_array).cloned().unwrap_or_default();
    items
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned).or_else(|| v.get("name")?.as_str().map(str::to_owned)))
        .filter(|e| !e.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::fixtures::{declared as decl, live as found};
    use crate::resource::LiveFacts;
    use serde_json::json;

    const RO: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

    fn attachment(role: &str, arn: &str) -> Resource {
        let facts = LiveFacts { parent: Some(role.into()), ..Default::default() };
        found(
            "aws_iam_role_policy_attachment",
            &format!("{role}/{arn}"),
            json!({"role": role, "policy_arn": arn}),
            facts,
        )
    }

    fn live_role(arns: &[&str]) -> Resource {
        found("aws_iam_role", "app", json!({"name": "app", "managed_policy_arns": arns}), LiveFacts::default())
    }

    fn run(declared: &mut [Resource], live: &mut [Resource]) -> Vec<Change> {
        let mut out = Vec::new();
        policies(declared, live, &mut out);
        out
    }

    #[test]
    fn a_role_with_separate_attachments_leaves_an_undeclared_one_unmanaged() {
        let mut declared = vec![
            decl("aws_iam_role", "app", "aws_iam_role.app", json!({"name": "app", "managed_policy_arns": [RO]})),
            decl(
                "aws_iam_role_policy_attachment",
                &format!("app/{RO}"),
                "aws_iam_role_policy_attachment.ro",
                json!({"role": "app", "policy_arn": RO}),
            ),
        ];
        let mut live = vec![live_role(&[RO, ADMIN]), attachment("app", RO), attachment("app", ADMIN)];
        assert!(run(&mut declared, &mut live).is_empty());
        assert!(!declared[0].attributes.contains_key("managed_policy_arns"), "not compared on the role");
        assert!(!live[0].attributes.contains_key("managed_policy_arns"));
        assert_eq!(live[2].live.as_ref().unwrap().owner, None, "AdministratorAccess stays unmanaged");
    }

    #[test]
    fn a_role_declaring_inline_owns_new_attachments_as_its_drift() {
        let mut declared =
            vec![decl("aws_iam_role", "app", "aws_iam_role.app", json!({"name": "app", "managed_policy_arns": [RO]}))];
        let mut live = vec![live_role(&[RO, ADMIN]), attachment("app", RO), attachment("app", ADMIN)];
        assert!(run(&mut declared, &mut live).is_empty());
        assert!(declared[0].attributes.contains_key("managed_policy_arns"), "compared on the role");
        assert_eq!(live[2].live.as_ref().unwrap().owner.as_deref(), Some("app"));
    }

    #[test]
    fn a_role_declaring_both_ways_cannot_tell_who_owns_a_new_one() {
        let other = "arn:aws:iam::123456789012:policy/extra";
        let mut declared = vec![
            decl("aws_iam_role", "app", "aws_iam_role.app", json!({"name": "app", "managed_policy_arns": [RO, other]})),
            decl(
                "aws_iam_role_policy_attachment",
                &format!("app/{other}"),
                "aws_iam_role_policy_attachment.x",
                json!({"role": "app", "policy_arn": other}),
            ),
        ];
        let mut live = vec![
            live_role(&[RO, ADMIN, other]),
            attachment("app", RO),
            attachment("app", ADMIN),
            attachment("app", other),
        ];
        let unknown = run(&mut declared, &mut live);
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].id, format!("app/{ADMIN}"));
    }

    #[test]
    fn a_user_group_membership_compares_only_the_groups_it_names() {
        let declared = vec![decl(
            "aws_iam_user_group_membership",
            "bob",
            "aws_iam_user_group_membership.bob",
            json!({"user": "bob", "groups": ["ops"]}),
        )];
        let mut live = vec![found(
            "aws_iam_user_group_membership",
            "bob",
            json!({"user": "bob", "groups": ["devs", "ops"]}),
            LiveFacts::default(),
        )];
        user_groups(&declared, &mut live);
        assert_eq!(live[0].attributes["groups"], json!(["ops"]));
    }

    #[test]
    fn an_exclusive_declaration_owns_every_attachment() {
        let mut declared = vec![
            decl("aws_iam_role", "app", "aws_iam_role.app", json!({"name": "app", "managed_policy_arns": [RO]})),
            decl(
                "aws_iam_role_policy_attachments_exclusive",
                "app",
                "aws_iam_role_policy_attachments_exclusive.app",
                json!({"role_name": "app", "policy_arns": [RO]}),
            ),
        ];
        let mut live = vec![live_role(&[RO, ADMIN]), attachment("app", RO), attachment("app", ADMIN)];
        assert!(run(&mut declared, &mut live).is_empty());
        assert!(!declared[0].attributes.contains_key("managed_policy_arns"));
        assert_eq!(live[2].live.as_ref().unwrap().owner.as_deref(), Some("app"));
    }
}
