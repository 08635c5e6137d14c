//! Loading real and fixture log files: `testdata/cloudtrail/` (see `make_fixtures.py` there).

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;

use super::*;

fn fixtures(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cloudtrail").join(rel)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn summary(events: &[TrailEvent]) -> Vec<(String, String, Vec<String>)> {
    events
        .iter()
        .map(|e| (e.time.to_rfc3339(), e.event_name.clone(), e.resources.iter().map(|r| r.id.clone()).collect()))
        .collect()
}

/// Real detonations, as bare arrays: name, change events expected.
const REFERENCE: &[(&str, usize)] = &[
    // One failed RunInstances (Client.UnauthorizedOperation) and two STS calls.
    ("stratus-red-team__aws.execution.ec2-launch-unusual-instances.json", 0),
    // Stop, change user data, start: three changes among 32 DescribeInstances.
    ("stratus-red-team__aws.execution.ec2-user-data.json", 3),
    ("stratus-red-team__aws.exfiltration.ec2-security-group-open-port-22-ingress.json", 1),
    // Sharing a snapshot with another account (ModifySnapshotAttribute): snapshots are compared.
    ("stratus-red-team__aws.exfiltration.ec2-share-ebs-snapshot.json", 1),
];

#[test]
fn reference_samples_load_bare_wrapped_and_gzipped() {
    for (name, want) in REFERENCE {
        let bare = fs::read(fixtures("reference").join(name)).unwrap();
        let records: Value = serde_json::from_slice(&bare).unwrap();
        assert!(records.is_array(), "{name}");
        let wrapped = serde_json::to_vec(&serde_json::json!({ "Records": records })).unwrap();
        let from_bare = parse_bytes(name, &bare).unwrap();
        assert_eq!(from_bare.len(), *want, "{name}");
        assert_eq!(parse_bytes(name, &wrapped).unwrap(), from_bare, "{name} wrapped");
        assert_eq!(parse_bytes(name, &gzip(&bare)).unwrap(), from_bare, "{name} gzipped");
        assert_eq!(parse_bytes(name, &gzip(&wrapped)).unwrap(), from_bare, "{name} wrapped and gzipped");
    }
}

#[test]
fn reference_samples_keep_what_the_records_say() {
    let loaded = load_paths(&[fixtures("reference")]).unwrap();
    assert_eq!((loaded.files, loaded.records, loaded.ignored, loaded.uncovered), (4, 40, 35, 0));
    assert!(loaded.skipped.is_empty());
    assert_eq!(
        summary(&loaded.events),
        [
            ("2024-08-01T12:03:30+00:00", "StopInstances", "i-DDd6c7B0e18F0E35f"),
            ("2024-08-01T12:04:18+00:00", "ModifyInstanceAttribute", "i-DDd6c7B0e18F0E35f"),
            ("2024-08-01T12:04:19+00:00", "StartInstances", "i-DDd6c7B0e18F0E35f"),
            ("2024-08-01T12:23:55+00:00", "AuthorizeSecurityGroupIngress", "sg-003dc7f1f1c686164"),
            ("2024-08-01T12:28:02+00:00", "ModifySnapshotAttribute", "snap-041993b54a9b3af6f"),
        ]
        .map(|(t, n, id)| (t.to_string(), n.to_string(), vec![id.to_string()]))
    );
    let ssh = &loaded.events[3];
    assert_eq!(ssh.region, "us-northeast-1r");
    assert_eq!(ssh.account, "032092706103");
    assert_eq!(ssh.actor.as_deref(), Some("arn:aws:iam::032092706103:user/christophe"));
    assert_eq!(ssh.source_ip.as_deref(), Some("253.243.215.253"));
    assert_eq!(
        ssh.resources,
        [TrailResource { rtype: "aws_security_group".into(), id: "sg-003dc7f1f1c686164".into() }]
    );
}

