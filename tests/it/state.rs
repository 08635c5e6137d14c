//! `driftscan state` on the fixtures in `testdata/states/` and on the real state files in
//! `testdata/states/reference/`: what is listed, what is never printed, and one clear line for
//! every input that is not a Terraform 0.12+ state.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::harness::{driftscan, root, run, testdata, Run};

/// The password of `aws_db_instance.main` (and the sensitive output) in `modules.tfstate`.
const SECRET: &str = "s3cr3t-Pa55";

const MODULES: &str = "testdata/states/modules.tfstate";
const UNICODE: &str = "testdata/states/unicode.tfstate";
const HUGE: &str = "testdata/states/huge-numbers.tfstate";

/// `driftscan state --state P ...` run from the project root, so relative paths read as a user
/// would type them; `format` None leaves the default (table).
fn state(paths: &[&str], format: Option<&str>) -> Run {
    let mut cmd = driftscan();
    cmd.current_dir(root()).arg("state");
    for p in paths {
        cmd.args(["--state", p]);
    }
    if let Some(f) = format {
        cmd.args(["--format", f]);
    }
    run(&mut cmd)
}

/// The `resources` array of a successful JSON run.
fn rows(out: &Run) -> Vec<Value> {
    assert_eq!(out.code, 0, "exit code; stderr:\n{}", out.stderr);
    assert!(out.stderr.is_empty(), "a successful run printed to stderr:\n{}", out.stderr);
    let doc = out.json();
    let keys: Vec<&String> = doc.as_object().expect("top level is an object").keys().collect();
    assert_eq!(keys, ["resources"], "top-level keys");
    doc["resources"].as_array().expect("resources is an array").clone()
}

fn addresses(rows: &[Value]) -> Vec<String> {
    rows.iter().map(|r| r["address"].as_str().expect("address is a string").to_owned()).collect()
}

