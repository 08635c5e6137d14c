//! `driftscan state` on the fixtures in `testdata/states/` and on the real state files in
//! `../shared/reference/states/`: what is listed, and one clear line for every bad input.

use serde_json::{json, Value};

use crate::harness::{driftscan, root, run, testdata, Run};

fn state(paths: &[&str], format: &str) -> Run {
    let mut cmd = driftscan();
    cmd.current_dir(root()).arg("state").args(["--format", format]);
    for p in paths {
        cmd.args(["--state", p]);
    }
    run(&mut cmd)
}

fn rows(out: &Run) -> Vec<Value> {
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    out.json()["resources"].as_array().expect("resources").clone()
}

#[test]
fn lists_modules_indexes_aliases_deposed_and_other_providers() {
    let got = rows(&state(&["testdata/states/v4-modules.tfstate"], "json"));
    let brief: Vec<Value> = got
        .iter()
        .map(|r| json!([r["address"], r["region"], r["provider"], r.get("deposed").cloned().unwrap_or(Value::Null)]))
        .collect();
    assert_eq!(
        brief,
        vec![
            json!(["module.app.module.net.aws_subnet.private[0]", "eu-central-1", "aws", null]),
            json!(["module.app.module.net.aws_subnet.private[1]", "eu-central-1", "aws", null]),
            json!(["module.app.module.net.aws_vpc.this", "eu-central-1", "aws", null]),
            // Region from the zone when the ARN is empty or missing.
            json!(["aws_ebs_volume.data[\"logs\"]", "eu-central-1", "aws", null]),
            json!(["aws_ebs_volume.data[\"metrics\"]", "ap-southeast-2", "aws", null]),
            json!(["aws_instance.web", "us-west-2", "aws.west", null]),
            json!(["aws_instance.web", "us-west-2", "aws.west", "00000001"]),
            // The `region` attribute of AWS provider 6.x; the 0.12 provider string.
            json!(["aws_security_group.web", "us-east-2", "aws", null]),
            // Nothing tells this one's region.
            json!(["aws_key_pair.deploy", null, "aws", null]),
            json!(["aws_db_instance.main", "eu-central-1", "aws", null]),
            json!(["random_id.suffix", null, "random", null]),
        ]
    );
    let first = &got[0];
    assert_eq!(first["type"], "aws_subnet");
    assert_eq!(first["id"], "subnet-0aaa000000000001");
    assert_eq!(first["state"], "testdata/states/v4-modules.tfstate");
    // Data sources are reads, not declarations.
    assert!(got.iter().all(|r| r["type"] != "aws_ami"));
}

#[test]
fn table_lists_the_same_and_counts_them() {
    let out = state(&["testdata/states/v4-modules.tfstate"], "table");
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("ADDRESS"), "{}", out.stdout);
    assert!(out.stdout.contains("aws_instance.web (deposed 00000001)"), "{}", out.stdout);
    assert!(out.stdout.trim_end().ends_with("11 managed resource instances"), "{}", out.stdout);
}

#[test]
fn sensitive_values_never_appear() {
    for format in ["json", "table"] {
        let out = state(&["testdata/states/v4-modules.tfstate"], format);
        assert_eq!(out.code, 0);
        assert!(!out.stdout.contains("s3cr3t-Pa55") && !out.stderr.contains("s3cr3t-Pa55"), "{format} leaked a secret");
    }
}

#[test]
fn unicode_and_huge_numbers_parse() {
    let got = rows(&state(&["testdata/states/v4-unicode.tfstate", "testdata/states/v4-huge-numbers.tfstate"], "json"));
    let addresses: Vec<&str> = got.iter().map(|r| r["address"].as_str().unwrap()).collect();
    assert_eq!(addresses, vec!["aws_ebs_volume.big", "aws_vpc.zürich"]);
}

#[test]
fn several_flags_and_globs_combine_without_duplicates() {
    let got = rows(&state(
        &["testdata/states/v4-u*.tfstate", "testdata/states/v4-modules.tfstate", "testdata/states/v4-*.tfstate"],
        "json",
    ));
    // modules (11) + unicode (1) + huge numbers (1), each file read once.
    assert_eq!(got.len(), 13);
}

/// Asserts one line on stderr, starting with the error prefix and containing every needle.
fn fails_with(paths: &[&str], needles: &[&str]) {
    let out = state(paths, "json");
    assert_eq!(out.code, 1, "{paths:?} should fail; stdout: {}", out.stdout);
    assert!(out.stdout.is_empty(), "{paths:?} printed data: {}", out.stdout);
    assert_eq!(out.stderr.lines().count(), 1, "{paths:?}: not one line:\n{}", out.stderr);
    assert!(out.stderr.starts_with("driftscan: error: "), "{}", out.stderr);
    for n in needles {
        assert!(out.stderr.contains(n), "{paths:?}: {:?} lacks {n:?}", out.stderr);
    }
}

#[test]
fn old_formats_say_which_version_and_what_is_required() {
    for v in 1..=3 {
        let path = format!("testdata/states/v{v}.tfstate");
        fails_with(
            &[&path],
            &[
                &path,
                &format!("state format version {v} is not supported"),
                "Terraform 0.12 or later state (version 4) is required",
            ],
        );
    }
}

#[test]
fn every_bad_input_gets_one_clear_line() {
    let cases: &[(&str, &[&str])] = &[
        ("testdata/states/v5.tfstate", &["version 5 is newer than this driftscan understands"]),
        ("testdata/states/truncated.tfstate", &["truncated JSON at line"]),
        ("testdata/states/not-json.tfstate", &["not JSON at line 1, column 1"]),
        ("testdata/states/empty.tfstate", &["file is empty"]),
        ("testdata/states/plan.json", &["it is a plan", "driftscan check --plan"]),
        ("testdata/states/invalid-utf8.tfstate", &["not valid UTF-8 at byte offset 110"]),
        ("testdata/states", &["is a directory"]),
        ("testdata/states/missing.tfstate", &["cannot read", "No such file"]),
        ("testdata/states/nothing-*.tfstate", &["no file matches this pattern"]),
    ];
    for (path, needles) in cases {
        let mut all = vec![*path];
        all.extend_from_slice(needles);
        fails_with(&[path], &all);
    }
    // One bad file among good ones fails the whole read: a partial estate would report
    // everything the bad file declares as unmanaged.
    fails_with(&["testdata/states/v4-modules.tfstate", "testdata/states/truncated.tfstate"], &["truncated.tfstate"]);
    assert!(testdata("states/v4-modules.tfstate").exists());
}

#[test]
fn every_real_state_in_the_reference_folder_parses() {
    let dir = root().join("../shared/reference/states");
    let entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}: the reference states must sit beside the checkout", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert!(entries.len() >= 8, "expected the reference states in {}", dir.display());
    for path in entries {
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let expected: Vec<(String, String)> = raw["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["mode"] == "managed")
            .flat_map(|r| {
                r["instances"].as_array().unwrap().iter().map(move |i| {
                    (r["type"].as_str().unwrap().to_owned(), i["attributes"]["id"].as_str().unwrap_or("").to_owned())
                })
            })
            .collect();
        let got: Vec<(String, String)> = rows(&state(&[path.to_str().unwrap()], "json"))
            .iter()
            .map(|r| (r["type"].as_str().unwrap().to_owned(), r["id"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(got, expected, "{}", path.display());
        assert!(!got.is_empty(), "{}", path.display());
    }
}
