//! One CloudTrail record: kept as a change event, or why not.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use super::{ids, TrailEvent, TrailResource};
use crate::aws::ServiceSpec;

const EC2: &str = "ec2.amazonaws.com";

/// What became of one record.
#[derive(Debug)]
pub enum Outcome {
    /// A successful EC2 write on covered resources.
    Change(Box<TrailEvent>),
    /// A successful EC2 write that touched nothing covered.
    Uncovered,
    /// Read-only, failed, another service, an insight, or not a usable record.
    Ignored,
}

/// Decide what one record is.
pub fn classify(record: &Value) -> Outcome {
    let text = |key: &str| record.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
    let Some(source) = text("eventSource") else { return Outcome::Ignored };
    // EC2, or the services whose modules declare their write events. Classic ELB and ELBv2
    // log under one source, some event names are both APIs' (`CreateLoadBalancer`), and their
    // requests name what they change differently (`loadBalancerName`, `loadBalancerArn`):
    // every table of the source is read, and each finds only what its API's shape names.
    let services: Vec<&ServiceSpec> =
        crate::aws::SERVICES.iter().filter(|s| s.event_source == source && !s.events.is_empty()).collect();
    if (source != EC2 && services.is_empty())
        || text("eventType") == Some("AwsCloudTrailInsight")
        || text("errorCode").is_some()
    {
        return Outcome::Ignored;
    }
    if matches!(record.get("readOnly"), Some(Value::Bool(true))) || text("readOnly") == Some("true") {
        return Outcome::Ignored;
    }
    let is_write = |name: &&str| match services.is_empty() {
        false => services.iter().any(|s| s.events.iter().any(|(event, _)| event == name)),
        true => ids::is_write(name),
    };
    let Some(event_name) = text("eventName").filter(is_write) else {
        return Outcome::Ignored;
    };
    let (Some(event_id), Some(time)) = (text("eventID"), text("eventTime").and_then(parse_time)) else {
        return Outcome::Ignored;
    };
    let null = Value::Null;
    let req = record.get("requestParameters").unwrap_or(&null);
    let resp = record.get("responseElements").unwrap_or(&null);
    let resources = if services.is_empty() {
        ids::changed(event_name, req, resp)
    } else {
        let account =
            text("recipientAccountId").or_else(|| record.pointer("/userIdentity/accountId").and_then(Value::as_str));
        let mut found: Vec<TrailResource> = Vec::new();
        for s in &services {
            for r in ids::changed_in(s.events, event_name, req, resp, account) {
                if !found.contains(&r) {
                    found.push(r);
                }
            }
        }
        found
    };
    if resources.is_empty() {
        return Outcome::Uncovered;
    }
    let identity = record.get("userIdentity").unwrap_or(&null);
    let who = |key: &str| identity.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
    Outcome::Change(Box::new(TrailEvent {
        event_id: event_id.to_string(),
        time,
        // IAM's events are logged in us-east-1, but its resources are in no region: an event
        // carries the region its resources are recorded under, so a scan's drift and the event
        // that explains it agree, and the region signal sees one place, not a new region.
        region: match resources.first() {
            Some(r) if crate::catalog::in_no_region(&r.rtype) => crate::catalog::GLOBAL.to_owned(),
            _ => text("awsRegion").unwrap_or_default().to_string(),
        },
        account: text("recipientAccountId").or_else(|| who("accountId")).unwrap_or_default().to_string(),
        // An assumed role's arn is the session's (role/session-name): who, not only which role.
        actor: who("arn")
            .or_else(|| who("principalId"))
            .or_else(|| who("invokedBy"))
            .or_else(|| who("type"))
            .map(String::from),
        source_ip: text("sourceIPAddress").map(String::from),
        user_agent: text("userAgent").map(String::from),
        event_name: event_name.to_string(),
        resources,
    }))
}

