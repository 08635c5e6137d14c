//! S3: buckets and their configurations. `ListBuckets`, once per account, finds every bucket and
//! so the unmanaged ones; a bucket's configurations have no list form, so they are read one call
//! per kind, only for the buckets the states declare, a few buckets in flight, each call sent to
//! the bucket's own region. A configuration is a Terraform resource of its own (provider 4 and
//! later, id = the bucket's name) and, in provider 3 states, an inline block of the bucket. The
//! account's own public access block is S3 Control's (`account`).

mod account;
mod config;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_s3::Client;
use serde_json::{json, Map, Value};

use self::config::{canned_acl, read, Read};
use super::{bounded, live, Ctx, ListError, ServiceSpec, Wanted};
use crate::catalog::{ListSpec, Scope, Service, TypeSpec};
use crate::resource::{LiveFacts, Resource};

const BUCKETS: ListSpec = ListSpec { operation: "ListBuckets", service: Service::S3, scope: Scope::Global, needs: &[] };
/// The account's block, named apart from the bucket read of the same operation name.
pub const ACCOUNT_LIST: &str = "S3Control.GetPublicAccessBlock";
const ACCOUNT_BLOCKS: ListSpec =
    ListSpec { operation: ACCOUNT_LIST, service: Service::S3, scope: Scope::Global, needs: &[] };

pub const SERVICE: ServiceSpec = ServiceSpec {
    service: Service::S3,
    event_source: "s3.amazonaws.com",
    events: EVENTS,
    lists: &[BUCKETS, ACCOUNT_BLOCKS],
    types: TYPES,
};

const BUCKET: &str = "aws_s3_bucket";
const POLICY: &str = "aws_s3_bucket_policy";
const PUBLIC_ACCESS_BLOCK: &str = "aws_s3_bucket_public_access_block";
const VERSIONING: &str = "aws_s3_bucket_versioning";
const ENCRYPTION: &str = "aws_s3_bucket_server_side_encryption_configuration";
const OWNERSHIP: &str = "aws_s3_bucket_ownership_controls";
const ACL: &str = "aws_s3_bucket_acl";
const LIFECYCLE: &str = "aws_s3_bucket_lifecycle_configuration";
const LOGGING: &str = "aws_s3_bucket_logging";

const TYPES: &[TypeSpec] = &[
    // The inline blocks are compared only for buckets whose configuration no separate resource
    // declares (see `bucket_attributes`): a provider 4+ state keeps them as computed copies that
    // go stale, and one change would otherwise be reported twice.
    TypeSpec::new(
        BUCKET,
        &BUCKETS,
        &["bucket", "tags", "versioning", "server_side_encryption_configuration", "policy", "acl"],
    )
    .with_documents(&["policy"]),
    TypeSpec::new(POLICY, &BUCKETS, &["bucket", "policy"]).with_documents(&["policy"]),
    TypeSpec::new(
        PUBLIC_ACCESS_BLOCK,
        &BUCKETS,
        &["bucket", "block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"],
    ),
    TypeSpec::new(VERSIONING, &BUCKETS, &["bucket", "versioning_configuration"]),
    TypeSpec::new(ENCRYPTION, &BUCKETS, &["bucket", "rule"]),
    TypeSpec::new(OWNERSHIP, &BUCKETS, &["bucket", "rule"]),
    // The canned `acl` a resource was made with is not kept by S3, only the grants it made: the
    // grants are compared (without display names, which S3 no longer returns).
    TypeSpec::new(ACL, &BUCKETS, &["bucket", "access_control_policy"]),
    TypeSpec::new(LIFECYCLE, &BUCKETS, &["bucket", "rule"]),
    TypeSpec::new(LOGGING, &BUCKETS, &["bucket", "target_bucket", "target_prefix"]),
    TypeSpec::new(account::ACCOUNT_BLOCK, &ACCOUNT_BLOCKS, account::FLAGS),
];

/// The configuration resources and the read each needs.
const CONFIGS: &[(&str, Read)] = &[
    (POLICY, Read::Policy),
    (PUBLIC_ACCESS_BLOCK, Read::PublicAccessBlock),
    (VERSIONING, Read::Versioning),
    (ENCRYPTION, Read::Encryption),
    (OWNERSHIP, Read::Ownership),
    (ACL, Read::Acl),
    (LIFECYCLE, Read::Lifecycle),
    (LOGGING, Read::Logging),
];

/// The bucket's inline blocks: each read only when no separate resource declares it.
const INLINE: &[(&str, &str, Read)] = &[
    ("versioning", VERSIONING, Read::Versioning),
    ("server_side_encryption_configuration", ENCRYPTION, Read::Encryption),
    ("policy", POLICY, Read::Policy),
    ("acl", ACL, Read::Acl),
];

