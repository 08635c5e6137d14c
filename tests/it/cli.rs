//! The command line itself: help, usage errors and their exit codes.

use crate::harness::{driftscan, run};

#[test]
fn usage_errors_exit_1_not_2() {
    // Exit 2 means "drift found" to a pipeline; a typo must never look like drift.
    for args in
        [&["scan"][..], &["scan", "--state"], &["scan", "--state", "x", "--format", "yaml"], &["frobnicate"], &[]]
    {
        let out = run(driftscan().args(args));
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn help_teaches_and_exits_0() {
    let out = run(driftscan().arg("--help"));
    assert_eq!(out.code, 0);
    for needle in ["scan", "state", "Exit codes: 0 in sync, 1 error, 2 drift found, 3 anomalous drift found"] {
        assert!(out.stdout.contains(needle), "--help lacks {needle:?}:\n{}", out.stdout);
    }
    let scan = run(driftscan().args(["scan", "--help"]));
    assert_eq!(scan.code, 0);
    for needle in [
        "--state <PATH>",
        "--db <PATH_OR_URL>",
        "postgres://",
        ".driftscan/history.db",
        "--include-defaults",
        "AWS_ENDPOINT_URL",
        "Example:",
    ] {
        assert!(scan.stdout.contains(needle), "scan --help lacks {needle:?}:\n{}", scan.stdout);
    }
    assert_eq!(run(driftscan().arg("--version")).code, 0);
}

#[test]
fn bad_now_is_a_usage_error() {
    let out = run(driftscan().args(["state", "--state", "x", "--now", "yesterday"]));
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("expected RFC 3339"), "{}", out.stderr);
}
