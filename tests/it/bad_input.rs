//! Every file driftscan reads, given every kind of bad input: one line on stderr naming the file
//! and the cause, exit 1, and no history created. None of these reach AWS.

use std::path::Path;

use crate::harness::{driftscan, run, testdata};

/// What is wrong with a file.
enum Bad {
    Bytes(&'static str, Vec<u8>),
    Directory,
}

fn inputs(valid: &str) -> Vec<Bad> {
    let cut = valid.len() / 2;
    vec![
        Bad::Bytes("empty", Vec::new()),
        Bad::Bytes("truncated", valid.as_bytes()[..cut].to_vec()),
        Bad::Bytes("garbage", b"this is not what you think { [ \x01".to_vec()),
        Bad::Bytes("deep nesting", "[".repeat(100_000).into_bytes()),
        Bad::Bytes("invalid UTF-8", b"{\"version\": \"\xff\xfe\xfd\"}".to_vec()),
        Bad::Bytes("huge numbers", b"{\"version\": 1e99999, \"serial\": 123456789012345678901234567890}".to_vec()),
        Bad::Directory,
    ]
}

/// Runs `args` (with `FILE` replaced) on every bad input written to `name`; `skip` names the
/// inputs that are valid for this kind of file.
fn each_fails(name: &str, valid: &str, args: &[&str], skip: &[&str]) {
    for bad in inputs(valid) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        let label = match &bad {
            Bad::Bytes(label, bytes) => {
                std::fs::write(&path, bytes).unwrap();
                *label
            }
            Bad::Directory => {
                std::fs::create_dir(&path).unwrap();
                "a directory"
            }
        };
        if skip.contains(&label) {
            continue;
        }
        let args: Vec<String> = args.iter().map(|a| a.replace("FILE", path.to_str().unwrap())).collect();
        let out = run(driftscan().current_dir(dir.path()).args(&args));
        let what = format!("{name} ({label}) with {args:?}");
        assert_eq!(out.code, 1, "{what}: exit {}\nstdout:{}\nstderr:{}", out.code, out.stdout, out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{what}: not one line:\n{}", out.stderr);
        assert!(out.stderr.contains(name), "{what}: does not name the file:\n{}", out.stderr);
        assert!(out.stdout.is_empty(), "{what}: data on stdout:\n{}", out.stdout);
        assert!(!Path::new(&dir.path().join("h.db")).exists(), "{what}: a history was created");
    }
}

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(testdata(rel)).unwrap()
}

#[test]
fn bad_state_files() {
    each_fails(
        "terraform.tfstate",
        &fixture("states/modules.tfstate"),
        &["scan", "--state", "FILE", "--db", "h.db"],
        &[],
    );
}

#[test]
fn bad_plan_files() {
    each_fails(
        "plan.json",
        &fixture("plans/v1.2-terraform-1.9.json"),
        &["check", "--plan", "FILE", "--offline", "--db", "h.db"],
        &[],
    );
}

#[test]
fn bad_cloudtrail_files() {
    let valid = std::fs::read_to_string(testdata("cloudtrail/broken/not-cloudtrail.json")).unwrap();
    // A directory of logs is what `--cloudtrail` usually gets: an empty one is a quiet day.
    each_fails("trail.json", &valid, &["learn", "--cloudtrail", "FILE", "--db", "h.db"], &["a directory"]);
}

#[test]
fn bad_ignore_files() {
    let state = testdata("states/modules.tfstate");
    let args = ["scan", "--state", state.to_str().unwrap(), "--ignore-file", "FILE", "--db", "h.db"];
    // An empty ignore file ignores nothing; a cut one is still lines of rules.
    each_fails(".driftignore", "aws_instance.i-0123\naws_vpc.*\n", &args, &["empty", "truncated", "huge numbers"]);
}

#[test]
fn bad_config_files() {
    let valid =
        "history = \"h.db\"\nworkspace \"prod\" {\n  states = [\"a.tfstate\"]\n  regions = [\"us-east-1\"]\n}\n";
    each_fails("driftscan.hcl", valid, &["config", "check", "--config", "FILE"], &["empty"]);
}

#[test]
fn bad_terraform_sources() {
    let state = testdata("states/modules.tfstate");
    for bad in inputs("resource \"aws_instance\" \"web\" {\n  ami = \"ami-1\"\n}\n") {
        let Bad::Bytes(label, bytes) = bad else { continue };
        if label == "empty" || label == "truncated" && bytes.is_empty() {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tf")).unwrap();
        std::fs::write(dir.path().join("tf/main.tf"), &bytes).unwrap();
        let out = run(driftscan().current_dir(dir.path()).args([
            "scan",
            "--state",
            state.to_str().unwrap(),
            "--tf-dir",
            "tf",
            "--db",
            "h.db",
        ]));
        assert_eq!(out.code, 1, "main.tf ({label}): {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "main.tf ({label}):\n{}", out.stderr);
        assert!(out.stderr.contains("main.tf"), "main.tf ({label}):\n{}", out.stderr);
        assert!(!dir.path().join("h.db").exists());
    }
}

/// A 1 GB file that is not a state (sparse: it takes no disk) is refused from what streamed
/// past, in one line, without being read whole.
#[test]
fn a_one_gigabyte_file_that_is_not_a_state() {
    let dir = tempfile::tempdir().unwrap();
    for (name, head) in [("zeros.tfstate", ""), ("cut.tfstate", "{\"version\": 4, \"resources\": [")] {
        let path = dir.path().join(name);
        std::fs::write(&path, head).unwrap();
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(1 << 30).unwrap();
        let out = run(driftscan().current_dir(dir.path()).args(["scan", "--state", name, "--db", "h.db"]));
        assert_eq!(out.code, 1, "{name}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{name}: {}", out.stderr);
        assert!(out.stderr.contains(name) && out.stderr.contains("not JSON"), "{}", out.stderr);
        assert!(!dir.path().join("h.db").exists());
    }
}

/// A file that is not there: one line that names it and tells the cause once (the OS's words
/// were printed twice when an error both said its cause and handed it on).
#[test]
fn a_missing_file_is_named_with_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let state = testdata("states/modules.tfstate");
    let state = state.to_str().unwrap();
    for args in [
        &["scan", "--state", "gone.tfstate", "--db", "h.db"][..],
        &["state", "--state", "gone.tfstate"],
        &["check", "--plan", "gone.json", "--offline", "--db", "h.db"],
        &["learn", "--cloudtrail", "gone.json", "--db", "h.db"],
        &["scan", "--state", state, "--ignore-file", "gone.driftignore", "--db", "h.db"],
        &["config", "check", "--config", "gone.hcl"],
    ] {
        let out = run(driftscan().current_dir(dir.path()).args(args));
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("gone."), "{args:?}: {}", out.stderr);
        assert!(out.stderr.matches("No such file or directory").count() <= 1, "{args:?}: {}", out.stderr);
        assert!(!dir.path().join("h.db").exists(), "{args:?}: a history was created");
    }
}