/// Where CloudTrail names the bucket an S3 management event changed; every event's request
/// carries it as `bucketName`, so each event names the type its configuration is declared as.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("CreateBucket", &["req.bucketName=aws_s3_bucket"]),
    ("DeleteBucket", &["req.bucketName=aws_s3_bucket"]),
    ("PutBucketTagging", &["req.bucketName=aws_s3_bucket"]),
    ("DeleteBucketTagging", &["req.bucketName=aws_s3_bucket"]),
    ("PutBucketPolicy", &["req.bucketName=aws_s3_bucket_policy"]),
    ("DeleteBucketPolicy", &["req.bucketName=aws_s3_bucket_policy"]),
    ("PutBucketPublicAccessBlock", &["req.bucketName=aws_s3_bucket_public_access_block"]),
    ("DeleteBucketPublicAccessBlock", &["req.bucketName=aws_s3_bucket_public_access_block"]),
    ("PutBucketVersioning", &["req.bucketName=aws_s3_bucket_versioning"]),
    ("PutBucketEncryption", &["req.bucketName=aws_s3_bucket_server_side_encryption_configuration"]),
    ("DeleteBucketEncryption", &["req.bucketName=aws_s3_bucket_server_side_encryption_configuration"]),
    ("PutBucketOwnershipControls", &["req.bucketName=aws_s3_bucket_ownership_controls"]),
    ("DeleteBucketOwnershipControls", &["req.bucketName=aws_s3_bucket_ownership_controls"]),
    ("PutBucketAcl", &["req.bucketName=aws_s3_bucket_acl"]),
    ("PutBucketLifecycle", &["req.bucketName=aws_s3_bucket_lifecycle_configuration"]),
    ("DeleteBucketLifecycle", &["req.bucketName=aws_s3_bucket_lifecycle_configuration"]),
    ("PutBucketLogging", &["req.bucketName=aws_s3_bucket_logging"]),
    // S3 Control's account-wide calls are logged under S3's source, and name no bucket: the
    // account they change is the one the record was delivered for.
    ("PutAccountPublicAccessBlock", &["account=aws_s3_account_public_access_block"]),
    ("DeleteAccountPublicAccessBlock", &["account=aws_s3_account_public_access_block"]),
];

/// What the states declare of one bucket: the bucket itself, and its configuration resources by
/// type with their Terraform ids (`name`, or `name,owner-account` with `expected_bucket_owner`).
#[derive(Debug, Default)]
struct Declared {
    bucket: bool,
    configs: BTreeMap<&'static str, Vec<String>>,
}

/// Every bucket, with the configurations of the declared ones.
pub(super) async fn list(ctx: &Ctx<'_>, family: &ListSpec, wanted: &Wanted) -> Result<Vec<Resource>, ListError> {
    if family.operation == ACCOUNT_LIST {
        return account::list(ctx).await;
    }
    if family.operation != BUCKETS.operation {
        return Err(ListError(format!("no S3 list {}", family.operation)));
    }
    let home = client(ctx, ctx.region().as_ref());
    let buckets = list_buckets(&home).await?;
    let declared = declared(wanted);

    let mut clients: HashMap<&str, Client> = HashMap::new();
    for (_, region) in buckets.iter().filter(|(name, _)| declared.contains_key(name.as_str())) {
        clients.entry(region.as_str()).or_insert_with(|| client(ctx, region));
    }
    let work: Vec<(&String, &String, &Declared)> =
        buckets.iter().filter_map(|(name, region)| Some((name, region, declared.get(name.as_str())?))).collect();
    let clients = &clients;
    let read_back = bounded(work, |(name, region, d)| async move {
        let found = describe(&clients[region.as_str()], name, region, d).await;
        (name, found)
    })
    .await;
    let mut described: HashMap<&String, Vec<Resource>> = HashMap::new();
    for (name, found) in read_back {
        match found {
            Ok(resources) => {
                described.insert(name, resources);
            }
            // Deleted between the listing and its reads: it is gone, and so is all it had.
            Err(None) => {
                described.insert(name, Vec::new());
            }
            Err(Some(ListError(reason))) => return Err(ListError(format!("bucket {name}: {reason}"))),
        }
    }

    let mut out = Vec::new();
    for (name, region) in &buckets {
        match described.remove(name) {
            Some(resources) => out.extend(resources),
            // Unmanaged or not: its configuration is not read.
            None => out.push(bucket_resource(name, region, Map::new())),
        }
    }
    Ok(out)
}

fn client(ctx: &Ctx<'_>, region: &str) -> Client {
    let conf = aws_sdk_s3::config::Builder::from(ctx.sdk)
        .region(aws_config::Region::new(region.to_owned()))
        .interceptor(ctx.calls.clone())
        .build();
    Client::from_conf(conf)
}