/// Asserts exit 1, nothing on stdout, and exactly one stderr line that starts with the error
/// prefix and contains every needle.
fn fails_with(paths: &[&str], needles: &[&str]) -> String {
    let out = state(paths, Some("json"));
    assert_eq!(out.code, 1, "{paths:?} should fail with exit 1; stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "{paths:?} printed data:\n{}", out.stdout);
    assert_eq!(out.stderr.lines().count(), 1, "{paths:?}: stderr is not exactly one line:\n{}", out.stderr);
    assert!(out.stderr.ends_with('\n'), "{paths:?}: stderr line is not terminated: {:?}", out.stderr);
    assert!(out.stderr.starts_with("driftscan: error: "), "{paths:?}: {:?}", out.stderr);
    for n in needles {
        assert!(out.stderr.contains(n), "{paths:?}: {:?} lacks {n:?}", out.stderr);
    }
    out.stderr
}

#[test]
fn modules_state_lists_every_managed_instance_exactly() {
    let got = rows(&state(&[MODULES], Some("json")));
    let brief: Vec<Value> = got
        .iter()
        .map(|r| json!([r["address"], r["type"], r["id"], r["region"], r["provider"], r.get("deposed")]))
        .collect();
    let expected = vec![
        // Region from the ARN; the password of this one is sensitive.
        json!([
            "aws_db_instance.main",
            "aws_db_instance",
            "db-7XKQ2M4RZ5HBFJ3NGOWPYLCTUE",
            "eu-central-1",
            "aws",
            null
        ]),
        // No `arn` attribute (only `replication_instance_arn`): region from the availability zone.
        json!([
            "aws_dms_replication_instance.main",
            "aws_dms_replication_instance",
            "drift-repl",
            "ap-southeast-2",
            "aws",
            null
        ]),
        // for_each: string index keys.
        json!([
            "aws_ebs_volume.data[\"logs\"]",
            "aws_ebs_volume",
            "vol-0e000000000000001",
            "eu-central-1",
            "aws",
            null
        ]),
        json!([
            "aws_ebs_volume.data[\"metrics\"]",
            "aws_ebs_volume",
            "vol-0e000000000000002",
            "eu-central-1",
            "aws",
            null
        ]),
        // Global ARN, no region attribute, no zone: no region. 0.12 provider string `provider.aws`.
        json!(["aws_iam_role.app", "aws_iam_role", "app", null, "aws", null]),
        // Provider alias; the deposed object is listed beside the current one, and marked.
        json!(["aws_instance.web", "aws_instance", "i-0d000000000000002", "us-west-2", "aws.west", null]),
        json!(["aws_instance.web", "aws_instance", "i-0d000000000000001", "us-west-2", "aws.west", "00000001"]),
        // No ARN: region from the `region` attribute of AWS provider 6.x.
        json!([
            "aws_route_table_association.public",
            "aws_route_table_association",
            "rtbassoc-0c00000000000000a",
            "us-east-2",
            "aws",
            null
        ]),
        // Other providers are listed, with no region, never an error.
        json!(["random_id.suffix", "random_id", "q83vEg", null, "random", null]),
        // A provider configured inside the module: `module.app.provider[...]` is still `aws`.
        json!([
            "module.app.aws_security_group.app",
            "aws_security_group",
            "sg-0a0000000000000a1",
            "eu-central-1",
            "aws",
            null
        ]),
        // Tainted objects are still declared.
        json!(["module.app.null_resource.wait", "null_resource", "4318395184302165744", null, "null", null]),
        // Nested modules; count: integer index keys.
        json!([
            "module.app.module.net.aws_subnet.private[0]",
            "aws_subnet",
            "subnet-0a000000000000001",
            "eu-central-1",
            "aws",
            null
        ]),
        json!([
            "module.app.module.net.aws_subnet.private[1]",
            "aws_subnet",
            "subnet-0a000000000000002",
            "eu-central-1",
            "aws",
            null
        ]),
        json!(["module.app.module.net.aws_vpc.this", "aws_vpc", "vpc-0a0000000000000f1", "eu-central-1", "aws", null]),
    ];
    assert_eq!(brief, expected);

    // The schema: exactly these keys, `deposed` only on deposed objects, `state` names the file.
    for r in &got {
        let keys: BTreeSet<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want: BTreeSet<&str> = ["address", "type", "id", "region", "provider", "state", "compared"].into();
        if r.get("deposed").is_some() {
            want.insert("deposed");
        }
        assert_eq!(keys, want, "{r}");
        assert_eq!(r["state"], MODULES, "{r}");
        let t = r["type"].as_str().unwrap();
        let compared = t.starts_with("aws_") && t != "aws_dms_replication_instance";
        assert_eq!(r["compared"], compared, "{r}");
    }
    assert_eq!(got.iter().filter(|r| r.get("deposed").is_some()).count(), 1);
    // Data sources are reads, not declarations: neither the root one nor the nested module's.
    for r in &got {
        let t = r["type"].as_str().unwrap();
        assert!(t != "aws_region" && t != "aws_availability_zones", "data source listed: {r}");
        assert!(!r["address"].as_str().unwrap().contains("data."), "data source listed: {r}");
    }
}

#[test]
fn table_shows_the_same_rows_and_the_count_line() {
    for format in [None, Some("table")] {
        let out = state(&[MODULES], format);
        assert_eq!(out.code, 0, "{format:?}: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{format:?}: {}", out.stderr);
        let lines: Vec<&str> = out.stdout.lines().collect();
        let header: Vec<&str> = lines[0].split_whitespace().collect();
        assert_eq!(header, ["ADDRESS", "TYPE", "ID", "REGION", "PROVIDER", "COMPARED"], "{}", out.stdout);
        assert_eq!(lines.len(), 1 + 14 + 1, "header, 14 rows, count line:\n{}", out.stdout);
        assert_eq!(*lines.last().unwrap(), "14 managed resource instances");

        let row = |address: &str| -> Vec<&str> {
            let line = lines[1..15]
                .iter()
                .find(|l| l.starts_with(&format!("{address} ")))
                .unwrap_or_else(|| panic!("no row for {address}:\n{}", out.stdout));
            line[address.len()..].split_whitespace().collect()
        };
        assert_eq!(
            row("aws_instance.web (deposed 00000001)"),
            ["aws_instance", "i-0d000000000000001", "us-west-2", "aws.west", "yes"]
        );
        assert_eq!(row("aws_iam_role.app"), ["aws_iam_role", "app", "-", "aws", "yes"]);
        assert_eq!(row("random_id.suffix"), ["random_id", "q83vEg", "-", "random", "no"]);
        assert_eq!(
            row("aws_ebs_volume.data[\"logs\"]"),
            ["aws_ebs_volume", "vol-0e000000000000001", "eu-central-1", "aws", "yes"]
        );
        assert_eq!(
            row("module.app.module.net.aws_subnet.private[0]"),
            ["aws_subnet", "subnet-0a000000000000001", "eu-central-1", "aws", "yes"]
        );
        assert!(!out.stdout.contains("aws_availability_zones") && !out.stdout.contains("aws_region"), "{}", out.stdout);
    }
}

#[test]
fn sensitive_values_never_appear_in_any_output() {
    let raw = std::fs::read_to_string(testdata("states/modules.tfstate")).unwrap();
    assert!(raw.contains(SECRET), "the fixture must hold the secret for this test to mean anything");
    for format in [None, Some("table"), Some("json")] {
        let out = state(&[MODULES], format);
        assert_eq!(out.code, 0, "{format:?}: {}", out.stderr);
        assert!(!out.stdout.contains(SECRET), "{format:?} leaked the password on stdout:\n{}", out.stdout);
        assert!(!out.stderr.contains(SECRET), "{format:?} leaked the password on stderr:\n{}", out.stderr);
    }

    // Nor when the file breaks right around the secret: the error names the cause, not content.
    let dir = tempfile::tempdir().unwrap();
    let at = raw.find(&format!("\"password\": \"{SECRET}\"")).expect("password attribute");
    let end = at + "\"password\": \"".len() + SECRET.len();
    let broken = [
        ("cut-in-secret.tfstate", raw[..end - 3].to_owned(), "truncated JSON"),
        ("cut-after-secret.tfstate", raw[..end + 1].to_owned(), "truncated JSON"),
        ("garbage-after-secret.tfstate", format!("{}}} x {}", &raw[..end + 1], &raw[end + 1..]), "not JSON at line"),
    ];
    for (name, text, cause) in broken {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let p = path.to_str().unwrap();
        let err = fails_with(&[p], &[p, cause]);
        assert!(!err.contains(SECRET), "{name}: leaked the password: {err}");
    }
}

#[test]
fn unicode_names_keys_and_tags_parse() {
    let got = rows(&state(&[UNICODE], Some("json")));
    let brief: Vec<Value> = got.iter().map(|r| json!([r["address"], r["id"], r["region"], r["provider"]])).collect();
    assert_eq!(
        brief,
        vec![
            json!(["aws_subnet.zone[\"東京\"]", "subnet-0b1c000000000000a", "ap-northeast-1", "aws"]),
            json!(["aws_subnet.zone[\"🚀\"]", "subnet-0b1c000000000000b", "ap-northeast-1", "aws"]),
            json!(["aws_vpc.zürich", "vpc-0b1c0000000000001", "eu-central-2", "aws"]),
            json!(["module.données.aws_security_group.accès", "sg-0b1c00000000000c1", "eu-central-2", "aws"]),
        ]
    );
    let table = state(&[UNICODE], None);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(
        table.stdout.contains("aws_subnet.zone[\"東京\"]") && table.stdout.contains("aws_vpc.zürich"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.ends_with("4 managed resource instances\n"), "{}", table.stdout);
}

/// Every row's columns start at the same character as the header's, whatever the script of
/// the addresses. (Characters, not terminal cells: a CJK glyph or emoji still takes two cells.)
#[test]
fn table_columns_line_up_with_non_ascii_addresses() {
    let out = state(&[UNICODE], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let type_col = lines[0].find("TYPE").unwrap();
    for line in &lines[1..lines.len() - 1] {
        let chars: Vec<char> = line.chars().collect();
        assert!(
            chars[type_col - 1] == ' ' && chars[type_col] != ' ',
            "TYPE column not at char {type_col}:\n{}",
            out.stdout
        );
    }
}

#[test]
fn numbers_beyond_u64_and_f64_parse() {
    let raw = std::fs::read_to_string(testdata("states/huge-numbers.tfstate")).unwrap();
    assert!(raw.contains("123456789012345678901234567890") && raw.contains("1e400"), "fixture lost its huge numbers");
    let got = rows(&state(&[HUGE], Some("json")));
    let brief: Vec<Value> = got.iter().map(|r| json!([r["address"], r["id"], r["region"]])).collect();
    assert_eq!(
        brief,
        vec![
            json!(["aws_cloudwatch_metric_alarm.huge", "huge", "us-east-1"]),
            json!(["aws_ebs_volume.big", "vol-0f9e000000000000a", "us-east-1"]),
        ]
    );
    let table = state(&[HUGE], Some("table"));
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.ends_with("2 managed resource instances\n"), "{}", table.stdout);
}

#[test]
fn old_formats_say_which_version_and_what_is_required() {
    for v in 1..=3 {
        let path = format!("testdata/states/v{v}.tfstate");
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(root().join(&path)).unwrap()).unwrap();
        assert_eq!(raw["version"], v, "{path} must be a version {v} state");
        fails_with(
            &[&path],
            &[
                &format!("{path}: "),
                &format!("state format version {v} is not supported"),
                "Terraform 0.12 or later state (version 4) is required",
            ],
        );
    }
}

#[test]
fn every_bad_input_gets_one_specific_line() {
    let cases: &[(&str, &[&str])] = &[
        ("testdata/states/v5.tfstate", &["state format version 5 is newer than this driftscan understands"]),
        ("testdata/states/truncated.tfstate", &["truncated JSON at line", "the file ends before the state does"]),
        ("testdata/states/not-json.tfstate", &["not JSON at line 1, column 1"]),
        ("testdata/states/empty.tfstate", &["file is empty"]),
        ("testdata/states/plan.json", &["it is a plan from `terraform show -json`"]),
        ("testdata/states/invalid-utf8.tfstate", &["not valid UTF-8 at byte offset"]),
        ("testdata/states", &["is a directory"]),
        ("testdata/states/", &["is a directory"]),
        ("testdata/states/no-such-file.tfstate", &["cannot read", "No such file or directory"]),
        ("testdata/states/nothing-*.tfstate", &["no file matches this pattern"]),
    ];
    for (path, needles) in cases {
        let named = format!("{path}: ");
        let mut all = vec![named.as_str()];
        all.extend_from_slice(needles);
        fails_with(&[path], &all);
    }
    // The fixtures are what their names say.
    assert_eq!(std::fs::metadata(testdata("states/empty.tfstate")).unwrap().len(), 0);
    assert!(std::fs::read_to_string(testdata("states/invalid-utf8.tfstate")).is_err(), "invalid-utf8 is valid UTF-8");
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(testdata("states/plan.json")).unwrap()).unwrap();
    assert!(plan.get("planned_values").is_some() && plan.get("resource_changes").is_some());
    // Absolute paths are named as given too.
    let abs = testdata("states/truncated.tfstate");
    fails_with(&[abs.to_str().unwrap()], &[abs.to_str().unwrap(), "truncated JSON"]);
}

