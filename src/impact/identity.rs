//! Identity: policies granting everything or privilege escalation, trust and resource policies
//! letting new principals in, administrator policies attached, users made outside Terraform.

use std::collections::BTreeSet;

use serde_json::Value;

use super::values::{account_of, all_strings, allows, documents, principals, strings};
use super::{finding, Finding, Severity, Subject};

/// Attributes holding identity policies (what a principal may do).
const IDENTITY_POLICIES: &[&str] = &["policy", "inline_policy"];

/// Types whose `policy` is a resource policy (who may use the resource), read by `trust_widened`.
pub(super) const RESOURCE_POLICY_TYPES: &[&str] =
    &["aws_s3_bucket", "aws_s3_bucket_policy", "aws_kms_key", "aws_sqs_queue_policy", "aws_sns_topic_policy"];

/// AWS managed policies that amount to administering the account, and how bad attaching one is.
const ADMIN_POLICIES: &[(&str, Severity)] = &[
    ("arn:aws:iam::aws:policy/AdministratorAccess", Severity::Critical),
    ("arn:aws:iam::aws:policy/IAMFullAccess", Severity::Critical),
    ("arn:aws:iam::aws:policy/PowerUserAccess", Severity::High),
];

/// Actions granted in an identity policy (`Allow` statements, new ones only) that give away the
/// account: everything, all of IAM, or passing any role to a service.
pub fn policy_wildcard(s: &Subject) -> Vec<Finding> {
    if !IDENTITY_POLICIES.contains(&s.attr()) || RESOURCE_POLICY_TYPES.contains(&s.rtype) {
        return Vec::new();
    }
    let before = granted(s.before());
    let mut out = Vec::new();
    for (action, resource) in granted(s.after()).difference(&before) {
        let on = format!("\"{action}\" on \"{resource}\"");
        let (severity, what) = match action.to_ascii_lowercase().as_str() {
            "*" | "*:*" => (Severity::Critical, "every action"),
            "iam:*" => (Severity::Critical, "all of IAM, so it can make itself an administrator"),
            "iam:passrole" if resource == "*" => (Severity::High, "passing any role to a service"),
            a if a.ends_with(":*") && resource == "*" => {
                (Severity::Medium, "every action of a service on every resource")
            }
            _ => continue,
        };
        out.push(finding(severity, format!("{} now allows {on}: {what}", s.attr())));
    }
    out
}

/// (action, resource) pairs an identity policy allows, from its `Allow` statements.
fn granted(v: &Value) -> BTreeSet<(String, String)> {
    let docs = documents(v);
    let mut out = BTreeSet::new();
    for st in allows(&docs) {
        let resources = strings(st.get("Resource"));
        let resources = if resources.is_empty() { vec!["*".to_owned()] } else { resources };
        for action in strings(st.get("Action")) {
            for r in &resources {
                out.insert((action.clone(), r.clone()));
            }
        }
    }
    out
}

/// A trust policy (`assume_role_policy`) or resource policy that now lets in anyone, or an
/// account it did not let in before.
pub fn trust_widened(s: &Subject) -> Vec<Finding> {
    let trust = s.attr() == "assume_role_policy";
    let resource_policy = s.attr() == "policy" && RESOURCE_POLICY_TYPES.contains(&s.rtype);
    if !(trust || resource_policy) {
        return Vec::new();
    }
    let (before, after) = (admitted(s.before()), admitted(s.after()));
    let known_accounts: BTreeSet<&str> = before.iter().filter_map(|(p, _)| account_of(p)).collect();
    let what = if trust { "trust policy" } else { "policy" };
    let mut out = Vec::new();
    let mut named = BTreeSet::new();
    for (principal, conditioned) in after.difference(&before) {
        let finding = if principal == "*" {
            let severity = if *conditioned { Severity::High } else { Severity::Critical };
            let how = if *conditioned { " (limited by a condition)" } else { "" };
            finding(severity, format!("{what} now allows principal \"*\": anyone{how}"))
        } else if let Some(account) = account_of(principal).filter(|a| !known_accounts.contains(a)) {
            if !named.insert(account.to_owned()) {
                continue;
            }
            finding(Severity::High, format!("{what} now allows account {account} ({principal}), not allowed before"))
        } else {
            continue;
        };
        out.push(finding);
    }
    out
}

/// Principals the `Allow` statements admit, each with whether a condition limits it.
fn admitted(v: &Value) -> BTreeSet<(String, bool)> {
    let docs = documents(v);
    allows(&docs)
        .into_iter()
        .flat_map(|st| {
            let conditioned = st.get("Condition").is_some_and(|c| !c.is_null());
            principals(st).into_iter().map(move |p| (p, conditioned))
        })
        .collect()
}