/// Pages of 10,000, the most `ListBuckets` returns.
const BUCKET_PAGE: i32 = 10_000;

/// Every bucket of the account with its region: from `ListBuckets` when it says (`BucketRegion`),
/// else one `GetBucketLocation` per bucket, bounded.
async fn list_buckets(client: &Client) -> Result<Vec<(String, String)>, ListError> {
    let mut pages = client.list_buckets().max_buckets(BUCKET_PAGE).into_paginator().send();
    let mut found: Vec<(String, Option<String>)> = Vec::new();
    while let Some(page) = pages.next().await {
        for b in page?.buckets() {
            if let Some(name) = b.name() {
                found.push((name.to_owned(), b.bucket_region().map(str::to_owned)));
            }
        }
    }
    let located = bounded(found, |(name, region)| async move {
        if let Some(region) = region {
            return Ok(Some((name, region)));
        }
        match client.get_bucket_location().bucket(&name).send().await {
            // An empty constraint is us-east-1; `EU` is the old name of eu-west-1.
            Ok(out) => {
                let region = match out.location_constraint().map(|c| c.as_str()) {
                    None | Some("") => "us-east-1",
                    Some("EU") => "eu-west-1",
                    Some(other) => other,
                };
                Ok(Some((name, region.to_owned())))
            }
            Err(e) if aws_sdk_s3::error::ProvideErrorMetadata::code(&e) == Some(config::NO_SUCH_BUCKET) => Ok(None),
            Err(e) => Err(ListError(format!("GetBucketLocation {name}: {}", ListError::from(e).0))),
        }
    })
    .await;
    let mut buckets: Vec<(String, String)> =
        located.into_iter().filter_map(Result::transpose).collect::<Result<_, _>>()?;
    buckets.sort();
    Ok(buckets)
}

/// Declared buckets by name, from the ids of every S3 type.
fn declared(wanted: &Wanted) -> BTreeMap<String, Declared> {
    let mut out: BTreeMap<String, Declared> = BTreeMap::new();
    for id in wanted.get(BUCKET).into_iter().flatten() {
        out.entry(id.clone()).or_default().bucket = true;
    }
    for (rtype, _) in CONFIGS {
        for id in wanted.get(*rtype).into_iter().flatten() {
            out.entry(bucket_of(id).to_owned()).or_default().configs.entry(rtype).or_default().push(id.clone());
        }
    }
    out
}

/// The bucket a configuration resource's Terraform id names: `name` or `name,owner[,acl]`.
fn bucket_of(id: &str) -> &str {
    id.split(',').next().unwrap_or(id)
}

/// A declared bucket's live resources: the bucket with what it declares inline, and each
/// declared configuration that exists, owned by the bucket.
async fn describe(client: &Client, name: &str, region: &str, d: &Declared) -> Result<Vec<Resource>, Option<ListError>> {
    let mut reads: BTreeSet<Read> =
        d.configs.keys().filter_map(|t| CONFIGS.iter().find(|c| c.0 == *t)).map(|c| c.1).collect();
    if d.bucket {
        reads.insert(Read::Tags);
        reads.extend(INLINE.iter().filter(|(_, separate, _)| !d.configs.contains_key(separate)).map(|i| i.2));
    }
    let mut got: BTreeMap<Read, Value> = BTreeMap::new();
    for what in reads {
        let answer = read(client, name, what).await;
        got.insert(
            what,
            answer.map_err(|e| e.map(|ListError(why)| ListError(format!("{}: {why}", what.operation()))))?,
        );
    }
    let mut out = vec![bucket_resource(name, region, bucket_attributes(d, &got))];
    for (rtype, ids) in &d.configs {
        let Some((_, what)) = CONFIGS.iter().find(|c| c.0 == *rtype) else { continue };
        let Some(attributes) = config_attributes(rtype, &got[what]) else { continue };
        for id in ids {
            let mut a = attributes.clone();
            a.insert("bucket".into(), Value::from(name));
            let facts = LiveFacts { owner: Some(name.to_owned()), ..LiveFacts::default() };
            let mut r = live(rtype, id, a, facts);
            r.region = Some(region.to_owned());
            out.push(r);
        }
    }
    Ok(out)
}

fn bucket_resource(name: &str, region: &str, mut a: Map<String, Value>) -> Resource {
    a.insert("bucket".into(), Value::from(name));
    let mut r = live(BUCKET, name, a, LiveFacts::default());
    r.region = Some(region.to_owned());
    r
}

