//! `driftscan check --plan`: plans of every format version, what is not a plan, the formats and
//! `--fail-on`, scores from a history, and the clobber a live scan finds in the emulator.

use std::io::Write;
use std::process::Stdio;

use serde_json::{json, Value};

use crate::harness::{copy_dir, driftscan, exists, root, run, testdata, Estate, History, Run};

/// `check` of a fixture with no AWS and no history, from the project root.
fn check(fixture: &str, extra: &[&str]) -> Run {
    let plan = format!("testdata/plans/{fixture}");
    run(driftscan()
        .current_dir(root())
        .args(["check", "--plan", &plan, "--offline", "--db", "target/no-such-history.db"])
        .args(extra))
}

fn planned(report: &Value) -> Vec<(String, String)> {
    report["planned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["address"].as_str().unwrap().to_owned(), p["action"].as_str().unwrap().to_owned()))
        .collect()
}

fn clobbers(report: &Value) -> Vec<(String, String, String)> {
    report["clobber"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_owned(),
                c["attribute"].as_str().unwrap().to_owned(),
                c["source"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn attr_names(entry: &Value) -> Vec<String> {
    entry["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_owned()).collect()
}

fn s(v: &str) -> String {
    v.to_owned()
}

#[test]
fn format_0_1_from_terraform_0_12_modules_indexes_replace_and_unknown_values() {
    let out = check("v0.1-terraform-0.12.json", &["--format", "json"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(r["plan"]["format_version"], "0.1");
    // The data source read is not a planned change.
    assert_eq!(
        planned(&r),
        vec![
            (s("aws_instance.web[0]"), s("update")),
            (s("module.network.aws_subnet.private[1]"), s("replace")),
            (s("aws_eip.web"), s("create")),
        ]
    );
    assert_eq!(attr_names(&r["planned"][0]), ["instance_type"]);
    let subnet = &r["planned"][1];
    assert_eq!(attr_names(subnet), ["arn", "cidr_block", "id"]);
    assert_eq!(subnet["attributes"][2]["after"], "(known after apply)");
    assert_eq!(subnet["attributes"][2]["unknown"], true);
    // A create has no ARN: its region is its provider's, from `configuration`.
    assert_eq!(r["planned"][2]["region"], "us-east-1");
    assert_eq!(r["drift"], json!([]));
    assert_eq!(r["clobber"], json!([]));
    assert_eq!(r["summary"]["live_scan"], "offline");
    assert_eq!(r["summary"]["scored"], false);
    assert!(r["notes"][0].as_str().unwrap().starts_with("no history at target/no-such-history.db"));
    assert!(!exists(&root().join("target/no-such-history.db")), "a missing history is not created");
}

#[test]
fn format_0_2_drift_seen_by_terraform_is_clobbered_and_secrets_stay_hidden() {
    let out = check("v0.2-terraform-1.0.json", &["--format", "json"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(r["drift"][0]["address"], "aws_instance.web[0]");
    assert_eq!(r["drift"][0]["source"], "plan");
    assert_eq!(
        r["drift"][0]["attributes"][0],
        json!({"name": "instance_type", "before": "t3.micro", "after": "t3.large"})
    );
    // The no-op is not planned.
    assert_eq!(planned(&r), vec![(s("aws_instance.web[0]"), s("update"))]);
    assert_eq!(clobbers(&r), vec![(s("aws_instance.web[0]"), s("instance_type"), s("plan"))]);
    assert_eq!(r["clobber"][0]["out_of_band"], "t3.large");
    assert_eq!(r["clobber"][0]["planned"], "t3.micro");
    let user_data = &r["planned"][0]["attributes"][1];
    assert_eq!(
        user_data,
        &json!({"name": "user_data", "before": "(sensitive)", "after": "(sensitive)", "sensitive": true})
    );
    assert_eq!((r["summary"]["result"].as_str(), r["summary"]["exit_code"].as_u64()), (Some("fail"), Some(2)));
}

#[test]
fn format_1_0_deleted_outside_terraform_tags_and_action_reason() {
    let out = check("v1.0-terraform-1.1.json", &["--format", "json"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    let drift: Vec<(String, String)> = r["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["address"].as_str().unwrap().to_owned(), d["action"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(drift, vec![(s("aws_eip.web"), s("delete")), (s("aws_vpc.main"), s("update"))]);
    // The plan names `tags_all`; a clobber names the map once, as `tags`.
    assert_eq!(clobbers(&r), vec![(s("aws_vpc.main"), s("tags"), s("plan"))]);
    let replica = r["planned"].as_array().unwrap().iter().find(|p| p["address"] == "aws_instance.replica").unwrap();
    assert_eq!(replica["action"], "replace");
    assert_eq!(replica["action_reason"], "replace_because_cannot_update");
    assert_eq!(replica["region"], "eu-west-1");
}

#[test]
fn format_1_1_nested_modules_for_each_and_replace_paths_without_drift() {
    let out = check("v1.1-terraform-1.3.json", &["--format", "json"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(
        planned(&r),
        vec![
            (s("module.app.module.net.aws_subnet.this[\"a\"]"), s("replace")),
            (s("aws_launch_template.web"), s("update"))
        ]
    );
    let az =
        r["planned"][0]["attributes"].as_array().unwrap().iter().find(|a| a["name"] == "availability_zone").unwrap();
    assert_eq!(az["forces_replacement"], true);
    assert_eq!(attr_names(&r["planned"][1]), ["latest_version", "name"]);
    assert_eq!(r["drift"], json!([]));
}

#[test]
fn format_1_2_deposed_objects_variables_and_every_format_hides_secrets() {
    let out = check("v1.2-terraform-1.9.json", &["--format", "json"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(r["planned"][1]["deposed"], "a1b2c3d4");
    assert_eq!(r["planned"][1]["action"], "delete");
    // The provider's region comes from `var.aws_region`.
    assert_eq!(r["planned"][2]["region"], "us-east-1");
    assert_eq!(attr_names(&r["drift"][0]), ["instance_type", "monitoring"]);
    assert_eq!(clobbers(&r), vec![(s("aws_instance.web[0]"), s("instance_type"), s("plan"))]);
    // `monitoring` drifted but the plan does not set it: an update keeps it.
    for fixture in ["v0.2-terraform-1.0.json", "v1.2-terraform-1.9.json"] {
        for format in ["table", "json", "markdown", "junit", "sarif"] {
            let out = check(fixture, &["--format", format]);
            // `c2VjcmV0LXYx` is base64 of "secret-v1", the sensitive user_data in the fixtures.
            for secret in ["c2VjcmV0", "secret-v"] {
                assert!(
                    !out.stdout.contains(secret) && !out.stderr.contains(secret),
                    "{fixture} {format}:\n{}",
                    out.stdout
                );
            }
        }
    }
}

#[test]
fn plan_from_stdin() {
    let mut child = driftscan()
        .current_dir(root())
        .args(["check", "--plan", "-", "--offline", "--db", "target/no-such-history.db", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(testdata("plans/v0.2-terraform-1.0.json")).unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["plan"]["input"], "stdin");
    assert_eq!(clobbers(&r).len(), 1);
}

#[test]
fn what_is_not_a_plan_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let cases = [
        ("terraform.tfstate", "it is a Terraform state file"),
        ("show-state.json", "it is a state from `terraform show -json`"),
        ("future.json", "plan format version 2.0 is newer than this driftscan understands"),
        ("main.tf", "not JSON at line 1, column 1"),
        ("tfplan.bin", "not valid UTF-8"),
        ("empty.json", "empty input, not a plan"),
    ];
    for (file, cause) in cases {
        let path = testdata(&format!("plans/not-a-plan/{file}"));
        let out = run(driftscan().args([
            "check",
            "--plan",
            path.to_str().unwrap(),
            "--offline",
            "--db",
            db.to_str().unwrap(),
        ]));
        assert_eq!(out.code, 1, "{file}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{file}");
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{file}: {}", out.stderr);
        assert!(lines[0].contains(path.to_str().unwrap()) && lines[0].contains(cause), "{file}: {}", lines[0]);
    }
    let missing = run(driftscan().args(["check", "--plan", "/nonexistent/plan.json", "--offline"]));
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("/nonexistent/plan.json: cannot read"), "{}", missing.stderr);
    assert!(!exists(&db), "a failed check writes nothing");
}

#[test]
fn fail_on_chooses_what_fails_the_job() {
    // v0.2 has a clobber; v1.1 has neither drift nor clobber; v1.0 has drift and a clobber.
    let code = |fixture: &str, fail_on: &str| check(fixture, &["--fail-on", fail_on]).code;
    assert_eq!(code("v0.2-terraform-1.0.json", "clobber"), 2);
    assert_eq!(code("v0.2-terraform-1.0.json", "drift"), 2);
    assert_eq!(code("v0.2-terraform-1.0.json", "anomaly"), 0);
    assert_eq!(code("v0.2-terraform-1.0.json", "never"), 0);
    assert_eq!(code("v1.1-terraform-1.3.json", "drift"), 0);
    let bad = check("v0.2-terraform-1.0.json", &["--fail-on", "sometimes"]);
    assert_eq!(bad.code, 1, "a usage error is an error, not drift: {}", bad.stderr);
}

#[test]
fn junit_has_a_case_per_planned_change_and_sarif_is_2_1_0() {
    let junit = check("v1.2-terraform-1.9.json", &["--format", "junit"]).stdout;
    assert!(junit.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"), "{junit}");
    assert_eq!(junit.matches("<testcase ").count(), 3, "{junit}");
    assert!(junit.contains("tests=\"3\" failures=\"1\""), "{junit}");
    assert!(junit.contains("<testcase classname=\"aws_instance\" name=\"update aws_instance.web[0]\">"), "{junit}");
    assert!(junit.contains("<failure type=\"clobber\""), "{junit}");
    assert!(junit.contains("name=\"create module.network.aws_subnet.private[2]\"/>"), "{junit}");

    let sarif: Value = serde_json::from_str(&check("v1.2-terraform-1.9.json", &["--format", "sarif"]).stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules: Vec<&str> = results.iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    assert_eq!(rules, ["driftscan/clobber", "driftscan/drift"]);
    assert_eq!(results[0]["level"], "error");
    assert_eq!(results[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], "aws_instance.web[0]");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "testdata/plans/v1.2-terraform-1.9.json"
    );
}

#[test]
fn markdown_pull_request_comment_snapshot() {
    let out = check("v1.2-terraform-1.9.json", &["--format", "markdown"]);
    assert_eq!(out.code, 2);
    let expected = std::fs::read_to_string(testdata("plans/expected/v1.2-terraform-1.9.md")).unwrap();
    assert_eq!(out.stdout, expected, "the PR comment changed; if on purpose, update the snapshot");
}

/// A CloudTrail record of a write to one resource, as AWS delivers it.
fn event(n: usize, time: &str, instance: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "accountId": "123456789012",
                         "arn": "arn:aws:iam::123456789012:user/ana", "userName": "ana"},
        "eventTime": time, "eventSource": "ec2.amazonaws.com", "eventName": "ModifyInstanceAttribute",
        "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "userAgent": "terraform/1.9.8",
        "requestParameters": {"instanceId": instance, "instanceType": {"value": "t3.micro"}},
        "responseElements": {"_return": true}, "requestID": format!("r-{n}"), "eventID": format!("ev-{n}"),
        "readOnly": false, "eventType": "AwsApiCall", "managementEvent": true,
        "recipientAccountId": "123456789012", "eventCategory": "Management"
    })
}

#[test]
fn planned_changes_are_scored_against_the_history_without_learning() {
    let dir = tempfile::tempdir().unwrap();
    // Four weeks of changes to the instance, weekdays at 10:00-14:00 UTC in us-east-1.
    let mut records = Vec::new();
    for day in 2..30 {
        if matches!(day % 7, 0 | 6) {
            continue; // 2026-11-07 is a Saturday
        }
        for hour in [10, 14] {
            records.push(event(records.len(), &format!("2026-11-{day:02}T{hour:02}:05:00Z"), "i-0d3ce4da2062a0b2b"));
        }
    }
    let trail = dir.path().join("trail.json");
    std::fs::write(&trail, serde_json::to_vec(&json!({ "Records": records })).unwrap()).unwrap();
    let history = History::of(dir.path());
    let db = history.arg();
    let learned = run(history
        .env(&mut driftscan())
        .current_dir(dir.path())
        .args(["learn", "--cloudtrail", trail.to_str().unwrap(), "--db", &db])
        .args(["--now", "2026-11-30T00:00:00Z"]));
    assert_eq!(learned.code, 0, "{}", learned.stderr);
    let counters = || history.count("SELECT count(*) FROM score_counters");
    let before = counters();

    // Sunday 03:00 UTC: a change nobody makes at that hour.
    let plan = testdata("plans/v1.2-terraform-1.9.json");
    let out = run(history
        .env(&mut driftscan())
        .current_dir(dir.path())
        .args(["check", "--plan", plan.to_str().unwrap(), "--offline", "--db", &db])
        .args(["--format", "json", "--fail-on", "never", "--now", "2026-12-06T03:00:00Z"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = out.json();
    assert_eq!(r["summary"]["scored"], true);
    assert_eq!(r["notes"], json!([]));
    let web = &r["planned"][0];
    assert!(web["score"].as_f64().unwrap() > 0.0, "{web:#}");
    assert!(!web["reasons"].as_array().unwrap().is_empty(), "{web:#}");
    assert_eq!(counters(), before, "check scores without learning: the plan is not applied yet");

    assert_eq!(web["anomalous"], true, "{web:#}");
    assert!(
        web["reasons"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().contains("Sun 03:00 UTC")),
        "{web:#}"
    );

    // With the default --fail-on, an anomalous planned change exits 3, and the comment says why.
    let out = run(history
        .env(&mut driftscan())
        .current_dir(dir.path())
        .args(["check", "--plan", plan.to_str().unwrap(), "--offline", "--db", &db])
        .args(["--now", "2026-12-06T03:00:00Z", "--format", "markdown"]));
    assert_eq!(out.code, 3, "{}", out.stdout);
    assert!(out.stdout.contains("#### Unusual changes"), "{}", out.stdout);
}

/// A plan as `terraform plan -refresh=false` writes it (format 1.2, no resource_drift): the prior
/// state is the estate's state, and the configuration sets web[0] to t3.small.
fn refresh_false_plan(estate: &Estate) -> Value {
    let state: Value = serde_json::from_slice(&std::fs::read(estate.path("infra/terraform.tfstate")).unwrap()).unwrap();
    let web = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "aws_instance" && r["name"] == "web")
        .unwrap();
    let values = |i: usize| web["instances"][i]["attributes"].clone();
    let resource = |i: usize, v: Value| {
        json!({"address": format!("aws_instance.web[{i}]"), "mode": "managed", "type": "aws_instance", "name": "web",
               "index": i, "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1,
               "values": v, "sensitive_values": {}})
    };
    let mut after = values(0);
    after["instance_type"] = json!("t3.small");
    let change = |i: usize, actions: Value, before: Value, after: Value| {
        json!({"address": format!("aws_instance.web[{i}]"), "mode": "managed", "type": "aws_instance", "name": "web",
               "index": i, "provider_name": "registry.terraform.io/hashicorp/aws",
               "change": {"actions": actions, "before": before, "after": after, "after_unknown": {},
                          "before_sensitive": {}, "after_sensitive": {}}})
    };
    json!({
        "format_version": "1.2", "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": [resource(0, after.clone()), resource(1, values(1))]}},
        "resource_changes": [change(0, json!(["update"]), values(0), after), change(1, json!(["no-op"]), values(1), values(1))],
        "prior_state": {"format_version": "1.0", "terraform_version": "1.9.8",
                        "values": {"root_module": {"resources": [resource(0, values(0)), resource(1, values(1))]}}},
        "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                                                      "expressions": {"region": {"constant_value": "us-east-1"}}}},
                          "root_module": {"resources": [{"address": "aws_instance.web", "mode": "managed", "type": "aws_instance",
                                                         "name": "web", "provider_config_key": "aws", "schema_version": 1,
                                                         "expressions": {"instance_type": {"constant_value": "t3.small"}}}]}},
        "timestamp": "2026-12-01T09:30:00Z", "applyable": true, "complete": true, "errored": false
    })
}

#[test]
fn live_scan_finds_the_clobber_a_stale_plan_cannot_see() {
    let estate = Estate::create();
    std::fs::write(estate.path("plan.json"), serde_json::to_vec_pretty(&refresh_false_plan(&estate)).unwrap()).unwrap();
    estate.drift(&["resize-instance"]);

    let out = run(&mut estate.command(&["check", "--plan", "plan.json", "--db", "history.db", "--format", "json"]));
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(clobbers(&r), vec![(s("aws_instance.web[0]"), s("instance_type"), s("live"))]);
    let c = &r["clobber"][0];
    assert_eq!((c["out_of_band"].as_str(), c["planned"].as_str()), (Some("t3.large"), Some("t3.small")));
    assert_eq!(c["id"], estate.id("web_0"));
    // The live scan found only the resize: web[1] is in sync.
    assert_eq!(r["drift"].as_array().unwrap().len(), 1, "{:#}", r["drift"]);
    assert_eq!(r["drift"][0]["source"], "live");
    assert_eq!(
        r["drift"][0]["attributes"][0],
        json!({"name": "instance_type", "before": "t3.micro", "after": "t3.large"})
    );
    assert_eq!(r["summary"]["live_scan"], "done");
    assert!(!estate.history().exists(), "check never creates a history");

    let table = run(&mut estate.command(&["check", "--plan", "plan.json", "--db", "history.db", "--fail-on", "never"]));
    assert_eq!(table.code, 0, "{}\n{}", table.stdout, table.stderr);
    assert!(table.stdout.contains("CLOBBER (1)"), "{}", table.stdout);
    assert!(
        table.stdout.contains("instance_type: changed to \"t3.large\" outside Terraform; the plan sets \"t3.small\" (seen by the live scan)"),
        "{}",
        table.stdout
    );

    // Offline, only the plan speaks, and this plan saw no drift.
    let offline = run(&mut estate.command(&[
        "check",
        "--plan",
        "plan.json",
        "--db",
        "history.db",
        "--offline",
        "--format",
        "json",
    ]));
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    assert_eq!(offline.json()["clobber"], json!([]));

    // What a scan is told to ignore, check ignores too: the `ignore_changes` of the sources...
    copy_dir(&testdata("tf/estate"), &estate.path("tf"));
    let quiet = |extra: &[&str]| {
        let out = run(estate
            .command(&["check", "--plan", "plan.json", "--db", "history.db", "--format", "json"])
            .args(extra));
        assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
        let r = out.json();
        assert_eq!((&r["drift"], &r["clobber"]), (&json!([]), &json!([])), "{extra:?}: {r:#}");
        // The planned change is still Terraform's to make, and still listed.
        assert_eq!(planned(&r), vec![(s("aws_instance.web[0]"), s("update"))]);
    };
    quiet(&["--tf-dir", "tf"]);
    // ...and `./.driftignore`, read without a flag as by a scan.
    std::fs::write(estate.path(".driftignore"), format!("aws_instance.{}.instance_type\n", estate.id("web_0")))
        .unwrap();
    quiet(&[]);
    let missing = run(&mut estate.command(&["check", "--plan", "plan.json", "--ignore-file", "nope", "--offline"]));
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(missing.stderr.starts_with("driftscan: error: nope: cannot read: "), "{}", missing.stderr);
}

#[test]
fn drift_terraform_saw_is_ignored_as_a_scan_would_ignore_it() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::write(&rules, "aws_instance.*.instance_type\n").unwrap();
    let out = check("v0.2-terraform-1.0.json", &["--format", "json", "--ignore-file", rules.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!((&r["drift"], &r["clobber"]), (&json!([]), &json!([])), "{r:#}");
    assert_eq!(planned(&r), vec![(s("aws_instance.web[0]"), s("update"))]);
    // A rule on another attribute leaves the drift and its clobber alone.
    std::fs::write(&rules, "aws_instance.*.ami\n").unwrap();
    let out = check("v0.2-terraform-1.0.json", &["--format", "json", "--ignore-file", rules.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(clobbers(&out.json()), vec![(s("aws_instance.web[0]"), s("instance_type"), s("plan"))]);
}

#[test]
fn fail_on_severity_and_sarif_levels_follow_what_the_drift_does() {
    // Someone opened SSH to the world out of band; Terraform saw it while refreshing.
    let plan = "v1.2-terraform-1.9-no-drift.json";
    let report = check(plan, &["--format", "json"]).json();
    let drift = &report["drift"][0];
    assert_eq!((drift["address"].as_str(), drift["severity"].as_str()), (Some("aws_security_group.web"), Some("high")));
    assert_eq!(drift["impact_reasons"][0], "ingress tcp 22-22 from 0.0.0.0/0 opens SSH (22) to the internet");
    assert_eq!(check(plan, &["--fail-on", "severity:high"]).code, 2);
    assert_eq!(check(plan, &["--fail-on", "severity:critical"]).code, 0);
    let json = check(plan, &["--fail-on", "severity:high", "--format", "json"]).json();
    assert_eq!(json["summary"]["fail_on"], "severity:high");
    // A resized instance is drift of low severity: severity:medium lets it through.
    assert_eq!(check("v0.2-terraform-1.0.json", &["--fail-on", "severity:medium"]).code, 0);

    let sarif = check(plan, &["--format", "sarif"]).json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let ssh = results.iter().find(|r| r["ruleId"] == "driftscan/drift").unwrap();
    assert_eq!(ssh["level"], "error", "{ssh}");
    assert_eq!(ssh["properties"]["severity"], "high");
    assert!(ssh["message"]["text"].as_str().unwrap().contains("opens SSH (22)"), "{ssh}");
    let low = check("v0.2-terraform-1.0.json", &["--format", "sarif"]).json();
    let resized =
        low["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "driftscan/drift").cloned();
    assert_eq!(resized.unwrap()["level"], "warning", "drift stays at least a warning");
}