/// An administrator policy attached: a new attachment whose id names it, or an attachment
/// attribute now holding it.
pub fn admin_attached(s: &Subject) -> Vec<Finding> {
    let attachment = s.rtype.ends_with("_policy_attachment");
    let mut now: Vec<&str> = Vec::new();
    if attachment && s.kind == "unmanaged" {
        now.push(s.id);
    } else if matches!(s.attr(), "policy_arn" | "managed_policy_arns" | "policy_arns") {
        let before = all_strings(s.before());
        now = all_strings(s.after()).into_iter().filter(|a| !before.contains(a)).collect();
    }
    let mut out = Vec::new();
    for (arn, severity) in ADMIN_POLICIES {
        if now.iter().any(|n| n.ends_with(arn)) {
            let name = arn.rsplit('/').next().unwrap_or(arn);
            out.push(finding(*severity, format!("{name} ({arn}) attached to {} {}", s.rtype, s.id)));
        }
    }
    out
}

/// A user or access key that Terraform does not know about.
pub fn new_identity(s: &Subject) -> Vec<Finding> {
    match (s.rtype, s.kind) {
        ("aws_iam_user", "unmanaged") => {
            vec![finding(Severity::Medium, format!("IAM user {} was made outside Terraform", s.id))]
        }
        ("aws_iam_access_key", "unmanaged") => {
            vec![finding(Severity::High, format!("access key {} was made outside Terraform", s.id))]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subject<'a>(rtype: &'a str, attribute: &'a str, before: &'a Value, after: &'a Value) -> Subject<'a> {
        Subject {
            rtype,
            id: "x",
            kind: "drifted",
            attribute: Some(attribute),
            before: Some(before),
            after: Some(after),
        }
    }

    #[test]
    fn wildcard_grants_in_the_forms_iam_returns() {
        let read = json!(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#
        );
        // IAM lists policy documents URL-encoded; the state holds them as JSON text.
        let admin = json!("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D");
        let f = policy_wildcard(&subject("aws_iam_role_policy", "policy", &read, &admin));
        assert_eq!(f, [finding(Severity::Critical, "policy now allows \"*\" on \"*\": every action")]);
        let pass = crate::policy::canonical(
            &json!({"Statement": [{"Effect": "Allow", "Action": ["iam:PassRole", "s3:GetObject"], "Resource": "*"}]}),
        )
        .unwrap();
        assert_eq!(policy_wildcard(&subject("aws_iam_policy", "policy", &read, &pass))[0].severity, Severity::High);
        let iam = json!([{"name": "inline", "policy": r#"{"Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}"#}]);
        assert_eq!(
            policy_wildcard(&subject("aws_iam_role", "inline_policy", &json!([]), &iam))[0].severity,
            Severity::Critical
        );
    }

    #[test]
    fn denials_old_grants_and_resource_policies_are_not_wildcard_grants() {
        let deny = json!({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]});
        assert!(policy_wildcard(&subject("aws_iam_policy", "policy", &json!(null), &deny)).is_empty());
        let admin = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        assert!(policy_wildcard(&subject("aws_iam_policy", "policy", &admin, &admin)).is_empty());
        assert!(policy_wildcard(&subject("aws_s3_bucket_policy", "policy", &json!(null), &admin)).is_empty());
    }

    #[test]
    fn trust_policy_widened_to_a_new_account_or_anyone() {
        let own = json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": ["arn:aws:iam::111111111111:root"]}}]});
        let foreign = json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::999999999999:role/x"]}}]});
        let f = trust_widened(&subject("aws_iam_role", "assume_role_policy", &own, &foreign));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].reason.contains("999999999999"), "{}", f[0].reason);
        let same_account = json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::111111111111:role/ci"}}]});
        assert!(trust_widened(&subject("aws_iam_role", "assume_role_policy", &own, &same_account)).is_empty());
        let anyone = json!(r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"*"}}]}"#);
        assert_eq!(
            trust_widened(&subject("aws_iam_role", "assume_role_policy", &own, &anyone))[0].severity,
            Severity::Critical
        );
        let service = json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]});
        assert!(trust_widened(&subject("aws_iam_role", "assume_role_policy", &own, &service)).is_empty());
    }

    #[test]
    fn public_bucket_policy_with_and_without_condition() {
        let public = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]});
        assert_eq!(
            trust_widened(&subject("aws_s3_bucket_policy", "policy", &json!(null), &public))[0].severity,
            Severity::Critical
        );
        let vpce = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
                                          "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-1"]}}}]});
        assert_eq!(
            trust_widened(&subject("aws_s3_bucket_policy", "policy", &json!(null), &vpce))[0].severity,
            Severity::High
        );
    }

    #[test]
    fn admin_policies_attached_as_resources_or_attributes() {
        let s = Subject {
            rtype: "aws_iam_role_policy_attachment",
            id: "ci/arn:aws:iam::aws:policy/AdministratorAccess",
            kind: "unmanaged",
            attribute: None,
            before: None,
            after: None,
        };
        assert_eq!(admin_attached(&s)[0].severity, Severity::Critical);
        let (b, a) = (
            json!(["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
            json!(["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/PowerUserAccess"]),
        );
        assert_eq!(admin_attached(&subject("aws_iam_role", "managed_policy_arns", &b, &a))[0].severity, Severity::High);
        assert!(
            admin_attached(&subject("aws_iam_role", "managed_policy_arns", &a, &b)).is_empty(),
            "a detachment grants nothing"
        );
        let user = Subject { rtype: "aws_iam_user", id: "mallory", ..s };
        assert_eq!(new_identity(&user)[0].severity, Severity::Medium);
    }
}
