//! S3 and KMS against the emulator: an estate written into its state as the AWS provider 5.x
//! writes it (`tools/estate_storage.py`) scans clean, each out-of-band change is reported once
//! with its attribute, and what cannot be read is unscanned, never deleted.
//!
//! moto 5.2.5 answers `GetBucketVersioning` under the root `GetBucketVersioningResponse` where S3
//! answers `VersioningConfiguration`, which the SDK rightly refuses; tools/moto_server.py (which
//! the harness starts) puts S3's root name back, and so does the proxy the scans here go through,
//! should moto be started as it is. One test puts moto's own root back through a proxy to see
//! that refusal make the S3 types unscanned.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

use crate::harness::{run, History};
use crate::proxy::{Fault, Proxy};
use crate::service_estate::{change, changes, ServiceEstate};

/// The storage estate, scanned through the proxy that mends moto's versioning answer.
struct Storage {
    estate: ServiceEstate,
    proxy: Proxy,
}

impl Storage {
    fn create() -> Storage {
        let estate = ServiceEstate::create("storage");
        let fix: crate::proxy::Plan =
            Arc::new(|_, _| Some(Fault::Replace("GetBucketVersioningResponse", "VersioningConfiguration")));
        let proxy = Proxy::with_plan(&estate.moto.endpoint, fix);
        Storage { estate, proxy }
    }

    fn scan(&self) -> Value {
        self.estate.scan_at(&self.proxy.endpoint)
    }
}

impl std::ops::Deref for Storage {
    type Target = ServiceEstate;

    fn deref(&self) -> &ServiceEstate {
        &self.estate
    }
}

#[test]
fn the_first_scan_of_the_storage_estate_has_no_changes() {
    let s = Storage::create();
    let report = s.scan();
    assert_eq!(changes(&report), BTreeSet::new(), "{report:#}");
    let summary = &report["summary"];
    assert_eq!(summary["unscanned"], 0, "{report:#}");
    // 4 buckets, 8 bucket configurations, 2 keys, 2 aliases, the account's block.
    assert_eq!(summary["managed"], 16 + 2 + 1, "{summary:#}");
    let calls = &summary["api_calls"];
    assert_eq!(calls["ListBuckets"], 1, "one bucket list for the account: {calls:#}");
    assert_eq!(calls["GetBucketTagging"], 4, "tags are read for the declared buckets: {calls:#}");
    assert_eq!(calls["S3Control.GetPublicAccessBlock"], 1, "the account's block, once: {calls:#}");
    assert_eq!(calls["GetPublicAccessBlock"], 2, "the two declared buckets' blocks: {calls:#}");

    // A bucket nobody declares costs its location, not its configuration.
    s.drift(&["unmanaged-bucket"]);
    let again = s.scan();
    let calls = &again["summary"]["api_calls"];
    assert_eq!(calls["GetBucketTagging"], 4, "{calls:#}");
    assert_eq!(calls["GetBucketLocation"], 5, "{calls:#}");
}

#[test]
fn each_out_of_band_change_is_reported_once_with_its_attribute() {
    let s = Storage::create();
    let made = s.drift(&[
        "bucket-policy-replaced",
        "public-access-block-off",
        "versioning-suspended",
        "legacy-versioning-suspended",
        "legacy-public-read",
        "bucket-retagged",
        "unmanaged-bucket",
        "key-rotation-disabled",
        "alias-moved",
        "unmanaged-key",
        "account-block-off",
    ]);
    let (data, legacy) = (s.id("bucket_data"), s.id("bucket_legacy"));
    let report = s.scan();
    let want: BTreeSet<_> = [
        change("drifted", "aws_s3_bucket_policy", &data, "policy"),
        change("drifted", "aws_s3_bucket_public_access_block", &data, "block_public_policy"),
        change("drifted", "aws_s3_bucket_versioning", &data, "versioning_configuration"),
        change("drifted", "aws_s3_bucket", &data, "tags"),
        // The provider-3 style bucket: its inline blocks are compared.
        change("drifted", "aws_s3_bucket", &legacy, "versioning"),
        change("drifted", "aws_s3_bucket", &legacy, "acl"),
        change("drifted", "aws_kms_key", &s.id("key_data"), "enable_key_rotation"),
        change("drifted", "aws_kms_alias", "alias/driftscan-data", "target_key_id"),
        change("unmanaged", "aws_s3_bucket", made["bucket_unmanaged"].as_str().unwrap(), ""),
        change("unmanaged", "aws_kms_key", made["key_unmanaged"].as_str().unwrap(), ""),
        change("drifted", "aws_s3_account_public_access_block", &s.id("account"), "restrict_public_buckets"),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");

    let by = |rtype: &str, attribute: &str| {
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == rtype && c["attribute"] == attribute)
            .cloned()
    };
    let policy = by("aws_s3_bucket_policy", "policy").unwrap();
    assert_eq!(policy["actual"]["Statement"][0]["Principal"], "*", "a readable document: {policy:#}");
    let acl = by("aws_s3_bucket", "acl").unwrap();
    assert_eq!((acl["declared"].as_str(), acl["actual"].as_str()), (Some("private"), Some("public-read")));
    let alias = by("aws_kms_alias", "target_key_id").unwrap();
    assert_eq!(alias["actual"].as_str(), Some(s.id("key_logs").as_str()));
    // The account's block off opens every bucket of the account: the same impact as a bucket's.
    let block = by("aws_s3_account_public_access_block", "restrict_public_buckets").unwrap();
    assert_eq!((block["declared"].as_bool(), block["actual"].as_bool()), (Some(true), Some(false)), "{block:#}");
    assert_eq!(block["region"], "global", "{block:#}");
    assert_eq!(block["impact"], "high", "{block:#}");
    assert!(block["impact_reasons"][0].as_str().unwrap_or_default().contains("every bucket"), "{block:#}");
}

