//! Data: public bucket ACLs, public access blocks off, versioning suspended, encryption removed,
//! KMS keys disabled, scheduled for deletion or no longer rotated. Public and cross-account
//! bucket and key policies are read by `identity::trust_widened`, which reads every resource
//! policy the same way.

use super::values::{all_strings, is_empty, truthy};
use super::{finding, Finding, Severity, Subject};

/// Grantees that make a bucket public: anyone, or anyone with any AWS account.
const PUBLIC_GRANTEES: &[(&str, &str)] = &[
    ("http://acs.amazonaws.com/groups/global/AllUsers", "all users"),
    ("http://acs.amazonaws.com/groups/global/AuthenticatedUsers", "every AWS account"),
];

/// Canned ACLs that do the same.
const PUBLIC_CANNED: &[&str] = &["public-read", "public-read-write", "authenticated-read"];

const PUBLIC_ACCESS_BLOCK: &[&str] =
    &["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

/// A bucket ACL now granting all users or all AWS accounts.
pub fn bucket_acl_public(s: &Subject) -> Vec<Finding> {
    if !matches!(s.attr(), "access_control_policy" | "acl" | "grant") || !s.rtype.starts_with("aws_s3_bucket") {
        return Vec::new();
    }
    let (before, after) = (all_strings(s.before()), all_strings(s.after()));
    let mut out = Vec::new();
    for (uri, who) in PUBLIC_GRANTEES {
        if after.contains(uri) && !before.contains(uri) {
            out.push(finding(Severity::Critical, format!("bucket ACL now grants {who} ({uri})")));
        }
    }
    for canned in PUBLIC_CANNED {
        if after.contains(canned) && !before.contains(canned) {
            out.push(finding(Severity::Critical, format!("bucket ACL is now \"{canned}\"")));
        }
    }
    out
}

/// A public access block setting turned off, or the whole block gone.
pub fn public_access_block_off(s: &Subject) -> Vec<Finding> {
    if s.rtype != "aws_s3_bucket_public_access_block" {
        return Vec::new();
    }
    if s.kind == "deleted" {
        return vec![finding(Severity::High, format!("the public access block of bucket {} was removed", s.id))];
    }
    let attr = s.attr();
    if PUBLIC_ACCESS_BLOCK.contains(&attr) && truthy(s.before()) == Some(true) && truthy(s.after()) != Some(true) {
        return vec![finding(Severity::High, format!("{attr} turned off on bucket {}", s.id))];
    }
    Vec::new()
}

/// Versioning suspended (`versioning_configuration.status` or the bucket's `versioning` block).
pub fn versioning_suspended(s: &Subject) -> Vec<Finding> {
    let on = |v: &serde_json::Value| {
        let strings = all_strings(v);
        strings.contains(&"Enabled") || v.pointer("/0/enabled").and_then(truthy) == Some(true)
    };
    let versioning = matches!(s.attr(), "versioning_configuration" | "versioning");
    if versioning && s.rtype.starts_with("aws_s3_bucket") && on(s.before()) && !on(s.after()) {
        return vec![finding(
            Severity::Medium,
            format!("versioning suspended on bucket {}: overwritten and deleted objects are not kept", s.id),
        )];
    }
    if s.rtype == "aws_s3_bucket_versioning" && s.kind == "deleted" {
        return vec![finding(Severity::Medium, format!("the versioning configuration of bucket {} was removed", s.id))];
    }
    Vec::new()
}

/// Default encryption removed from a bucket.
pub fn encryption_removed(s: &Subject) -> Vec<Finding> {
    let block = matches!(
        (s.rtype, s.attr()),
        ("aws_s3_bucket", "server_side_encryption_configuration")
            | ("aws_s3_bucket_server_side_encryption_configuration", "rule")
    );
    if (block && !is_empty(s.before()) && is_empty(s.after()))
        || (s.rtype == "aws_s3_bucket_server_side_encryption_configuration" && s.kind == "deleted")
    {
        return vec![finding(Severity::High, format!("default encryption removed from bucket {}", s.id))];
    }
    if block && all_strings(s.before()).contains(&"aws:kms") && all_strings(s.after()).contains(&"AES256") {
        return vec![finding(
            Severity::Low,
            format!("bucket {} now encrypts with S3-managed keys instead of KMS", s.id),
        )];
    }
    Vec::new()
}

/// A KMS key disabled, scheduled for deletion (a scan sees it as deleted), or no longer rotated.
pub fn kms_key_weakened(s: &Subject) -> Vec<Finding> {
    if s.rtype != "aws_kms_key" {
        return Vec::new();
    }
    let turned_off = truthy(s.before()) == Some(true) && truthy(s.after()) == Some(false);
    match (s.kind, s.attr()) {
        ("deleted", _) => vec![finding(
            Severity::Critical,
            format!("KMS key {} is gone or scheduled for deletion: data encrypted under it becomes unreadable", s.id),
        )],
        ("drifted", "is_enabled") if turned_off => vec![finding(
            Severity::High,
            format!("KMS key {} disabled: nothing can decrypt with it until it is enabled", s.id),
        )],
        ("drifted", "enable_key_rotation") if turned_off => {
            vec![finding(Severity::Medium, format!("automatic rotation turned off for KMS key {}", s.id))]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn drift<'a>(rtype: &'a str, attribute: &'a str, before: &'a Value, after: &'a Value) -> Subject<'a> {
        Subject {
            rtype,
            id: "logs",
            kind: "drifted",
            attribute: Some(attribute),
            before: Some(before),
            after: Some(after),
        }
    }

    #[test]
    fn public_grants_in_the_shape_the_scan_reads() {
        let owner =
            json!([{"grant": [{"permission": "FULL_CONTROL", "grantee": [{"type": "CanonicalUser", "id": "abc"}]}]}]);
        let public = json!([{"grant": [
            {"permission": "FULL_CONTROL", "grantee": [{"type": "CanonicalUser", "id": "abc"}]},
            {"permission": "READ", "grantee": [{"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}]}]}]);
        let f = bucket_acl_public(&drift("aws_s3_bucket_acl", "access_control_policy", &owner, &public));
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].reason.contains("all users"));
        assert!(bucket_acl_public(&drift("aws_s3_bucket_acl", "access_control_policy", &public, &owner)).is_empty());
        assert_eq!(
            bucket_acl_public(&drift("aws_s3_bucket", "acl", &json!("private"), &json!("public-read"))).len(),
            1
        );
    }

    #[test]
    fn public_access_block_versioning_and_encryption() {
        let (t, f) = (json!(true), json!(false));
        assert_eq!(
            public_access_block_off(&drift("aws_s3_bucket_public_access_block", "block_public_policy", &t, &f))[0]
                .severity,
            Severity::High
        );
        assert!(public_access_block_off(&drift("aws_s3_bucket_public_access_block", "block_public_policy", &f, &t))
            .is_empty());
        let gone = Subject {
            kind: "deleted",
            attribute: None,
            before: None,
            after: None,
            ..drift("aws_s3_bucket_public_access_block", "", &t, &t)
        };
        assert_eq!(public_access_block_off(&gone).len(), 1);

        let (on, off) =
            (json!([{"status": "Enabled", "mfa_delete": null}]), json!([{"status": "Suspended", "mfa_delete": null}]));
        assert_eq!(
            versioning_suspended(&drift("aws_s3_bucket_versioning", "versioning_configuration", &on, &off))[0].severity,
            Severity::Medium
        );
        let (on, off) =
            (json!([{"enabled": true, "mfa_delete": false}]), json!([{"enabled": false, "mfa_delete": false}]));
        assert_eq!(versioning_suspended(&drift("aws_s3_bucket", "versioning", &on, &off)).len(), 1);
        assert!(versioning_suspended(&drift("aws_s3_bucket", "versioning", &off, &on)).is_empty());

        let kms = json!([{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": "k"}]}]);
        let s3 = json!([{"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}]);
        assert_eq!(
            encryption_removed(&drift("aws_s3_bucket_server_side_encryption_configuration", "rule", &kms, &json!([])))
                [0]
            .severity,
            Severity::High
        );
        assert_eq!(
            encryption_removed(&drift("aws_s3_bucket", "server_side_encryption_configuration", &kms, &s3))[0].severity,
            Severity::Low
        );
    }

    #[test]
    fn kms_keys_disabled_deleted_or_unrotated() {
        let (t, f) = (json!(true), json!(false));
        assert_eq!(kms_key_weakened(&drift("aws_kms_key", "is_enabled", &t, &f))[0].severity, Severity::High);
        assert_eq!(
            kms_key_weakened(&drift("aws_kms_key", "enable_key_rotation", &t, &f))[0].severity,
            Severity::Medium
        );
        assert!(kms_key_weakened(&drift("aws_kms_key", "enable_key_rotation", &f, &t)).is_empty());
        let gone =
            Subject { kind: "deleted", attribute: None, before: None, after: None, ..drift("aws_kms_key", "", &t, &t) };
        assert_eq!(kms_key_weakened(&gone)[0].severity, Severity::Critical);
    }
}
