//! Config-driven runs: two workspaces in two accounts (moto's AssumeRole into another account
//! id), their states in the emulator's S3, one run, both recorded; a failing workspace does not
//! stop the others; `config check` names the file and line of a mistake.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::harness::{root, run, Estate, Moto};

pub(crate) const ACCOUNT_B: &str = "222222222222";
pub(crate) const ROLE_B: &str = "arn:aws:iam::222222222222:role/driftscan";

/// Credentials for account B, from moto's STS: requests signed with them act in that account.
pub(crate) fn assume_b(moto: &Moto) -> (String, String, String) {
    let out = moto.python(&format!(
        "import boto3\nc = boto3.client('sts').assume_role(RoleArn='{ROLE_B}', RoleSessionName='setup')['Credentials']\n\
         print(c['AccessKeyId'], c['SecretAccessKey'], c['SessionToken'])"
    ));
    let parts: Vec<String> = out.split_whitespace().map(str::to_owned).collect();
    (parts[0].clone(), parts[1].clone(), parts[2].clone())
}

/// `tools/estate.py` as account B.
pub(crate) fn estate_b(moto: &Moto, keys: &(String, String, String), args: &[&str]) -> String {
    let out = Command::new(root().join(".venv/bin/python"))
        .arg(root().join("tools/estate.py"))
        .args(args)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", &keys.0)
        .env("AWS_SECRET_ACCESS_KEY", &keys.1)
        .env("AWS_SESSION_TOKEN", &keys.2)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("ESTATE_ACCOUNT", ACCOUNT_B)
        .output()
        .expect("running estate.py");
    assert!(out.status.success(), "estate.py {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Uploads every `*.tfstate` under `dir` to `s3://tfstate/<prefix>/...` (account A's bucket).
fn upload(moto: &Moto, dir: &Path, prefix: &str) {
    moto.python(&format!(
        "import boto3, os\ns3 = boto3.client('s3')\n\
         try:\n    s3.create_bucket(Bucket='tfstate')\nexcept s3.exceptions.BucketAlreadyOwnedByYou:\n    pass\n\
         for d, _, fs in os.walk({dir:?}):\n    for f in fs:\n        if f.endswith('.tfstate'):\n\
         \x20           p = os.path.join(d, f)\n            s3.upload_file(p, 'tfstate', '{prefix}/' + os.path.relpath(p, {dir:?}))\n",
        dir = dir.to_str().unwrap()
    ));
}

fn workspaces(out: &Value) -> Vec<Value> {
    out["workspaces"].as_array().expect("workspaces").clone()
}

#[test]
fn two_accounts_states_in_s3_one_run_both_recorded() {
    let a = Estate::create();
    let keys_b = assume_b(&a.moto);
    let b_dir = tempfile::tempdir().unwrap();
    estate_b(&a.moto, &keys_b, &["create", "--out", b_dir.path().to_str().unwrap()]);
    upload(&a.moto, a.dir.path(), "alpha");
    upload(&a.moto, b_dir.path(), "beta");
    // Someone resizes an instance in account B by hand.
    estate_b(&a.moto, &keys_b, &["drift", "--out", b_dir.path().to_str().unwrap(), "resize-instance"]);

    // Account A through a profile; account B through a role assumed from the default
    // credentials, its states read from A's bucket with A's profile.
    std::fs::write(
        a.path("credentials"),
        "[alpha]\naws_access_key_id = AKIDALPHA\naws_secret_access_key = alpha-secret\n",
    )
    .unwrap();
    std::fs::write(
        a.path("driftscan.hcl"),
        format!(
            r#"history = "{db}"

workspace "alpha" {{
  states  = ["s3://tfstate/alpha/**/*.tfstate"]
  profile = "alpha"
}}

workspace "beta" {{
  states        = ["s3://tfstate/beta/infra/terraform.tfstate", "s3://tfstate/beta/envs/*/terraform.tfstate"]
  role_arn      = "{ROLE_B}"
  state_profile = "alpha"
}}
"#,
            db = a.history_arg()
        ),
    )
    .unwrap();
    // The bucket that holds the states is the test's own, in account A, and no state declares
    // it: a team would ignore it the same way.
    std::fs::write(a.path(".driftignore"), "aws_s3_bucket.tfstate\n").unwrap();
    let scan = |extra: &[&str]| {
        let mut cmd = a.command(&["scan", "--format", "json"]);
        cmd.args(extra).env("AWS_SHARED_CREDENTIALS_FILE", a.path("credentials"));
        run(&mut cmd)
    };
    let out = scan(&[]);
    assert_eq!(out.code, 2, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    let ws = workspaces(&out.json());
    assert_eq!(ws.len(), 2);
    assert_eq!(ws[0]["report"]["changes"], serde_json::json!([]), "account A is untouched");
    assert_eq!(
        (ws[0]["workspace"].as_str(), ws[0]["account"].as_str(), ws[0]["exit"].as_u64()),
        (Some("alpha"), Some("123456789012"), Some(0))
    );
    assert_eq!(
        (ws[1]["workspace"].as_str(), ws[1]["account"].as_str(), ws[1]["exit"].as_u64()),
        (Some("beta"), Some(ACCOUNT_B), Some(2))
    );
    assert_eq!(ws[0]["report"]["summary"]["managed"], 36);
    assert_eq!(ws[1]["report"]["summary"]["managed"], 36);
    assert_eq!(
        ws[0]["report"]["scan"]["states"],
        serde_json::json!([
            "s3://tfstate/alpha/envs/data/terraform.tfstate",
            "s3://tfstate/alpha/envs/network/terraform.tfstate",
            "s3://tfstate/alpha/infra/terraform.tfstate"
        ])
    );
    let changes = ws[1]["report"]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let c = &changes[0];
    assert_eq!((c["address"].as_str(), c["attribute"].as_str()), (Some("aws_instance.web[0]"), Some("instance_type")));
    assert_eq!(c["state"], "s3://tfstate/beta/infra/terraform.tfstate");
    assert_eq!(c["workspace"], "beta");
    assert_eq!(c["account"], ACCOUNT_B);
    assert!(!out.stdout.contains("alpha-secret") && !out.stderr.contains("alpha-secret"));

    let db = a.history();
    // Both workspaces run at once (the default, 4 at a time): either may record first.
    let scans = db.pairs("SELECT workspace, account FROM scans ORDER BY workspace");
    assert_eq!(scans, [("alpha".into(), "123456789012".into()), ("beta".into(), ACCOUNT_B.into())]);
    let drifted = db.table("SELECT workspace, account, state FROM changes WHERE kind = 'drifted'");
    assert_eq!(drifted, [["beta", ACCOUNT_B, "s3://tfstate/beta/infra/terraform.tfstate"]]);

    // The report covers every workspace of the history; --workspace keeps one.
    let report = |extra: &[&str]| {
        let mut cmd = a.command(&["report", "--since", "30d", "--format", "json"]);
        cmd.args(extra);
        let out = run(&mut cmd);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let json = out.json();
        json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (c["workspace"].as_str().unwrap_or("-").to_owned(), c["attribute"].as_str().unwrap_or("").to_owned())
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(report(&[]), [("beta".to_owned(), "instance_type".to_owned())]);
    assert_eq!(report(&["--workspace", "beta"]), report(&[]));
    assert_eq!(report(&["--workspace", "alpha"]), []);
    // A name no scan recorded is a typo, not a quiet workspace.
    let typo = run(&mut a.command(&["report", "--workspace", "bta"]));
    assert_eq!(typo.code, 1);
    assert!(
        typo.stderr.contains("--workspace bta: no scan of this workspace in the history (it has: alpha, beta)"),
        "{}",
        typo.stderr
    );
    // The page sums each account's changes, with the workspace that scanned it.
    let page = run(&mut a.command(&["report", "--since", "30d", "--format", "html"]));
    assert_eq!(page.code, 0, "{}", page.stderr);
    assert!(page.stdout.contains("<section id=\"accounts\"><h2>Accounts (1)</h2>"), "{}", page.stdout);
    let row_at = page.stdout.find(&format!("data-account=\"{ACCOUNT_B}\"")).expect("account B's row");
    let row = &page.stdout[row_at..row_at + page.stdout[row_at..].find("</tr>").unwrap()];
    assert!(row.contains("<td>beta</td>") && row.contains("data-kind=\"drifted\">1<"), "{row}");

    // A workspace that cannot run is reported; the others are still scanned and recorded, and
    // the exit code is the worst: 1. A second beta scan does not resolve alpha's changes.
    let mut text = std::fs::read_to_string(a.path("driftscan.hcl")).unwrap();
    text.push_str("\nworkspace \"gone\" {\n  states = [\"s3://tfstate/nothing/terraform.tfstate\"]\n}\n");
    std::fs::write(a.path("driftscan.hcl"), text).unwrap();
    let out = scan(&[]);
    assert_eq!(out.code, 1, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    let ws = workspaces(&out.json());
    let exits: Vec<_> =
        ws.iter().map(|w| (w["workspace"].as_str().unwrap().to_owned(), w["exit"].as_u64().unwrap())).collect();
    assert_eq!(exits, [("alpha".into(), 0), ("beta".into(), 2), ("gone".into(), 1)]);
    assert!(
        ws[2]["error"].as_str().unwrap().contains("s3://tfstate/nothing/terraform.tfstate: cannot read"),
        "{}",
        ws[2]
    );
    assert!(
        out.stderr.contains("driftscan: error: workspace gone: s3://tfstate/nothing/terraform.tfstate"),
        "{}",
        out.stderr
    );
    assert_eq!(ws[1]["report"]["changes"][0]["status"], "carried");
    let scans = a.history().count("SELECT count(*) FROM scans");
    assert_eq!(scans, 4);

    // One at a time gives the same outcomes, in the same order.
    let serial = scan(&["--parallel", "1"]);
    assert_eq!(serial.code, 1, "{}", serial.stderr);
    let again: Vec<_> = workspaces(&serial.json())
        .iter()
        .map(|w| (w["workspace"].as_str().unwrap().to_owned(), w["exit"].as_u64().unwrap()))
        .collect();
    assert_eq!(again, exits);

    // --workspace picks one.
    let out = scan(&["--workspace", "alpha", "--quiet"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "", "--quiet and in sync: nothing to say");
}

#[test]
fn backend_s3_block_in_tf_dir_names_the_state() {
    let estate = Estate::create();
    upload(&estate.moto, &estate.path("infra"), "prod");
    std::fs::create_dir_all(estate.path("tf")).unwrap();
    std::fs::write(
        estate.path("tf/versions.tf"),
        "terraform {\n  backend \"s3\" {\n    bucket = \"tfstate\"\n    key    = \"prod/terraform.tfstate\"\n    region = \"us-east-1\"\n  }\n}\n",
    )
    .unwrap();
    let out = run(&mut estate.command(&["scan", "--tf-dir", "tf", "--no-history", "--format", "json"]));
    // Only infra's state is read, so what the other two states declare is unmanaged; nothing
    // infra declares is drifted or deleted.
    assert_eq!(out.code, 2, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    let report = out.json();
    assert_eq!(report["scan"]["states"], serde_json::json!(["s3://tfstate/prod/terraform.tfstate"]));
    let changes = report["changes"].as_array().unwrap();
    assert!(changes.iter().all(|c| c["kind"] == "unmanaged"), "{changes:#?}");
    assert!(report["summary"]["managed"].as_u64().unwrap() >= 10, "{}", report["summary"]);
}

#[test]
fn config_check_accepts_a_good_file_and_names_the_line_of_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("driftscan.hcl");
    std::fs::write(&good, "history = \"h.db\"\nworkspace \"prod\" {\n  states = [\"s3://b/k.tfstate\"]\n  role_arn = \"arn:aws:iam::111111111111:role/x\"\n}\n").unwrap();
    let out = run(crate::harness::driftscan().current_dir(dir.path()).args(["config", "check"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("driftscan.hcl: ok"), "{}", out.stdout);
    assert!(out.stdout.contains("prod: role arn:aws:iam::111111111111:role/x"), "{}", out.stdout);

    std::fs::write(&good, "workspace \"prod\" {\n  states = [\"x\"]\n  region = \"us-east-1\"\n}\n").unwrap();
    for args in [&["config", "check"][..], &["scan"]] {
        let out = run(crate::harness::driftscan().current_dir(dir.path()).args(args));
        assert_eq!(out.code, 1, "{args:?}");
        assert!(out.stderr.contains("driftscan.hcl:3: unknown key \"region\" in workspace \"prod\""), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    let out = run(crate::harness::driftscan().args(["--config", "/nonexistent/d.hcl", "config", "check"]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("/nonexistent/d.hcl: cannot read"), "{}", out.stderr);
}

#[test]
fn two_workspaces_on_one_account_are_warned_about() {
    let estate = Estate::create();
    let states = r#"["infra/terraform.tfstate", "envs/*/terraform.tfstate"]"#;
    let config = format!(
        "history = \"{db}\"\n\nworkspace \"network\" {{\n  states = {states}\n}}\n\nworkspace \"apps\" {{\n  states = {states}\n}}\n",
        db = estate.history_arg()
    );
    std::fs::write(estate.path("driftscan.hcl"), config).unwrap();
    let out = run(&mut estate.command(&["scan", "--format", "json"]));
    assert_eq!(out.code, 0, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("driftscan: warning: workspaces network and apps both scan account 123456789012 in "),
        "{}",
        out.stderr
    );
    // One workspace alone is no warning.
    let one = run(&mut estate.command(&["scan", "--format", "json", "--workspace", "apps"]));
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert!(!one.stderr.contains("warning"), "{}", one.stderr);
}
