//! Safety nets: what lets a team recover from a mistake or see it happen. Deletion protection,
//! backups, logs, and resources deleted behind Terraform's back.

use super::values::{number, truthy};
use super::{finding, Finding, Severity, Subject};

/// Attributes that protect a resource from deletion when `true`.
const PROTECTION_ON: &[&str] = &[
    "deletion_protection",
    "deletion_protection_enabled",
    "enable_deletion_protection",
    "disable_api_termination",
    "prevent_destroy",
];

/// Attributes that turn on logging when `true`.
const LOGGING_ON: &[&str] = &["enable_logging", "logging_enabled", "enable_log_file_validation"];

/// Types that are themselves a log or a control (deleting one stops the record).
const LOGGING_TYPES: &[(&str, Severity)] = &[
    ("aws_cloudtrail", Severity::Critical),
    ("aws_flow_log", Severity::High),
    ("aws_s3_bucket_logging", Severity::Medium),
    ("aws_config_configuration_recorder", Severity::High),
    ("aws_guardduty_detector", Severity::High),
];

/// Deletion or termination protection turned off.
pub fn deletion_protection_off(s: &Subject) -> Vec<Finding> {
    let attr = s.attr();
    if PROTECTION_ON.contains(&attr) && truthy(s.before()) == Some(true) && truthy(s.after()) == Some(false) {
        return vec![finding(
            Severity::High,
            format!("{attr} turned off on {} {}: it can now be deleted", s.rtype, s.id),
        )];
    }
    Vec::new()
}

/// Fewer days of backups kept; none at all is worse.
pub fn backup_retention_lowered(s: &Subject) -> Vec<Finding> {
    let attr = s.attr();
    if !matches!(attr, "backup_retention_period" | "retention_in_days" | "snapshot_retention_limit") {
        return Vec::new();
    }
    let (Some(before), Some(after)) = (s.before.and_then(number), s.after.and_then(number)) else { return Vec::new() };
    // CloudWatch's retention_in_days of 0 is "never expire": more retention, not less.
    if attr == "retention_in_days" && before == 0.0 {
        return Vec::new();
    }
    if after >= before {
        return Vec::new();
    }
    if after == 0.0 && attr != "retention_in_days" {
        return vec![finding(Severity::High, format!("{attr} lowered from {before} to 0: backups turned off"))];
    }
    vec![finding(Severity::Medium, format!("{attr} lowered from {before} to {after}"))]
}

/// Logging turned off, or a log itself deleted.
pub fn logging_off(s: &Subject) -> Vec<Finding> {
    let attr = s.attr();
    if LOGGING_ON.contains(&attr) && truthy(s.before()) == Some(true) && truthy(s.after()) == Some(false) {
        return vec![finding(Severity::High, format!("{attr} turned off on {} {}", s.rtype, s.id))];
    }
    if s.kind == "deleted" {
        if let Some((_, severity)) = LOGGING_TYPES.iter().find(|(t, _)| *t == s.rtype) {
            return vec![finding(
                *severity,
                format!("{} {} deleted: what it recorded is no longer recorded", s.rtype, s.id),
            )];
        }
    }
    Vec::new()
}

/// A declared resource deleted outside Terraform. The type's own rules (a KMS key, a public
/// access block, a log) say more; this one says it happened at all.
pub fn deleted_out_of_band(s: &Subject) -> Vec<Finding> {
    if s.kind == "deleted" {
        return vec![finding(Severity::Medium, format!("{} {} was deleted outside Terraform", s.rtype, s.id))];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn drift<'a>(rtype: &'a str, attribute: &'a str, before: &'a Value, after: &'a Value) -> Subject<'a> {
        Subject {
            rtype,
            id: "db-1",
            kind: "drifted",
            attribute: Some(attribute),
            before: Some(before),
            after: Some(after),
        }
    }

    #[test]
    fn protection_off_and_on() {
        let (t, f) = (json!(true), json!(false));
        assert_eq!(
            deletion_protection_off(&drift("aws_db_instance", "deletion_protection", &t, &f))[0].severity,
            Severity::High
        );
        assert!(deletion_protection_off(&drift("aws_db_instance", "deletion_protection", &f, &t)).is_empty());
        assert_eq!(
            deletion_protection_off(&drift("aws_instance", "disable_api_termination", &json!("true"), &json!("false")))
                .len(),
            1
        );
    }

    #[test]
    fn retention_lowered_to_fewer_days_or_none() {
        assert_eq!(
            backup_retention_lowered(&drift("aws_db_instance", "backup_retention_period", &json!(7), &json!(1)))[0]
                .severity,
            Severity::Medium
        );
        assert_eq!(
            backup_retention_lowered(&drift("aws_db_instance", "backup_retention_period", &json!(7), &json!(0)))[0]
                .severity,
            Severity::High
        );
        assert!(backup_retention_lowered(&drift("aws_db_instance", "backup_retention_period", &json!(1), &json!(7)))
            .is_empty());
        assert!(backup_retention_lowered(&drift(
            "aws_cloudwatch_log_group",
            "retention_in_days",
            &json!(0),
            &json!(30)
        ))
        .is_empty());
    }

    #[test]
    fn logs_off_or_deleted_and_deletions() {
        let (t, f) = (json!(true), json!(false));
        assert_eq!(logging_off(&drift("aws_cloudtrail", "enable_logging", &t, &f))[0].severity, Severity::High);
        let gone = Subject {
            kind: "deleted",
            attribute: None,
            before: None,
            after: None,
            ..drift("aws_flow_log", "", &t, &t)
        };
        assert_eq!(logging_off(&gone)[0].severity, Severity::High);
        assert_eq!(deleted_out_of_band(&gone)[0].severity, Severity::Medium);
        assert!(deleted_out_of_band(&drift("aws_vpc", "tags", &t, &f)).is_empty());
    }
}