#[test]
fn estate_tree_is_walked_and_attributed() {
    let loaded = load_paths(&[fixtures("estate")]).unwrap();
    // Three logs and a digest; the redelivered event counts once. The S3 CreateBucket and the
    // CreateSnapshot are covered writes since buckets and snapshots are compared.
    assert_eq!((loaded.files, loaded.records, loaded.duplicates, loaded.ignored, loaded.uncovered), (4, 12, 1, 3, 0));
    assert_eq!(loaded.records, loaded.events.len() + loaded.duplicates + loaded.ignored);
    assert!(loaded.skipped.is_empty(), "{:?}", loaded.skipped);
    let want: Vec<(String, String, Vec<String>)> = [
        ("2026-11-20T09:02:41+00:00", "RunInstances", &["i-0d000000000000002"][..]),
        (
            "2026-11-20T09:02:42+00:00",
            "CreateTags",
            &["i-0d000000000000002", "vol-0e000000000000002", "eni-0f0000000000000b2"],
        ),
        ("2026-11-20T09:11:30+00:00", "AuthorizeSecurityGroupIngress", &["sg-0a0000000000000a1"]),
        ("2026-11-20T09:13:20+00:00", "ModifyVolume", &["vol-0e000000000000001"]),
        ("2026-11-20T09:13:50+00:00", "CreateSnapshot", &["snap-0b1b2b3b4b5b6b7b8"]),
        ("2026-11-20T09:14:05+00:00", "ModifyInstanceAttribute", &["i-0d000000000000001"]),
        ("2026-11-21T13:58:09+00:00", "StopInstances", &["i-0d000000000000001"]),
        ("2026-11-21T14:02:00+00:00", "CreateBucket", &["example-scratch"]),
    ]
    .iter()
    .map(|(t, n, ids)| (t.to_string(), n.to_string(), ids.iter().map(|s| s.to_string()).collect()))
    .collect();
    assert_eq!(summary(&loaded.events), want);

    let tags: Vec<&str> = loaded.events[1].resources.iter().map(|r| r.rtype.as_str()).collect();
    assert_eq!(tags, ["aws_instance", "aws_ebs_volume", "aws_network_interface"]);
    let stop = &loaded.events[6];
    assert_eq!(stop.actor.as_deref(), Some("arn:aws:sts::123456789012:assumed-role/ops/bob@example.com"));
    assert_eq!((stop.region.as_str(), stop.account.as_str()), ("us-east-2", "123456789012"));
    assert!(stop.user_agent.as_deref().unwrap().starts_with("aws-cli/2.22.4"));
}

#[test]
fn file_order_does_not_matter() {
    let dir = fixtures("estate/AWSLogs/123456789012/CloudTrail/us-east-2/2026/11");
    let mut files: Vec<PathBuf> =
        ["20", "21"].iter().flat_map(|day| fs::read_dir(dir.join(day)).unwrap().map(|e| e.unwrap().path())).collect();
    files.sort();
    let forward = load_paths(&files).unwrap();
    files.reverse();
    let backward = load_paths(&files).unwrap();
    assert_eq!(forward.events, backward.events);
    assert_eq!(forward.events.len(), 8);
}

#[test]
fn the_same_file_twice_counts_once() {
    let file = fixtures("reference/stratus-red-team__aws.execution.ec2-user-data.json");
    let once = load_paths(std::slice::from_ref(&file)).unwrap();
    let twice = load_paths(&[file.clone(), file.clone()]).unwrap();
    assert_eq!(twice.events, once.events);
    assert_eq!((twice.files, twice.duplicates), (2, once.events.len()));
    // A folder that holds the file, read after it: an overlap.
    let overlap = load_paths(&[file, fixtures("reference")]).unwrap();
    assert_eq!(overlap.events, load_paths(&[fixtures("reference")]).unwrap().events);
    assert_eq!(overlap.duplicates, once.events.len());
    assert_eq!(overlap.records, overlap.events.len() + overlap.duplicates + overlap.ignored);
}

#[test]
fn broken_files_are_skipped_by_name_and_the_rest_kept() {
    let loaded = load_paths(&[fixtures("broken")]).unwrap();
    assert_eq!(loaded.files, 4, "notes.txt is not a log name");
    assert_eq!(
        summary(&loaded.events),
        [("2026-11-22T07:30:00+00:00".into(), "RebootInstances".into(), vec!["i-0d000000000000002".into()])]
    );
    let skipped: Vec<String> = loaded.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    for (file, why) in [
        ("invalid.json.gz", "invalid gzip"),
        ("not-cloudtrail.json", "not CloudTrail"),
        ("truncated.json", "truncated JSON"),
    ] {
        let line =
            skipped.iter().find(|s| s.contains(file)).unwrap_or_else(|| panic!("{file} not skipped: {skipped:?}"));
        assert!(line.contains(why) && !line.contains('\n'), "{line}");
    }
    let err = parse_bytes("s3://trail/x.json", b"{\"Records\": [").unwrap_err();
    assert!(err.starts_with("s3://trail/x.json: truncated JSON"), "{err}");
}

#[test]
fn gzip_is_told_by_its_bytes_not_its_name() {
    let loaded = load_paths(&[fixtures("magic")]).unwrap();
    assert!(loaded.skipped.is_empty(), "{:?}", loaded.skipped);
    let names: Vec<&str> = loaded.events.iter().map(|e| e.event_name.as_str()).collect();
    assert_eq!(names, ["ModifySubnetAttribute", "DeleteTags"]);
}