#[test]
fn removed_configurations_buckets_keys_and_aliases_are_deleted() {
    let s = Storage::create();
    s.drift(&[
        "delete-bucket-policy",
        "delete-public-access-block",
        "delete-archive-bucket",
        "schedule-key-deletion",
        "delete-alias",
        "delete-account-block",
    ]);
    let (data, logs, archive) = (s.id("bucket_data"), s.id("bucket_logs"), s.id("bucket_archive"));
    let report = s.scan();
    let want: BTreeSet<_> = [
        change("deleted", "aws_s3_bucket_policy", &data, ""),
        change("deleted", "aws_s3_bucket_public_access_block", &logs, ""),
        // A bucket goes with its configurations.
        change("deleted", "aws_s3_bucket", &archive, ""),
        change("deleted", "aws_s3_bucket_versioning", &archive, ""),
        // Pending deletion is deleted; its alias still stands.
        change("deleted", "aws_kms_key", &s.id("key_logs"), ""),
        change("deleted", "aws_kms_alias", "alias/driftscan-logs", ""),
        // No block for the account at all: the one declared is gone.
        change("deleted", "aws_s3_account_public_access_block", &s.id("account"), ""),
    ]
    .into_iter()
    .collect();
    assert_eq!(changes(&report), want, "{report:#}");
}

#[test]
fn a_bucket_read_that_fails_leaves_s3_unscanned_never_deleted() {
    let s = Storage::create();
    // moto's own versioning answer, which the SDK cannot parse.
    let unmended: crate::proxy::Plan =
        Arc::new(|_, _| Some(Fault::Replace("VersioningConfiguration", "GetBucketVersioningResponse")));
    let raw = Proxy::with_plan(&s.moto.endpoint, unmended);
    let report = s.scan_at(&raw.endpoint);
    assert_eq!(report["summary"]["deleted"], 0, "{report:#}");
    let unscanned: Vec<&Value> = report["unscanned"].as_array().unwrap().iter().collect();
    let s3: BTreeSet<&str> =
        unscanned.iter().filter(|u| u["region"] == "global").filter_map(|u| u["type"].as_str()).collect();
    assert!(s3.contains("aws_s3_bucket") && s3.contains("aws_s3_bucket_policy"), "{report:#}");
    assert!(unscanned.iter().all(|u| u["reason"].as_str().unwrap().contains("GetBucketVersioning")), "{report:#}");
    // KMS is listed all the same, and clean.
    assert_eq!(changes(&report), BTreeSet::new(), "{report:#}");
    assert!(report["summary"]["managed"].as_u64().unwrap() >= 4, "{report:#}");
}

/// An account block nobody declares is unmanaged, with the account id to import it by.
#[test]
fn an_undeclared_account_block_is_unmanaged_with_its_import() {
    let s = Storage::create();
    let path = s.dir.path().join("storage/terraform.tfstate");
    let mut state: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    state["resources"].as_array_mut().unwrap().retain(|r| r["type"] != "aws_s3_account_public_access_block");
    std::fs::write(&path, state.to_string()).unwrap();
    let report = s.scan();
    let account = s.id("account");
    assert_eq!(
        changes(&report),
        [change("unmanaged", "aws_s3_account_public_access_block", &account, "")].into_iter().collect(),
        "{report:#}"
    );
    let import = report["changes"][0]["import"].as_str().unwrap_or_default();
    assert!(import.contains("to = aws_s3_account_public_access_block."), "{import}");
    assert!(import.contains(&format!("id = \"{account}\"")), "{import}");
}

/// A bucket is listed for the whole account but lives in a region: a drift of it, once put
/// back, is resolved by the next scan like any other.
#[test]
fn a_bucket_drift_put_back_is_resolved() {
    let s = Storage::create();
    s.drift(&["public-access-block-off"]);
    let scan = || {
        let history = History::of(s.dir.path());
        let mut cmd = s.moto.driftscan();
        history.env(&mut cmd).current_dir(s.dir.path()).env("AWS_ENDPOINT_URL", &s.proxy.endpoint).args([
            "scan",
            "--state",
            "storage/terraform.tfstate",
            "--db",
            &history.arg(),
            "--format",
            "json",
        ]);
        run(&mut cmd).json()
    };
    let first = scan();
    assert_eq!(first["summary"]["opened"], 1, "{first:#}");
    let bucket = s.id("bucket_data");
    s.moto.python(&format!(
        "import boto3\nboto3.client('s3').put_public_access_block(Bucket='{bucket}', PublicAccessBlockConfiguration=\
         {{'BlockPublicAcls': True, 'IgnorePublicAcls': True, 'BlockPublicPolicy': True, 'RestrictPublicBuckets': True}})"
    ));
    let second = scan();
    assert_eq!(second["changes"], serde_json::json!([]), "{second:#}");
    assert_eq!(second["summary"]["resolved"], 1, "{second:#}");
}