#[test]
fn other_json_gets_told_apart_from_state() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "show.json",
            json!({"format_version": "1.0", "terraform_version": "1.9.8", "values": {"root_module": {}}}),
            "`terraform show -json` output",
        ),
        ("trail.json", json!({"Records": []}), "looks like a CloudTrail log"),
        ("list.json", json!([1, 2]), "the top level is not a JSON object"),
        ("noversion.json", json!({"resources": []}), "no \"version\" field"),
    ];
    for (name, doc, cause) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, doc.to_string()).unwrap();
        let p = path.to_str().unwrap();
        fails_with(&[p], &[p, "not a Terraform state file", cause]);
    }
}

#[test]
fn invalid_utf8_names_the_byte_offset() {
    // unicode.tfstate saved as Latin-1 by an editor: the first `ü` becomes the single byte 0xFC.
    let text = std::fs::read_to_string(testdata("states/unicode.tfstate")).unwrap();
    let offset = text.find('ü').expect("the fixture has a ü");
    let mut bytes = text.as_bytes()[..offset].to_vec();
    bytes.push(0xFC);
    bytes.extend_from_slice(&text.as_bytes()[offset + 'ü'.len_utf8()..]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.tfstate");
    std::fs::write(&path, &bytes).unwrap();
    let p = path.to_str().unwrap();
    fails_with(&[p], &[p, &format!("not valid UTF-8 at byte offset {offset}")]);
}

#[test]
fn one_bad_file_fails_the_whole_read() {
    // A partial estate would report everything the bad file declares as unmanaged.
    fails_with(&[MODULES, "testdata/states/truncated.tfstate"], &["testdata/states/truncated.tfstate: truncated JSON"]);
    fails_with(&[MODULES, "testdata/states/v3.tfstate"], &["testdata/states/v3.tfstate: state format version 3"]);
    fails_with(
        &[MODULES, "testdata/states/nothing-*.tfstate"],
        &["testdata/states/nothing-*.tfstate: no file matches"],
    );
}

#[test]
fn several_flags_and_globs_combine_each_file_once() {
    let got = rows(&state(
        &["testdata/states/u*.tfstate", MODULES, "testdata/states/m*.tfstate", HUGE, UNICODE],
        Some("json"),
    ));
    // Files in path order, each read once: huge-numbers (2), modules (14), unicode (4).
    let per_file: Vec<(String, usize)> = got.iter().fold(Vec::new(), |mut acc, r| {
        let s = r["state"].as_str().unwrap().to_owned();
        match acc.last_mut() {
            Some((last, n)) if *last == s => *n += 1,
            _ => acc.push((s, 1)),
        }
        acc
    });
    assert_eq!(per_file, vec![(HUGE.to_owned(), 2), (MODULES.to_owned(), 14), (UNICODE.to_owned(), 4)]);
    let all = addresses(&got);
    assert!(all.contains(&"aws_ebs_volume.data[\"logs\"]".to_owned()) && all.contains(&"aws_vpc.zürich".to_owned()));

    let table = state(&["testdata/states/m*.tfstate", "testdata/states/u*.tfstate"], None);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.ends_with("18 managed resource instances\n"), "{}", table.stdout);
}

