//! Roles, users, groups, their inline policies and attachments, and the account's own managed
//! policies, from `GetAccountAuthorizationDetails`; role descriptions and session lengths,
//! which the details leave out, from `ListRoles`. Both pages by 1,000.

use std::collections::HashMap;

use aws_sdk_iam::types::{
    AttachedPolicy, EntityType, GroupDetail, ManagedPolicyDetail, PolicyDetail, RoleDetail, UserDetail,
};
use serde_json::{json, Map, Value};

use super::{item, made_by_aws, tags, PAGE};
use crate::aws::{text, ListError};
use crate::resource::Resource;

/// What `ListRoles` adds to a role: its description and maximum session length.
type RoleExtras = HashMap<String, (Option<String>, Option<i32>)>;

pub async fn list(client: &aws_sdk_iam::Client) -> Result<Vec<Resource>, ListError> {
    let mut extras: RoleExtras = HashMap::new();
    let mut pages = client.list_roles().max_items(PAGE).into_paginator().send();
    while let Some(page) = pages.next().await {
        for r in page?.roles() {
            extras.insert(r.role_name().to_owned(), (r.description().map(str::to_owned), r.max_session_duration()));
        }
    }
    let mut out = Vec::new();
    let mut pages = client
        .get_account_authorization_details()
        .set_filter(Some(vec![EntityType::User, EntityType::Role, EntityType::Group, EntityType::LocalManagedPolicy]))
        .max_items(PAGE)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page?;
        for r in page.role_detail_list() {
            role(r, &extras, &mut out);
        }
        for u in page.user_detail_list() {
            user(u, &mut out);
        }
        for g in page.group_detail_list() {
            group(g, &mut out);
        }
        out.extend(page.policies().iter().filter_map(policy));
    }
    // Users and their groups may come on different pages.
    members_of_groups(&mut out);
    entities_of_policies(&mut out);
    Ok(out)
}

fn role(r: &RoleDetail, extras: &RoleExtras, out: &mut Vec<Resource>) {
    let Some(name) = r.role_name() else { return };
    let path = r.path().unwrap_or("/");
    let (description, max_session) = extras.get(name).cloned().unwrap_or_default();
    let mut a = Map::new();
    a.insert("name".into(), name.into());
    a.insert("path".into(), path.into());
    a.insert("description".into(), text(description.as_deref()));
    a.insert("assume_role_policy".into(), text(r.assume_role_policy_document()));
    a.insert("max_session_duration".into(), max_session.map_or(json!(3600), Value::from));
    a.insert("permissions_boundary".into(), text(r.permissions_boundary().and_then(|b| b.permissions_boundary_arn())));
    a.insert("managed_policy_arns".into(), arns(r.attached_managed_policies()));
    a.insert("inline_policy".into(), inline_list(r.role_policy_list()));
    a.insert("tags".into(), tags(r.tags()));
    let mut role = item("aws_iam_role", name.to_owned(), a, None);
    if let Some(facts) = role.live.as_mut() {
        facts.aws_default = made_by_aws(path);
    }
    out.push(role);
    let names: Vec<Value> = r.role_policy_list().iter().filter_map(|p| p.policy_name()).map(Value::from).collect();
    out.push(owned("aws_iam_role_policies_exclusive", name, json!({"role_name": name, "policy_names": names})));
    let attached = arns(r.attached_managed_policies());
    out.push(owned(
        "aws_iam_role_policy_attachments_exclusive",
        name,
        json!({"role_name": name, "policy_arns": attached}),
    ));
    children(
        ("aws_iam_role_policy", "aws_iam_role_policy_attachment", "role"),
        name,
        r.role_policy_list(),
        r.attached_managed_policies(),
        out,
    );
}

fn user(u: &UserDetail, out: &mut Vec<Resource>) {
    let Some(name) = u.user_name() else { return };
    let mut a = Map::new();
    a.insert("name".into(), name.into());
    a.insert("path".into(), u.path().unwrap_or("/").into());
    a.insert("permissions_boundary".into(), text(u.permissions_boundary().and_then(|b| b.permissions_boundary_arn())));
    a.insert("tags".into(), tags(u.tags()));
    out.push(item("aws_iam_user", name.to_owned(), a, None));
    let groups: Vec<Value> = u.group_list().iter().map(|g| Value::from(g.as_str())).collect();
    out.push(owned("aws_iam_user_group_membership", name, json!({"user": name, "groups": groups})));
    children(
        ("aws_iam_user_policy", "aws_iam_user_policy_attachment", "user"),
        name,
        u.user_policy_list(),
        u.attached_managed_policies(),
        out,
    );
}

fn group(g: &GroupDetail, out: &mut Vec<Resource>) {
    let Some(name) = g.group_name() else { return };
    let mut a = Map::new();
    a.insert("name".into(), name.into());
    a.insert("path".into(), g.path().unwrap_or("/").into());
    out.push(item("aws_iam_group", name.to_owned(), a, None));
    children(
        ("aws_iam_group_policy", "aws_iam_group_policy_attachment", "group"),
        name,
        g.group_policy_list(),
        g.attached_managed_policies(),
        out,
    );
}