/// The bucket's tags and, in the provider 3 shape, the inline blocks that were read.
fn bucket_attributes(d: &Declared, got: &BTreeMap<Read, Value>) -> Map<String, Value> {
    let mut a = Map::new();
    if !d.bucket {
        return a;
    }
    if let Some(tags) = got.get(&Read::Tags) {
        a.insert("tags".into(), tags.clone());
    }
    if let Some(v) = got.get(&Read::Versioning).filter(|_| !d.configs.contains_key(VERSIONING)) {
        let on = |k: &str| v.get(k).and_then(Value::as_str) == Some("Enabled");
        a.insert("versioning".into(), json!([{"enabled": on("status"), "mfa_delete": on("mfa_delete")}]));
    }
    if let Some(rules) = got.get(&Read::Encryption).filter(|_| !d.configs.contains_key(ENCRYPTION)) {
        let block = if rules.is_null() { json!([]) } else { json!([{"rule": rules}]) };
        a.insert("server_side_encryption_configuration".into(), block);
    }
    if let Some(policy) = got.get(&Read::Policy).filter(|_| !d.configs.contains_key(POLICY)) {
        a.insert("policy".into(), policy.clone());
    }
    if let Some(acl) = got.get(&Read::Acl).filter(|_| !d.configs.contains_key(ACL)) {
        a.insert("acl".into(), canned_acl(acl));
    }
    a
}

/// A configuration resource's attributes from its read; `None` when the bucket has none, so a
/// declared one is deleted.
fn config_attributes(rtype: &str, v: &Value) -> Option<Map<String, Value>> {
    if v.is_null() {
        return None;
    }
    let a = match rtype {
        POLICY => json!({"policy": v}),
        PUBLIC_ACCESS_BLOCK => v.clone(),
        // A bucket whose versioning was never set reads back as Terraform's `Disabled`.
        VERSIONING => json!({"versioning_configuration": [{
            "status": v.get("status").filter(|s| !s.is_null()).cloned().unwrap_or_else(|| "Disabled".into()),
            "mfa_delete": v.get("mfa_delete").cloned().unwrap_or(Value::Null),
        }]}),
        ENCRYPTION | OWNERSHIP | LIFECYCLE => json!({"rule": v}),
        ACL => json!({"access_control_policy": v}),
        LOGGING => v.clone(),
        _ => return None,
    };
    a.as_object().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_event_names_the_bucket_as_a_type_of_this_module() {
        // The request of a CloudTrail S3 management event, as CloudTrail records it.
        let record = json!({"eventSource": "s3.amazonaws.com", "eventName": "PutBucketPublicAccessBlock",
            "requestParameters": {"bucketName": "logs", "Host": "logs.s3.amazonaws.com", "publicAccessBlock": "",
                "PublicAccessBlockConfiguration": {"BlockPublicAcls": false}},
            "responseElements": null});
        for (event, paths) in EVENTS {
            // The account's calls name the account, not a bucket (see `cloudtrail::record`).
            for path in paths.iter().filter(|p| !p.starts_with("account=")) {
                let (id, spec) = crate::aws::event_path(path, &record);
                assert_eq!(id, Some("logs"), "{event}");
                assert!(spec.is_some_and(|s| TYPES.iter().any(|t| t.name == s.name)), "{event}: {path}");
            }
        }
    }

    #[test]
    fn configuration_ids_name_their_bucket() {
        let mut wanted = Wanted::new();
        wanted.insert(BUCKET.into(), HashSet::from(["logs".to_owned()]));
        wanted.insert(ACL.into(), HashSet::from(["logs,private".to_owned()]));
        wanted.insert(POLICY.into(), HashSet::from(["data".to_owned()]));
        let d = declared(&wanted);
        assert!(d["logs"].bucket && !d["data"].bucket);
        assert_eq!(d["logs"].configs[ACL], vec!["logs,private".to_owned()]);
        assert!(d["data"].configs.contains_key(POLICY));
    }

    #[test]
    fn an_inline_block_is_left_out_when_a_resource_declares_it() {
        let got = BTreeMap::from([
            (Read::Tags, json!({})),
            (Read::Versioning, json!({"status": "Suspended", "mfa_delete": null})),
            (Read::Policy, json!("{}")),
        ]);
        let mut d = Declared { bucket: true, ..Declared::default() };
        let a = bucket_attributes(&d, &got);
        assert_eq!(a["versioning"], json!([{"enabled": false, "mfa_delete": false}]));
        assert!(a.contains_key("policy"));
        d.configs.insert(POLICY, vec!["b".into()]);
        d.configs.insert(VERSIONING, vec!["b".into()]);
        let a = bucket_attributes(&d, &got);
        assert!(!a.contains_key("policy") && !a.contains_key("versioning"), "{a:?}");
    }

    #[test]
    fn a_removed_configuration_is_no_resource() {
        assert_eq!(config_attributes(POLICY, &Value::Null), None);
        let v = config_attributes(VERSIONING, &json!({"status": null, "mfa_delete": null})).unwrap();
        assert_eq!(v["versioning_configuration"][0]["status"], "Disabled");
    }
}