#[test]
fn the_same_file_named_two_ways_is_read_once() {
    let got = rows(&state(&["./testdata/states/modules.tfstate", "testdata/states/m*.tfstate"], Some("json")));
    assert_eq!(got.len(), 14, "modules.tfstate was read more than once: {:#?}", addresses(&got));
    let abs = testdata("states/modules.tfstate");
    let got = rows(&state(&[abs.to_str().unwrap(), MODULES], Some("json")));
    assert_eq!(got.len(), 14, "modules.tfstate was read more than once: {:#?}", addresses(&got));
}

#[test]
fn an_existing_path_with_glob_characters_is_read_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("env[prod].tfstate");
    std::fs::copy(testdata("states/huge-numbers.tfstate"), &path).unwrap();
    let got = rows(&state(&[path.to_str().unwrap()], Some("json")));
    assert_eq!(addresses(&got), ["aws_cloudwatch_metric_alarm.huge", "aws_ebs_volume.big"]);
}

/// What `driftscan state` must list for a real state: every instance of every managed resource,
/// computed here independently from the JSON.
/// (address, type, id, deposed) of every managed instance, read straight from the JSON.
fn expected_instances(raw: &Value) -> Vec<(String, String, String, Option<String>)> {
    let mut out = Vec::new();
    for r in raw["resources"].as_array().expect("resources array") {
        if r["mode"] != "managed" {
            continue;
        }
        let module = r["module"].as_str().filter(|m| !m.is_empty()).map(|m| format!("{m}.")).unwrap_or_default();
        let rtype = r["type"].as_str().unwrap();
        let base = format!("{module}{rtype}.{}", r["name"].as_str().unwrap());
        for i in r["instances"].as_array().expect("instances array") {
            let address = match &i["index_key"] {
                Value::Null => base.clone(),
                Value::Number(n) => format!("{base}[{n}]"),
                Value::String(s) => format!("{base}[{}]", serde_json::to_string(s).unwrap()),
                other => panic!("unexpected index_key {other}"),
            };
            let id = i["attributes"]["id"].as_str().unwrap_or("").to_owned();
            out.push((address, rtype.to_owned(), id, i["deposed"].as_str().map(str::to_owned)));
        }
    }
    out
}