/// A group's members are known from its users' group lists; [`members_of_groups`] builds them.
fn members_of_groups(out: &mut Vec<Resource>) {
    let mut members: HashMap<String, Vec<Value>> = HashMap::new();
    for r in out.iter().filter(|r| r.rtype == "aws_iam_user_group_membership") {
        let user = r.id.as_str();
        for g in r.attributes.get("groups").and_then(Value::as_array).into_iter().flatten() {
            members.entry(g.as_str().unwrap_or_default().to_owned()).or_default().push(Value::from(user));
        }
    }
    let groups: Vec<String> = out.iter().filter(|r| r.rtype == "aws_iam_group").map(|r| r.id.clone()).collect();
    for g in groups {
        let users = members.remove(&g).unwrap_or_default();
        out.push(owned("aws_iam_group_membership", &g, json!({"group": g, "users": users})));
    }
}

/// `aws_iam_policy_attachment` is every attachment of one policy, to roles, users and groups
/// alike (it is exclusive): built from the attachments listed, one per attached policy. Never
/// unmanaged: the attachments themselves are.
fn entities_of_policies(out: &mut Vec<Resource>) {
    const KINDS: [(&str, &str, &str); 3] = [
        ("aws_iam_role_policy_attachment", "role", "roles"),
        ("aws_iam_user_policy_attachment", "user", "users"),
        ("aws_iam_group_policy_attachment", "group", "groups"),
    ];
    let mut by_policy: std::collections::BTreeMap<String, Map<String, Value>> = Default::default();
    for r in out.iter() {
        let Some((_, key, list)) = KINDS.iter().find(|k| k.0 == r.rtype) else { continue };
        let (Some(arn), Some(entity)) = (r.attributes.get("policy_arn"), r.attributes.get(*key)) else { continue };
        let a = by_policy.entry(arn.as_str().unwrap_or_default().to_owned()).or_insert_with(|| {
            let mut a = Map::new();
            a.insert("policy_arn".into(), arn.clone());
            for (_, _, list) in KINDS {
                a.insert(list.into(), json!([]));
            }
            a
        });
        if let Some(Value::Array(items)) = a.get_mut(*list) {
            items.push(entity.clone());
        }
    }
    for (arn, a) in by_policy {
        out.push(owned("aws_iam_policy_attachment", &arn, Value::Object(a)));
    }
}

/// The inline policies and attachments of a role, user or group, each a part of it.
fn children(
    (inline_type, attachment_type, key): (&str, &str, &str),
    parent: &str,
    inline: &[PolicyDetail],
    attached: &[AttachedPolicy],
    out: &mut Vec<Resource>,
) {
    for p in inline {
        let Some(policy_name) = p.policy_name() else { continue };
        let a = json!({key: parent, "name": policy_name, "policy": p.policy_document()});
        out.push(item(inline_type, format!("{parent}:{policy_name}"), object(a), Some(parent)));
    }
    for p in attached {
        let Some(arn) = p.policy_arn() else { continue };
        let a = json!({key: parent, "policy_arn": arn});
        out.push(item(attachment_type, format!("{parent}/{arn}"), object(a), Some(parent)));
    }
}

/// A customer-managed policy with its default version's document.
fn policy(p: &ManagedPolicyDetail) -> Option<Resource> {
    let arn = p.arn()?;
    let document = p.policy_version_list().iter().find(|v| v.is_default_version()).and_then(|v| v.document());
    // A policy's ARN ends with its path and name, so the name is known even where a response
    // leaves `PolicyName` out (the emulator's does).
    let name = p.policy_name().or_else(|| arn.rsplit('/').next());
    let a = json!({
        "name": name, "path": p.path().unwrap_or("/"), "description": p.description(), "policy": document,
    });
    Some(item("aws_iam_policy", arn.to_owned(), object(a), None))
}

/// A view of a role or user that only a declaration of its own type compares (the exclusive
/// resources, memberships): never unmanaged on its own.
fn owned(rtype: &str, owner: &str, a: Value) -> Resource {
    let mut r = item(rtype, owner.to_owned(), object(a), None);
    if let Some(facts) = r.live.as_mut() {
        facts.owner = Some(owner.to_owned());
    }
    r
}

fn arns(attached: &[AttachedPolicy]) -> Value {
    Value::Array(attached.iter().filter_map(|p| p.policy_arn()).map(Value::from).collect())
}

/// A role's inline policies as the role's `inline_policy` blocks hold them.
fn inline_list(inline: &[PolicyDetail]) -> Value {
    Value::Array(inline.iter().map(|p| json!({"name": p.policy_name(), "policy": p.policy_document()})).collect())
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
