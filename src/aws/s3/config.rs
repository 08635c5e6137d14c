//! One bucket's configuration, one call per kind, mapped into the attribute shapes Terraform
//! writes (`rule = [{...}]` blocks). A configuration the bucket does not have is `Null`: S3
//! answers with an error code of its own for each kind, which here means "none", not a failure.

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::{Grant, LifecycleRule};
use aws_sdk_s3::Client;
use serde_json::{json, Map, Value};

use crate::aws::{text, ListError};

/// The per-bucket reads, each one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Read {
    Tags,
    Policy,
    PublicAccessBlock,
    Versioning,
    Encryption,
    Ownership,
    Acl,
    Lifecycle,
    Logging,
}

impl Read {
    /// The S3 operation behind the read, for messages.
    pub(super) fn operation(self) -> &'static str {
        match self {
            Read::Tags => "GetBucketTagging",
            Read::Policy => "GetBucketPolicy",
            Read::PublicAccessBlock => "GetPublicAccessBlock",
            Read::Versioning => "GetBucketVersioning",
            Read::Encryption => "GetBucketEncryption",
            Read::Ownership => "GetBucketOwnershipControls",
            Read::Acl => "GetBucketAcl",
            Read::Lifecycle => "GetBucketLifecycleConfiguration",
            Read::Logging => "GetBucketLogging",
        }
    }
}

/// The bucket is gone (deleted between the listing and this read).
pub(super) const NO_SUCH_BUCKET: &str = "NoSuchBucket";

/// A read's answer, `Null` when the bucket has no such configuration; `Err(None)` when the bucket
/// itself went away.
pub(super) async fn read(client: &Client, bucket: &str, what: Read) -> Result<Value, Option<ListError>> {
    match what {
        Read::Tags => {
            let out = absent(client.get_bucket_tagging().bucket(bucket).send().await, "NoSuchTagSet")?;
            let tags: Map<String, Value> =
                out.iter().flat_map(|o| o.tag_set()).map(|t| (t.key().to_owned(), Value::from(t.value()))).collect();
            Ok(Value::Object(tags))
        }
        Read::Policy => {
            let out = absent(client.get_bucket_policy().bucket(bucket).send().await, "NoSuchBucketPolicy")?;
            Ok(text(out.as_ref().and_then(|o| o.policy())))
        }
        Read::PublicAccessBlock => {
            let out = absent(
                client.get_public_access_block().bucket(bucket).send().await,
                "NoSuchPublicAccessBlockConfiguration",
            )?;
            let Some(c) = out.as_ref().and_then(|o| o.public_access_block_configuration()) else {
                return Ok(Value::Null);
            };
            Ok(json!({
                "block_public_acls": c.block_public_acls().unwrap_or(false),
                "block_public_policy": c.block_public_policy().unwrap_or(false),
                "ignore_public_acls": c.ignore_public_acls().unwrap_or(false),
                "restrict_public_buckets": c.restrict_public_buckets().unwrap_or(false),
            }))
        }
        Read::Versioning => {
            // A bucket whose versioning was never set answers with neither field.
            let out = client.get_bucket_versioning().bucket(bucket).send().await.map_err(fail)?;
            Ok(json!({
                "status": out.status().map(|s| s.as_str().to_owned()),
                "mfa_delete": out.mfa_delete().map(|s| s.as_str().to_owned()),
            }))
        }
        Read::Encryption => {
            let out = absent(
                client.get_bucket_encryption().bucket(bucket).send().await,
                "ServerSideEncryptionConfigurationNotFoundError",
            )?;
            let rules = out.as_ref().and_then(|o| o.server_side_encryption_configuration()).map(|c| c.rules());
            let rules: Vec<Value> = rules
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    let by_default = r.apply_server_side_encryption_by_default().map(|d| {
                        json!({"sse_algorithm": d.sse_algorithm().as_str(), "kms_master_key_id": text(d.kms_master_key_id())})
                    });
                    json!({
                        "apply_server_side_encryption_by_default": by_default.into_iter().collect::<Vec<_>>(),
                        "bucket_key_enabled": r.bucket_key_enabled().unwrap_or(false),
                    })
                })
                .collect();
            Ok(if rules.is_empty() { Value::Null } else { Value::Array(rules) })
        }
        Read::Ownership => {
            let out = absent(
                client.get_bucket_ownership_controls().bucket(bucket).send().await,
                "OwnershipControlsNotFoundError",
            )?;
            let rules = out.as_ref().and_then(|o| o.ownership_controls()).map(|c| c.rules()).unwrap_or_default();
            let rules: Vec<Value> =
                rules.iter().map(|r| json!({"object_ownership": r.object_ownership().as_str()})).collect();
            Ok(if rules.is_empty() { Value::Null } else { Value::Array(rules) })
        }
        Read::Acl => {
            let out = client.get_bucket_acl().bucket(bucket).send().await.map_err(fail)?;
            let owner = out.owner().and_then(|o| o.id()).unwrap_or_default();
            let grants: Vec<Value> = out.grants().iter().map(grant).collect();
            Ok(json!([{"owner": [{"id": owner}], "grant": grants}]))
        }
        Read::Lifecycle => {
            let out = absent(
                client.get_bucket_lifecycle_configuration().bucket(bucket).send().await,
                "NoSuchLifecycleConfiguration",
            )?;
            let rules: Vec<Value> = out.iter().flat_map(|o| o.rules()).map(lifecycle_rule).collect();
            Ok(if rules.is_empty() { Value::Null } else { Value::Array(rules) })
        }
        Read::Logging => {
            let out = client.get_bucket_logging().bucket(bucket).send().await.map_err(fail)?;
            Ok(out.logging_enabled().map_or(
                Value::Null,
                |l| json!({"target_bucket": l.target_bucket(), "target_prefix": l.target_prefix()}),
            ))
        }
    }
}