#[test]
fn a_missing_path_is_an_error_naming_it() {
    let missing = fixtures("no-such-folder");
    let err = load_paths(&[fixtures("reference"), missing.clone()]).unwrap_err();
    assert!(matches!(err, TrailError::Missing { .. }));
    let message = err.to_string();
    assert!(message.contains(&missing.display().to_string()) && !message.contains('\n'), "{message}");
}

#[test]
fn merge_keeps_order_and_uniqueness() {
    let estate = fixtures("estate/AWSLogs/123456789012/CloudTrail/us-east-2/2026/11");
    let late = estate.join("21/123456789012_CloudTrail_us-east-2_20261121T1400Z_Ab9cD8eF7gH6iJ5k.json.gz");
    let early = estate.join("20/123456789012_CloudTrail_us-east-2_20261120T0915Z_Lm0pQ7rS2tUv4wXy.json.gz");
    let mut loaded = Loaded::default();
    for (key, path) in [("late", &late), ("early", &early), ("late", &late)] {
        merge(&mut loaded, key, &fs::read(path).unwrap());
    }
    merge(&mut loaded, "garbage", b"<html>");
    let times: Vec<_> = loaded.events.iter().map(|e| e.time).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    // Five EC2 writes (the snapshot among them) and the late file's CreateBucket.
    assert_eq!(loaded.events.len(), 6);
    // The early file redelivers one event of the late one, then the late one comes again.
    assert_eq!(loaded.duplicates, 1 + 3);
    assert_eq!(loaded.files, 4);
    assert_eq!(loaded.skipped, [Skipped { name: "garbage".into(), reason: loaded.skipped[0].reason.clone() }]);
    assert!(loaded.skipped[0].reason.starts_with("not JSON"));
}

#[test]
fn real_iam_detonations_name_the_iam_resources_they_changed() {
    let loaded = load_paths(&[fixtures("reference-iam")]).unwrap();
    let mut changed: Vec<(String, String, String, String)> = loaded
        .events
        .iter()
        .flat_map(|e| {
            e.resources.iter().map(|r| (e.event_name.clone(), r.rtype.clone(), r.id.clone(), e.region.clone()))
        })
        .collect();
    changed.sort();
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    let role = "stratus-red-team-malicious-iam-role";
    let user = "malicious-iam-user";
    let row = |e: &str, t: &str, id: &str| (e.to_owned(), t.to_owned(), id.to_owned(), "global".to_owned());
    let mut want = vec![
        row("AttachRolePolicy", "aws_iam_role", role),
        row("AttachRolePolicy", "aws_iam_role_policy_attachment", &format!("{role}/{admin}")),
        row("AttachUserPolicy", "aws_iam_user", user),
        row("AttachUserPolicy", "aws_iam_user_policy_attachment", &format!("{user}/{admin}")),
        row("CreateRole", "aws_iam_role", role),
        row("CreateUser", "aws_iam_user", user),
    ];
    // The trust policy backdoor names its role; an access key is not a compared type.
    let backdoor = changed.iter().find(|c| c.0 == "UpdateAssumeRolePolicy").expect("UpdateAssumeRolePolicy").clone();
    assert_eq!(backdoor.1, "aws_iam_role");
    want.push(backdoor);
    want.sort();
    assert_eq!(changed, want);
    assert!(loaded.events.iter().all(|e| e.event_name != "CreateAccessKey"));
}

#[test]
fn iam_events_on_parts_join_their_names_into_the_part_id() {
    let record = serde_json::json!({
        "eventVersion": "1.09", "eventID": "p1", "eventTime": "2026-11-20T03:05:12Z",
        "eventSource": "iam.amazonaws.com", "eventName": "PutRolePolicy", "awsRegion": "us-east-1",
        "recipientAccountId": "123456789012", "userIdentity": {"arn": "arn:aws:iam::123456789012:user/ana"},
        "requestParameters": {"roleName": "app", "policyName": "app-logs", "policyDocument": "{}"},
        "responseElements": null});
    let bytes = serde_json::to_vec(&serde_json::json!({"Records": [record]})).unwrap();
    let events = parse_bytes("put.json", &bytes).unwrap();
    let ids: Vec<(&str, &str)> = events[0].resources.iter().map(|r| (r.rtype.as_str(), r.id.as_str())).collect();
    assert_eq!(ids, [("aws_iam_role_policy", "app:app-logs"), ("aws_iam_role", "app")]);
    assert_eq!(events[0].region, "global");
}
