//! Every text file driftscan reads, as Windows tools write it: UTF-16 LE with a byte-order mark
//! (Windows PowerShell 5's `>`), and UTF-8 with one (Notepad). Each reads exactly as its UTF-8
//! original does. None of these reach AWS.

use std::path::Path;

use serde_json::Value;

use crate::harness::{driftscan, run, testdata, Run};

/// The encodings a file is rewritten in, with the bytes of `text` in each.
fn encodings(text: &str) -> [(&'static str, Vec<u8>); 3] {
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(text.as_bytes());
    [("utf-8", text.as_bytes().to_vec()), ("utf-16le", utf16), ("utf-8 with bom", bom)]
}

/// Runs `args` in `dir`, with `FILE` naming the file each encoding of `original` is written
/// to; returns each run with its encoding, after checking it succeeded.
fn each_encoding(dir: &Path, original: &Path, name: &str, args: &[&str]) -> Vec<(&'static str, Run)> {
    let text = std::fs::read_to_string(original).unwrap();
    encodings(&text)
        .into_iter()
        .map(|(label, bytes)| {
            std::fs::write(dir.join(name), bytes).unwrap();
            let out = run(driftscan().current_dir(dir).args(args));
            assert!(out.code == 0 || out.code == 2, "{name} in {label}: exit {}: {}", out.code, out.stderr);
            assert!(out.stderr.is_empty(), "{name} in {label}: {}", out.stderr);
            (label, out)
        })
        .collect()
}

fn all_the_same(name: &str, runs: &[(&str, Run)]) {
    let (_, first) = &runs[0];
    for (label, out) in &runs[1..] {
        assert_eq!((out.code, &out.stdout), (first.code, &first.stdout), "{name} in {label} reads otherwise");
    }
}

#[test]
fn states_in_every_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let runs = each_encoding(
        dir.path(),
        &testdata("states/v4-modules.tfstate"),
        "terraform.tfstate",
        &["state", "--state", "terraform.tfstate", "--format", "json"],
    );
    all_the_same("terraform.tfstate", &runs);
    assert!(runs[0].1.json()["resources"].as_array().unwrap().len() > 3);
}

#[test]
fn plans_in_every_encoding_terraform_1_0_included() {
    let dir = tempfile::tempdir().unwrap();
    for fixture in ["v0.2-terraform-1.0.json", "v1.2-terraform-1.9.json"] {
        let args = ["check", "--plan", "plan.json", "--offline", "--db", "none.db", "--format", "json"];
        let runs = each_encoding(dir.path(), &testdata(&format!("plans/{fixture}")), "plan.json", &args);
        all_the_same(fixture, &runs);
        let report: Value = runs[0].1.json();
        // Terraform 1.0's drift has no address of its own: it is built from its parts.
        assert_eq!(report["drift"][0]["address"], "aws_instance.web[0]", "{fixture}: {report}");
    }
}

#[test]
fn cloudtrail_logs_in_every_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["learn", "--cloudtrail", "trail.json", "--db", "h.db", "--format", "json"];
    let original = testdata(
        "cloudtrail/reference/stratus-red-team__aws.exfiltration.ec2-security-group-open-port-22-ingress.json",
    );
    let runs = each_encoding(dir.path(), &original, "trail.json", &args);
    for (label, out) in &runs {
        let summary = &out.json()["summary"];
        // The first run recorded the events; the same events read again add nothing.
        let (added, again) = (summary["added"].as_i64().unwrap(), summary["already_recorded"].as_i64().unwrap());
        assert_eq!(summary["skipped"], 0, "{label}: {summary}");
        if *label == "utf-8" {
            assert!(added > 0 && again == 0, "{label}: {summary}");
        } else {
            assert!(added == 0 && again > 0, "{label}: {summary}");
        }
    }
}

/// `config check` reads the config, each workspace's ignore file and its Terraform sources.
#[test]
fn config_ignore_files_and_terraform_sources_in_every_encoding() {
    let text = |p: &str| std::fs::read_to_string(testdata(p)).unwrap();
    let config = "workspace \"prod\" {\n  tf_dir = \"tf\"\n  states = [\"a.tfstate\"]\n  ignore_file = \"rules\"\n}\n";
    let main_tf = text("tf/root/main.tf");
    let rules = text("ignore/driftctl.driftignore");
    let mut outs = Vec::new();
    for ((label, config), ((_, tf), (_, ignore))) in
        encodings(config).into_iter().zip(encodings(&main_tf).into_iter().zip(encodings(&rules)))
    {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tf")).unwrap();
        std::fs::write(dir.path().join("tf/main.tf"), tf).unwrap();
        std::fs::write(dir.path().join("rules"), ignore).unwrap();
        std::fs::write(dir.path().join("driftscan.hcl"), config).unwrap();
        let out = run(driftscan().current_dir(dir.path()).args(["config", "check"]));
        assert_eq!(out.code, 0, "{label}: {}", out.stderr);
        outs.push((label, out));
    }
    all_the_same("driftscan.hcl", &outs);
}

#[test]
fn a_cut_utf16_file_says_where_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    // PowerShell's encoding, one byte short: half a character at the end.
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend("{\"format_version\": \"1.2\"}".encode_utf16().flat_map(u16::to_le_bytes));
    bytes.pop();
    std::fs::write(dir.path().join("plan.json"), &bytes).unwrap();
    let out = run(driftscan().current_dir(dir.path()).args(["check", "--plan", "plan.json", "--offline"]));
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let at = bytes.len() - 1;
    assert!(
        out.stderr.contains(&format!("plan.json: not valid UTF-8 at byte offset {at} (nor UTF-16")),
        "{}",
        out.stderr
    );
}
