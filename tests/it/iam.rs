//! IAM against the emulator: an estate of every IAM type, its state written as the AWS
//! provider 5.x writes it (`tools/estate_iam.py`), is in sync on its first scan; each change
//! made out of band is then reported once, with the right attribute, and nothing else is.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::{run, Moto};
use crate::scan::change_keys;

struct IamEstate {
    moto: Moto,
    dir: tempfile::TempDir,
    ids: Value,
}

impl IamEstate {
    fn create() -> IamEstate {
        let moto = Moto::start();
        let dir = tempfile::tempdir().unwrap();
        let out = moto.tool("estate_iam.py", &["create", "--out", dir.path().to_str().unwrap()]);
        IamEstate { moto, dir, ids: serde_json::from_str(&out).expect("estate ids") }
    }

    fn drift(&self, names: &[&str]) {
        let mut args = vec!["drift", "--out", self.dir.path().to_str().unwrap()];
        args.extend_from_slice(names);
        self.moto.tool("estate_iam.py", &args);
    }

    fn scan(&self, extra: &[&str]) -> crate::harness::Run {
        let mut cmd = self.moto.driftscan();
        cmd.current_dir(self.dir.path()).args(["scan", "--state", "iam/terraform.tfstate", "--format", "json"]);
        run(cmd.args(extra))
    }
}

fn keys(list: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    list.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect()
}

#[test]
fn an_untouched_iam_estate_is_in_sync_and_each_change_is_reported_once() {
    let estate = IamEstate::create();
    let first = estate.scan(&["--db", "history.db"]);
    assert_eq!(first.code, 0, "stdout:\n{}\nstderr:\n{}", first.stdout, first.stderr);
    let report = first.json();
    assert_eq!(report["changes"], serde_json::json!([]), "{report:#}");
    // Every IAM type of the estate was compared, and the access key was not: it is not listed.
    assert_eq!(report["summary"]["managed"], 21, "{report:#}");
    assert_eq!(report["unscanned"], serde_json::json!([]));
    assert_eq!(report["summary"]["not_compared"], 1, "the access key: {report:#}");
    assert_eq!(report["summary"]["not_compared_types"], serde_json::json!({"aws_iam_access_key": 1}));

    estate.drift(&[
        "trust-widened",
        "admin-attached",
        "inline-edited",
        "policy-version",
        "user-created",
        "deploy-attached",
        "ci-attached",
        "user-policy-deleted",
        "member-added",
    ]);
    let second = estate.scan(&["--db", "history.db"]);
    assert!(second.code == 2 || second.code == 3, "stderr:\n{}", second.stderr);
    let report = second.json();
    let admin = "arn:aws:iam::123456789012:policy/admin";
    assert_eq!(
        change_keys(&report),
        keys(&[
            ("drifted", "aws_iam_role.app", "assume_role_policy"),
            ("drifted", "aws_iam_role_policy.app_logs", "policy"),
            ("drifted", "aws_iam_policy.app_read", "policy"),
            ("drifted", "aws_iam_role.deploy", "managed_policy_arns"),
            ("drifted", "aws_iam_role_policy_attachments_exclusive.ci", "policy_arns"),
            ("drifted", "aws_iam_group_membership.devs", "users"),
            ("deleted", "aws_iam_user_policy.alice_mfa", ""),
            ("unmanaged", &format!("app/{admin}"), ""),
            ("unmanaged", "mallory", ""),
        ]),
        "{report:#}"
    );
    assert_eq!(report["changes"].as_array().unwrap().len(), 9, "each change once: {report:#}");
    // The widened trust policy is shown as the document it now is.
    let trust = report["changes"].as_array().unwrap().iter().find(|c| c["attribute"] == "assume_role_policy").unwrap();
    assert!(trust["actual"].to_string().contains("\"AWS\":[\"*\"]"), "{trust:#}");
    let attachment = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "unmanaged" && c["type"] == "aws_iam_role_policy_attachment")
        .unwrap();
    assert!(attachment["import"].as_str().unwrap().contains(&format!("id = \"app/{admin}\"")), "{attachment:#}");
    for c in report["changes"].as_array().unwrap() {
        assert_eq!(c["region"], "global", "{c:#}");
    }
    // The access key's secret, in the state as Terraform keeps it, reaches no output.
    let secret = estate.ids["access_key_secret"].as_str().unwrap();
    assert!(!second.stdout.contains(secret) && !second.stderr.contains(secret));
    let history = std::fs::read(estate.dir.path().join("history.db")).unwrap();
    assert!(!String::from_utf8_lossy(&history).contains(secret), "the secret reached the history");
}

#[test]
fn iam_calls_do_not_grow_with_the_roles_listed() {
    let estate = IamEstate::create();
    let out = estate.scan(&["--no-history"]);
    let calls = &out.json()["summary"]["api_calls"];
    // One page each: the account's details, its roles, profiles and providers, and one read of
    // the declared provider.
    assert_eq!(calls["GetAccountAuthorizationDetails"], 1, "{calls:#}");
    assert_eq!(calls["ListRoles"], 1, "{calls:#}");
    assert_eq!(calls["ListInstanceProfiles"], 1, "{calls:#}");
    assert_eq!(calls["GetOpenIDConnectProvider"], 1, "{calls:#}");
    assert!(calls.get("GetRole").is_none() && calls.get("GetRolePolicy").is_none(), "{calls:#}");
}