/// The real states in `testdata/states/reference/` (copied with their licence, see its README),
/// and a Terraform 1.14 state written after the shape of real ones whose licence does not allow
/// copying them (resource identities, `check_results`, `create_before_destroy`, string keys).
#[test]
fn every_real_state_in_testdata_parses() {
    let dir = testdata("states/reference");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the reference states at {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "tfstate"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "the reference states are missing from {}", dir.display());
    files.push(testdata("states/v4-terraform-1.14-identity.tfstate"));

    let mut total = 0;
    for path in &files {
        let p = path.to_str().unwrap();
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("{p} is not JSON: {e}"));
        let expected = expected_instances(&raw);
        assert!(!expected.is_empty(), "{p} declares no managed resources");

        let got = rows(&state(&[p], Some("json")));
        assert_eq!(got.len(), expected.len(), "{p}: number of managed resource instances");
        // Matched by address, type and id: a parser that mixed up two resources of one type, or
        // gave an instance another's id, fails here.
        let got_brief: Vec<(String, String, String, Option<String>)> = got
            .iter()
            .map(|r| {
                (
                    r["address"].as_str().unwrap().to_owned(),
                    r["type"].as_str().unwrap().to_owned(),
                    r["id"].as_str().unwrap().to_owned(),
                    r.get("deposed").and_then(Value::as_str).map(str::to_owned),
                )
            })
            .collect();
        assert_eq!(got_brief, expected, "{p}");
        for r in &got {
            assert_eq!(r["state"], p, "{p}: {r}");
            let t = r["type"].as_str().unwrap();
            if t.starts_with("aws_") {
                assert!(r["provider"].as_str().unwrap().starts_with("aws"), "{p}: {r}");
            } else {
                assert_eq!(r["region"], Value::Null, "{p}: a non-AWS resource has a region: {r}");
            }
        }

        let table = state(&[p], Some("table"));
        assert_eq!(table.code, 0, "{p}: {}", table.stderr);
        assert!(
            table.stdout.ends_with(&format!("\n{} managed resource instances\n", expected.len())),
            "{p}:\n{}",
            table.stdout
        );
        total += expected.len();
    }

    // All of them at once, as `--state 'dir/*.tfstate'` would give.
    let pattern = format!("{}/*.tfstate", dir.display());
    let last = files.last().unwrap().to_str().unwrap();
    let got = rows(&state(&[&pattern, last], Some("json")));
    assert_eq!(got.len(), total, "all reference states through one glob");
}
