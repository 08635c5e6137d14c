//! IAM against the emulator: an estate of every IAM type, its state written as the AWS
//! provider 5.x writes it (`tools/estate_iam.py`), is in sync on its first scan; each change
//! made out of band is then reported once, with the right attribute, and nothing else is.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::{run, History, Moto};
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
        let history = History::of(self.dir.path());
        let mut cmd = self.moto.driftscan();
        history.env(&mut cmd).current_dir(self.dir.path()).args([
            "scan",
            "--state",
            "iam/terraform.tfstate",
            "--format",
            "json",
        ]);
        run(cmd.args(["--db", &history.arg()]).args(extra))
    }
}

fn keys(list: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    list.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect()
}

#[test]
fn an_untouched_iam_estate_is_in_sync_and_each_change_is_reported_once() {
    let estate = IamEstate::create();
    let first = estate.scan(&[]);
    assert_eq!(first.code, 0, "stdout:\n{}\nstderr:\n{}", first.stdout, first.stderr);
    let report = first.json();
    assert_eq!(report["changes"], serde_json::json!([]), "{report:#}");
    // Every IAM type of the estate was compared, and the access key was not: it is not listed.
    assert_eq!(report["summary"]["managed"], 23, "{report:#}");
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
        "shared-policy-attached",
    ]);
    let second = estate.scan(&[]);
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
            // The exclusive attachment owns the new one: it is not unmanaged as well.
            ("drifted", "aws_iam_policy_attachment.ops_read", "roles"),
            ("deleted", "aws_iam_user_policy.alice_mfa", ""),
            ("unmanaged", &format!("app/{admin}"), ""),
            ("unmanaged", "mallory", ""),
        ]),
        "{report:#}"
    );
    assert_eq!(report["changes"].as_array().unwrap().len(), 10, "each change once: {report:#}");
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
    assert!(!History::of(estate.dir.path()).dump().contains(secret), "the secret reached the history");
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

/// A plan made before a role's trust policy was widened by hand, and that changes the trust
/// policy itself: applying it would silently undo the hand edit. `check` finds the clobber by
/// a live scan of the plan's IAM resources alone.
#[test]
fn check_finds_a_trust_policy_clobber_in_a_stale_plan() {
    let estate = IamEstate::create();
    let state: Value =
        serde_json::from_slice(&std::fs::read(estate.dir.path().join("iam/terraform.tfstate")).unwrap()).unwrap();
    let app = state["resources"].as_array().unwrap().iter().find(|r| r["type"] == "aws_iam_role" && r["name"] == "app");
    let before = app.unwrap()["instances"][0]["attributes"].clone();
    let mut after = before.clone();
    after["assume_role_policy"] = Value::from(
        r#"{"Statement":[{"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}},"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"}}],"Version":"2012-10-17"}"#,
    );
    let resource = |v: &Value| {
        serde_json::json!({"address": "aws_iam_role.app", "mode": "managed", "type": "aws_iam_role", "name": "app",
                           "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
                           "values": v, "sensitive_values": {}})
    };
    let plan = serde_json::json!({
        "format_version": "1.2", "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": [resource(&after)]}},
        "resource_changes": [{"address": "aws_iam_role.app", "mode": "managed", "type": "aws_iam_role", "name": "app",
                              "provider_name": "registry.terraform.io/hashicorp/aws",
                              "change": {"actions": ["update"], "before": before, "after": after, "after_unknown": {},
                                         "before_sensitive": {}, "after_sensitive": {}}}],
        "prior_state": {"format_version": "1.0", "terraform_version": "1.9.8",
                        "values": {"root_module": {"resources": [resource(&before)]}}},
        "timestamp": "2026-12-01T09:30:00Z", "applyable": true, "complete": true, "errored": false
    });
    std::fs::write(estate.dir.path().join("plan.json"), serde_json::to_vec(&plan).unwrap()).unwrap();
    estate.drift(&["trust-widened"]);

    let mut cmd = estate.moto.driftscan();
    cmd.current_dir(estate.dir.path()).args(["check", "--plan", "plan.json", "--format", "json"]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    let clobbers: Vec<(&str, &str, &str)> = r["clobber"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["address"].as_str().unwrap(), c["attribute"].as_str().unwrap(), c["source"].as_str().unwrap()))
        .collect();
    assert_eq!(clobbers, [("aws_iam_role.app", "assume_role_policy", "live")], "{r:#}");
    assert_eq!(r["summary"]["live_scan"], "done");
}