/// `2026-11-20T09:05:12Z` as CloudTrail writes it; CloudTrail Lake exports drop the `T` and `Z`.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").ok().map(|t| t.and_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stop(extra: Value) -> Value {
        let mut record = json!({
            "eventVersion": "1.09", "eventID": "e1", "eventTime": "2026-11-20T09:05:12Z",
            "eventSource": "ec2.amazonaws.com", "eventName": "StopInstances", "awsRegion": "us-east-2",
            "readOnly": false, "recipientAccountId": "123456789012", "sourceIPAddress": "203.0.113.7",
            "userAgent": "aws-cli/2.15.0",
            "userIdentity": {"type": "AssumedRole", "accountId": "123456789012", "principalId": "AROAEXAMPLE:alice",
                "arn": "arn:aws:sts::123456789012:assumed-role/ops/alice"},
            "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-0d000000000000001"}]}},
            "responseElements": {"instancesSet": {"items": [{"instanceId": "i-0d000000000000001"}]}}
        });
        for (key, value) in extra.as_object().unwrap() {
            record[key] = value.clone();
        }
        record
    }

    #[test]
    fn a_successful_write_is_a_change() {
        let Outcome::Change(event) = classify(&stop(json!({}))) else { panic!("not a change") };
        assert_eq!(event.actor.as_deref(), Some("arn:aws:sts::123456789012:assumed-role/ops/alice"));
        assert_eq!(event.account, "123456789012");
        assert_eq!(event.time.to_rfc3339(), "2026-11-20T09:05:12+00:00");
        assert_eq!(event.resources.len(), 1);
    }

    #[test]
    fn read_only_failed_and_foreign_records_are_ignored() {
        for extra in [
            json!({"readOnly": true}),
            json!({"errorCode": "Client.UnauthorizedOperation", "errorMessage": "You are not authorized"}),
            json!({"errorCode": "AccessDenied"}),
            json!({"eventSource": "sts.amazonaws.com"}),
            json!({"eventName": "DescribeInstances"}),
            json!({"eventTime": "yesterday"}),
            json!({"eventType": "AwsCloudTrailInsight"}),
        ] {
            assert!(matches!(classify(&stop(extra.clone())), Outcome::Ignored), "{extra}");
        }
        assert!(matches!(classify(&json!("not a record")), Outcome::Ignored));
    }

    #[test]
    fn a_write_on_nothing_covered_is_uncovered() {
        // An FPGA image (afi-) is of no compared type.
        let record = stop(json!({"eventName": "ModifyFpgaImageAttribute",
            "requestParameters": {"fpgaImageId": "afi-041993b54a9b3af6f"}}));
        assert!(matches!(classify(&record), Outcome::Uncovered));
    }

    #[test]
    fn the_account_public_access_block_events_name_the_account() {
        for (event, source) in [
            ("PutAccountPublicAccessBlock", "s3.amazonaws.com"),
            ("DeleteAccountPublicAccessBlock", "s3.amazonaws.com"),
        ] {
            let record = stop(json!({"eventSource": source, "eventName": event, "recipientAccountId": "123456789012",
                "requestParameters": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": false},
                    "Host": "123456789012.s3-control.us-east-1.amazonaws.com"}, "responseElements": null}));
            let Outcome::Change(e) = classify(&record) else { panic!("{event}: not a change") };
            assert_eq!(e.resources.len(), 1, "{event}");
            assert_eq!(
                (e.resources[0].rtype.as_str(), e.resources[0].id.as_str()),
                ("aws_s3_account_public_access_block", "123456789012")
            );
            // The account's block is in no region, as the scan records it.
            assert_eq!(e.region, crate::catalog::GLOBAL, "{event}");
        }
    }

    #[test]
    fn actor_falls_back_to_what_the_identity_has() {
        let record = stop(json!({"userIdentity": {"type": "AWSService", "invokedBy": "autoscaling.amazonaws.com"},
            "recipientAccountId": null}));
        let Outcome::Change(event) = classify(&record) else { panic!("not a change") };
        assert_eq!(event.actor.as_deref(), Some("autoscaling.amazonaws.com"));
        assert_eq!(event.account, "");
    }

    #[test]
    fn lake_times_parse() {
        assert!(parse_time("2026-11-20 09:05:12.000").is_some());
        assert!(parse_time("2026-11-20T09:05:12.123Z").is_some());
    }
}