/// `Ok(None)` when S3 answers `code` (no such configuration), the bucket's absence as `Err(None)`.
fn absent<T, E, R>(res: Result<T, SdkError<E, R>>, code: &str) -> Result<Option<T>, Option<ListError>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match res {
        Ok(out) => Ok(Some(out)),
        Err(e) if e.code() == Some(code) => Ok(None),
        Err(e) => Err(fail(e)),
    }
}

fn fail<E, R>(e: SdkError<E, R>) -> Option<ListError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    if e.code() == Some(NO_SUCH_BUCKET) {
        return None;
    }
    Some(ListError::from(e))
}

/// A grant as `access_control_policy.grant` writes it. Display names are left out: S3 stopped
/// returning them in 2025, so they would differ with nothing changed.
fn grant(g: &Grant) -> Value {
    let who = g.grantee();
    json!({
        "permission": g.permission().map(|p| p.as_str().to_owned()),
        "grantee": [{
            "type": who.map(|w| w.r#type().as_str().to_owned()),
            "id": text(who.and_then(|w| w.id())),
            "uri": text(who.and_then(|w| w.uri())),
            "email_address": text(who.and_then(|w| w.email_address())),
        }],
    })
}

/// The canned ACL a bucket's grants amount to, for a provider-3 bucket's inline `acl`: S3 does
/// not keep the canned name, only the grants it made. Grants no canned ACL makes read as
/// `(custom grants)`, so any hand-made grant shows as a change of `acl`.
pub(super) fn canned_acl(acl: &Value) -> Value {
    const ALL: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
    const AUTH: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
    const LOGS: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";
    let owner = acl.pointer("/0/owner/0/id").and_then(Value::as_str).unwrap_or_default();
    let mut grants: Vec<(String, String)> = acl
        .pointer("/0/grant")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| {
            let who = g.pointer("/grantee/0")?;
            let id = who.get("uri").and_then(Value::as_str).or_else(|| who.get("id").and_then(Value::as_str))?;
            // The owner's full control is in every canned ACL.
            let id = if id == owner { "owner" } else { id };
            Some((id.to_owned(), g.get("permission")?.as_str()?.to_owned()))
        })
        .filter(|g| g != &("owner".to_owned(), "FULL_CONTROL".to_owned()))
        .collect();
    grants.sort();
    let shape: Vec<(&str, &str)> = grants.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let name = match shape.as_slice() {
        [] => "private",
        [(ALL, "READ")] => "public-read",
        [(ALL, "READ"), (ALL, "WRITE")] => "public-read-write",
        [(AUTH, "READ")] => "authenticated-read",
        [(LOGS, "READ_ACP"), (LOGS, "WRITE")] => "log-delivery-write",
        _ => "(custom grants)",
    };
    Value::from(name)
}

/// A lifecycle rule in the shape of `aws_s3_bucket_lifecycle_configuration.rule`, for the fields
/// driftscan compares: id, status, prefix filter, expiration, transitions, noncurrent-version
/// expiration and the multipart abort.
fn lifecycle_rule(r: &LifecycleRule) -> Value {
    let one = |v: Option<Value>| v.into_iter().collect::<Vec<_>>();
    let filter = r.filter().map(|f| json!({"prefix": text(f.prefix())}));
    let expiration = r.expiration().map(|e| {
        json!({
            "days": e.days(),
            "date": e.date().map(|d| d.to_string()),
            "expired_object_delete_marker": e.expired_object_delete_marker(),
        })
    });
    let transitions: Vec<Value> = r
        .transitions()
        .iter()
        .map(|t| json!({"days": t.days(), "storage_class": t.storage_class().map(|s| s.as_str().to_owned())}))
        .collect();
    // Rules written before filters existed keep their prefix on the rule itself.
    #[allow(deprecated)]
    let prefix = text(r.prefix());
    json!({
        "id": text(r.id()),
        "status": r.status().as_str(),
        "prefix": prefix,
        "filter": one(filter),
        "expiration": one(expiration),
        "transition": transitions,
        "noncurrent_version_expiration":
            one(r.noncurrent_version_expiration().map(|n| json!({"noncurrent_days": n.noncurrent_days()}))),
        "abort_incomplete_multipart_upload": one(
            r.abort_incomplete_multipart_upload().map(|a| json!({"days_after_initiation": a.days_after_initiation()}))
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(grants: Value) -> Value {
        json!([{"owner": [{"id": "o1"}], "grant": grants}])
    }

    fn g(id_or_uri: &str, permission: &str) -> Value {
        let key = if id_or_uri.starts_with("http") { "uri" } else { "id" };
        json!({"permission": permission, "grantee": [{key: id_or_uri}]})
    }

    #[test]
    fn grants_read_back_as_the_canned_acl_that_made_them() {
        let all = "http://acs.amazonaws.com/groups/global/AllUsers";
        let logs = "http://acs.amazonaws.com/groups/s3/LogDelivery";
        assert_eq!(canned_acl(&acl(json!([g("o1", "FULL_CONTROL")]))), "private");
        assert_eq!(canned_acl(&acl(json!([g("o1", "FULL_CONTROL"), g(all, "READ")]))), "public-read");
        assert_eq!(
            canned_acl(&acl(json!([g(logs, "WRITE"), g("o1", "FULL_CONTROL"), g(logs, "READ_ACP")]))),
            "log-delivery-write"
        );
        assert_eq!(canned_acl(&acl(json!([g("o1", "FULL_CONTROL"), g("someone", "READ")]))), "(custom grants)");
    }
}
