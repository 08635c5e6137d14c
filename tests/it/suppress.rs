//! `--ignore-file` and `--tf-dir` end to end: what they suppress is not reported (nor listed,
//! for a type ignored entirely), changes say where their resource is written, and a bad rule
//! or an unparseable source fails in one line before AWS and the history are touched.

use serde_json::Value;

use crate::harness::{copy_dir, testdata, Estate};
use crate::scan::change_keys;

fn keys(list: &[(&str, &str, &str)]) -> std::collections::BTreeSet<(String, String, String)> {
    list.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect()
}

fn scans_recorded(estate: &Estate) -> i64 {
    estate.history().count("SELECT count(*) FROM scans")
}

const DRIFT: &[&str] = &[
    "resize-instance",
    "open-rdp",
    "retag-vpc",
    "public-subnet",
    "vpc-dns-off",
    "grow-volume",
    "terminate-replica",
    "unmanaged-instance",
];

#[test]
fn driftignore_suppresses_resources_fields_and_whole_types() {
    let estate = Estate::create();
    let made = estate.drift(DRIFT);
    let unmanaged = made["unmanaged_instance"].as_str().unwrap();
    // `./.driftignore` is read without a flag.
    let rules = format!(
        "# driftscan rules\naws_instance.{unmanaged}\naws_instance.{}\naws_ebs_volume\naws_volume_attachment\naws_vpc.{}.tags.Owner\n",
        estate.id("replica"),
        estate.id("vpc_main"),
    );
    std::fs::write(estate.path(".driftignore"), rules).unwrap();
    let out = estate.scan(&[]);
    assert_eq!(out.code, 2, "stderr:\n{}", out.stderr);
    let report = out.json();
    let expected = keys(&[
        ("drifted", "aws_instance.web[0]", "instance_type"),
        ("drifted", "aws_security_group.web", "ingress"),
        ("drifted", "aws_vpc.main", "enable_dns_hostnames"),
        ("drifted", "module.network.aws_subnet.private[1]", "map_public_ip_on_launch"),
    ]);
    assert_eq!(change_keys(&report), expected, "{report:#}");
    // Ignored resources are not counted either: 36 declared, less the replica and the volume.
    let s = &report["summary"];
    assert_eq!((s["managed"].as_u64(), s["deleted"].as_u64(), s["unmanaged"].as_u64()), (Some(34), Some(0), Some(0)));
    // Types ignored entirely (volumes and their attachments) are not even listed.
    let calls = s["api_calls"].as_object().unwrap();
    assert!(!calls.contains_key("DescribeVolumes"), "{calls:?}");
    assert_eq!(calls["DescribeInstances"], 2);

    // The same rules under another name, named on the command line.
    std::fs::rename(estate.path(".driftignore"), estate.path("rules.driftignore")).unwrap();
    let named = estate.scan(&["--ignore-file", "rules.driftignore", "--no-history"]);
    assert_eq!(change_keys(&named.json()), expected);
    // Without it, everything is back.
    let all = estate.scan(&["--no-history"]);
    assert_eq!(change_keys(&all.json()).len(), 8);
}

#[test]
fn a_bad_or_missing_ignore_file_fails_in_one_line_and_leaves_the_history() {
    let estate = Estate::create();
    assert_eq!(estate.scan(&[]).code, 0);
    assert_eq!(scans_recorded(&estate), 1);

    std::fs::write(estate.path(".driftignore"), "aws_eip.*\n\naws_instance..i-1\n").unwrap();
    let out = estate.scan(&[]);
    assert_eq!(out.code, 1, "stdout:\n{}", out.stdout);
    assert!(out.stdout.is_empty());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("driftscan: error: .driftignore:3: empty segment where the resource id should be"),
        "{}",
        out.stderr
    );

    std::fs::remove_file(estate.path(".driftignore")).unwrap();
    let out = estate.scan(&["--ignore-file", "nope.driftignore"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("driftscan: error: nope.driftignore: cannot read: "), "{}", out.stderr);
    assert_eq!(scans_recorded(&estate), 1, "a failed scan touched the history");

    // No history yet: none is created.
    let fresh = Estate::create();
    std::fs::write(fresh.path(".driftignore"), "!\n").unwrap();
    assert_eq!(fresh.scan(&[]).code, 1);
    assert!(!fresh.history().exists());
}

#[test]
fn tf_dir_honours_ignore_changes_and_names_the_source() {
    let estate = Estate::create();
    estate.drift(&["resize-instance", "open-rdp", "retag-vpc", "public-subnet", "vpc-dns-off", "grow-volume"]);
    copy_dir(&testdata("tf/estate"), &estate.path("tf"));
    let out = estate.scan(&["--tf-dir", "tf"]);
    assert_eq!(out.code, 2, "stderr:\n{}", out.stderr);
    let report = out.json();
    // aws_instance.web ignores instance_type, aws_vpc.main tags["Owner"], aws_security_group.web all.
    let expected = keys(&[
        ("drifted", "aws_vpc.main", "enable_dns_hostnames"),
        ("drifted", "module.network.aws_subnet.private[1]", "map_public_ip_on_launch"),
        ("drifted", "aws_ebs_volume.data[\"logs\"]", "size"),
    ]);
    assert_eq!(change_keys(&report), expected, "{report:#}");
    let source = |address: &str| -> Value {
        report["changes"].as_array().unwrap().iter().find(|c| c["address"] == address).unwrap()["source"].clone()
    };
    // Paths as given to --tf-dir, joined with the file's path inside it.
    assert_eq!(source("aws_vpc.main"), "tf/main.tf:16");
    assert_eq!(source("module.network.aws_subnet.private[1]"), "tf/modules/network/main.tf:5");
    // Declared in another root module: no source.
    assert_eq!(source("aws_ebs_volume.data[\"logs\"]"), Value::Null);
    // A drifted resource whose attributes are all ignored is still managed.
    assert_eq!(report["summary"]["managed"], 36);
    assert_eq!(report["summary"]["drifted"], 3);

    let table = crate::harness::run(estate.scan_command().args(["--tf-dir", "tf", "--no-history"]));
    assert!(table.stdout.contains("us-east-1  (tf/main.tf:16)\n"), "{}", table.stdout);
}

#[test]
fn unparseable_hcl_fails_in_one_line_and_writes_no_history() {
    let estate = Estate::create();
    let broken = testdata("tf/broken");
    let out = estate.scan(&["--tf-dir", broken.to_str().unwrap()]);
    assert_eq!(out.code, 1, "stdout:\n{}", out.stdout);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let want = format!("driftscan: error: {}:6:9: cannot parse HCL: ", broken.join("main.tf").display());
    assert!(out.stderr.starts_with(&want), "{}", out.stderr);
    assert!(!estate.history().exists());

    let out = estate.scan(&["--tf-dir", "no-such-dir"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("driftscan: error: no-such-dir: cannot read: "), "{}", out.stderr);
    assert!(!estate.history().exists());
}
