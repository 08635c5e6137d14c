//! `driftscan scan` against the moto emulator: an untouched estate is in sync, each kind of
//! out-of-band change is reported exactly, and what cannot be listed is unscanned, not deleted.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::harness::{exists, run, Backend, Estate, Moto};

/// (kind, address or id, attribute) of every change, for exact comparison.
pub fn change_keys(report: &Value) -> BTreeSet<(String, String, String)> {
    report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            let who = c["address"].as_str().or(c["id"].as_str()).unwrap_or_default().to_owned();
            (c["kind"].as_str().unwrap().to_owned(), who, c["attribute"].as_str().unwrap_or("").to_owned())
        })
        .collect()
}

fn change<'a>(report: &'a Value, address: &str, attribute: &str) -> &'a Value {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address && c["attribute"] == attribute)
        .unwrap_or_else(|| panic!("no change {address} {attribute} in {report:#}"))
}

#[test]
fn untouched_estate_is_in_sync() {
    let estate = Estate::create();
    // Stopping and starting changes what AWS reports (public IP, state) but not what Terraform
    // declares: not drift.
    estate.drift(&["stop-start"]);
    let out = estate.scan(&[]);
    assert_eq!(out.code, 0, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    let report = out.json();
    assert_eq!(report["changes"], json!([]), "false positives on an untouched estate");
    // Every covered type, in two regions (tools/estate.py lists them).
    assert_eq!(report["summary"]["managed"], 36);
    assert_eq!(report["summary"]["coverage_pct"], 100.0);
    assert_eq!(report["scan"]["regions"], json!(["eu-west-1", "us-east-1"]));
    assert_eq!(
        report["scan"]["states"],
        json!(["envs/data/terraform.tfstate", "envs/network/terraform.tfstate", "infra/terraform.tfstate"])
    );
    assert_eq!(report["unscanned"], json!([]));
    // Lists are paginated list calls, one set per region: never one call per resource.
    let calls = &report["summary"]["api_calls"];
    assert_eq!(calls["DescribeInstances"], 2, "{calls}");
    assert_eq!(calls["DescribeSecurityGroups"], 2, "{calls}");
    // DescribeVpcAttribute has no list form: two calls per declared VPC (the adopted default VPC
    // in eu-west-1 included), none for the undeclared default VPC of us-east-1.
    assert_eq!(calls["DescribeVpcAttribute"], 6, "{calls}");
    // EKS and ECS both call it `ListClusters`, and EKS has no list of node groups or add-ons
    // across clusters: its clusters', node groups' and add-ons' lists and ECS's clusters' and
    // services' each start from it, five a region, however many clusters there are.
    assert_eq!(calls["ListClusters"], 10, "{calls}");
    let per_resource = calls.as_object().unwrap().iter().filter(|(op, _)| *op != "ListClusters");
    assert!(per_resource.map(|(_, n)| n).all(|n| n.as_u64() <= Some(6)), "{calls}");

    let db = estate.history();
    let scans = db.count("SELECT count(*) FROM scans");
    let changes = db.count("SELECT count(*) FROM changes");
    let declared = db.count("SELECT count(*) FROM scan_resources WHERE side = 'declared'");
    assert_eq!((scans, changes, declared), (1, 0, 36));
    assert_eq!(report["scan"]["id"], 1);
}

#[test]
fn every_kind_of_drift_is_reported_exactly() {
    let estate = Estate::create();
    let made = estate.drift(&[
        "resize-instance",
        "stop-start",
        "open-rdp",
        "retag-vpc",
        "public-subnet",
        "vpc-dns-off",
        "grow-volume",
        "terminate-replica",
        "unmanaged-instance",
    ]);
    let out = estate.scan(&[]);
    assert_eq!(out.code, 2, "stderr:\n{}", out.stderr);
    let report = out.json();
    let unmanaged = made["unmanaged_instance"].as_str().unwrap();
    let expected: BTreeSet<(String, String, String)> = [
        ("drifted", "aws_instance.web[0]", "instance_type"),
        ("drifted", "aws_security_group.web", "ingress"),
        ("drifted", "aws_vpc.main", "tags"),
        ("drifted", "aws_vpc.main", "enable_dns_hostnames"),
        ("drifted", "module.network.aws_subnet.private[1]", "map_public_ip_on_launch"),
        ("drifted", "aws_ebs_volume.data[\"logs\"]", "size"),
        ("deleted", "aws_instance.replica", ""),
        ("unmanaged", unmanaged, ""),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    .collect();
    assert_eq!(change_keys(&report), expected, "{report:#}");

    let resize = change(&report, "aws_instance.web[0]", "instance_type");
    assert_eq!((&resize["declared"], &resize["actual"]), (&json!("t3.micro"), &json!("t3.large")));
    assert_eq!(resize["id"], estate.id("web_0"));
    assert_eq!(resize["region"], "us-east-1");
    let size = change(&report, "aws_ebs_volume.data[\"logs\"]", "size");
    assert_eq!((&size["declared"], &size["actual"]), (&json!(20), &json!(40)));
    let tags = change(&report, "aws_vpc.main", "tags");
    assert_eq!(tags["actual"]["Owner"], "console");
    assert_eq!(tags["declared"], json!({"ManagedBy": "terraform", "Name": "main"}));
    let ingress = change(&report, "aws_security_group.web", "ingress");
    let added: Vec<&Value> = ingress["actual"].as_array().unwrap().iter().filter(|r| r["from_port"] == 3389).collect();
    assert_eq!(added.len(), 1, "{ingress:#}");
    assert_eq!(added[0]["source"], "0.0.0.0/0");

    let deleted = report["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "deleted").unwrap();
    assert_eq!(deleted["region"], "eu-west-1");
    assert_eq!(deleted["id"], estate.id("replica"));
    assert!(deleted.get("attribute").is_none() && deleted.get("declared").is_none(), "{deleted}");
    let unmanaged_change = report["changes"].as_array().unwrap().iter().find(|c| c["kind"] == "unmanaged").unwrap();
    assert_eq!(unmanaged_change["address"], Value::Null);
    assert_eq!(unmanaged_change["type"], "aws_instance");

    let s = &report["summary"];
    assert_eq!(
        (s["managed"].as_u64(), s["drifted"].as_u64(), s["deleted"].as_u64(), s["unmanaged"].as_u64()),
        (Some(35), Some(5), Some(1), Some(1))
    );
    assert_eq!(s["coverage_pct"], 94.6);

    let recorded = estate.history().count("SELECT count(*) FROM changes WHERE first_scan_id = 1");
    assert_eq!(recorded, 8);

    // The table names the same things for a person.
    let table = run(estate.scan_command().arg("--no-history"));
    assert_eq!(table.code, 2);
    for needle in [
        "DRIFTED (5 resources)",
        "instance_type: \"t3.micro\" -> \"t3.large\"",
        "+ tcp 3389-3389 0.0.0.0/0",
        "DELETED (1)",
        "aws_instance.replica",
        "UNMANAGED (1)",
        unmanaged,
    ] {
        assert!(table.stdout.contains(needle), "table lacks {needle:?}:\n{}", table.stdout);
    }
}

#[test]
fn aws_defaults_are_unmanaged_only_when_asked() {
    let estate = Estate::create();
    let out = estate.scan(&["--include-defaults", "--no-history"]);
    assert_eq!(out.code, 2);
    let report = out.json();
    let unmanaged: Vec<&Value> =
        report["changes"].as_array().unwrap().iter().filter(|c| c["kind"] == "unmanaged").collect();
    let types: BTreeSet<&str> = unmanaged.iter().map(|c| c["type"].as_str().unwrap()).collect();
    // Default VPCs and their subnets in both regions, and every VPC's `default` group, main
    // route table (and its main association), default network ACL and tie to the region's own
    // DHCP options; the `alias/aws/*` aliases of AWS-managed KMS keys.
    assert_eq!(
        types,
        BTreeSet::from([
            "aws_kms_alias",
            "aws_main_route_table_association",
            "aws_network_acl",
            "aws_route_table",
            "aws_security_group",
            "aws_subnet",
            "aws_vpc",
            "aws_vpc_dhcp_options_association",
        ]),
        "{report:#}"
    );
    // us-east-1's default VPC; eu-west-1's is adopted as aws_default_vpc.default.
    assert_eq!(unmanaged.iter().filter(|c| c["type"] == "aws_vpc").count(), 1);
    // Root volumes stay owned by their instances even then.
    assert!(!types.contains("aws_ebs_volume"));
    assert!(!estate.history().exists(), "--no-history wrote a history");
}

#[test]
fn a_type_that_cannot_be_listed_is_unscanned_not_deleted() {
    // IAM enforced: the scanner may describe EC2 but is denied DescribeVolumes, and IAM.
    let mut moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "6")]);
    let keys: Value = serde_json::from_str(&moto.estate(&["iam-setup"])).unwrap();
    let key = |user: &str, k: &str| keys[user][k].as_str().unwrap().to_owned();
    moto.keys = (key("admin", "AccessKeyId"), key("admin", "SecretAccessKey"));
    let estate = Estate::create_in(moto);
    estate.drift(&["grow-volume"]);

    let mut cmd = estate.scan_command();
    // IAM keys of a user: a session token would make them temporary credentials moto cannot find.
    cmd.env("AWS_ACCESS_KEY_ID", key("scanner", "AccessKeyId"))
        .env("AWS_SECRET_ACCESS_KEY", key("scanner", "SecretAccessKey"))
        .env_remove("AWS_SESSION_TOKEN")
        .args(["--db", &estate.history_arg(), "--format", "json"]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 0, "partial coverage is not an error:\n{}", out.stderr);
    let report = out.json();
    let unscanned = report["unscanned"].as_array().unwrap();
    // The scanner may not read IAM either: every IAM type is unscanned once, for the account.
    let (iam, rest): (Vec<&Value>, Vec<&Value>) =
        unscanned.iter().partition(|u| u["type"].as_str().unwrap().starts_with("aws_iam_"));
    // moto refuses the scanner's Lambda calls although its policy allows them (its access check
    // answers the REST-JSON API with an XML page the client cannot read): each Lambda type is
    // unscanned in both regions, with the call that failed. RDS, allowed, is listed.
    let (lambda, rest): (Vec<&Value>, Vec<&Value>) =
        rest.into_iter().partition(|u| u["type"].as_str().unwrap().starts_with("aws_lambda_"));
    assert_eq!(lambda.len(), 4 * 2, "{report:#}");
    for u in &lambda {
        let reason = u["reason"].as_str().unwrap();
        assert!(reason.starts_with("ListFunctions") || reason.starts_with("ListEventSourceMappings"), "{u}");
    }
    // API Gateway is refused the same way (REST-JSON too): each of its 8 types is unscanned in
    // both regions, the list named.
    let (apigateway, rest): (Vec<&Value>, Vec<&Value>) =
        rest.into_iter().partition(|u| u["type"].as_str().unwrap().starts_with("aws_api_gateway_"));
    assert_eq!(apigateway.len(), 8 * 2, "{report:#}");
    for u in &apigateway {
        assert!(u["reason"].as_str().unwrap().starts_with("GetRestApis"), "{u}");
    }
    // EKS is a REST-JSON API too: moto refuses its lists the same way (ListAddons it has not at
    // all), so the three EKS types are unscanned in both regions. ECS, allowed, is listed.
    let (eks, rest): (Vec<&Value>, Vec<&Value>) =
        rest.into_iter().partition(|u| u["type"].as_str().unwrap().starts_with("aws_eks_"));
    assert_eq!(eks.len(), 3 * 2, "{report:#}");
    for u in &eks {
        assert!(u["reason"].as_str().unwrap().starts_with("eks:List"), "{u}");
    }
    // moto 5 with IAM enforced refuses every Route53 call of an IAM user (boto3's too), whatever
    // its policy allows: Route53 is unscanned for the account, the list named.
    let (route53, rest): (Vec<&Value>, Vec<&Value>) =
        rest.into_iter().partition(|u| u["type"].as_str().unwrap().starts_with("aws_route53_"));
    // Likewise its S3 Control calls, whatever the policy allows: the account's block alone is
    // unscanned, once for the account, the list named (the bucket list is not).
    let (account_block, ec2): (Vec<&Value>, Vec<&Value>) =
        rest.into_iter().partition(|u| u["type"] == "aws_s3_account_public_access_block");
    assert_eq!(account_block.len(), 1, "{report:#}");
    assert_eq!(account_block[0]["region"], "global");
    assert!(account_block[0]["reason"].as_str().unwrap().starts_with("S3Control.GetPublicAccessBlock"));
    assert_eq!(route53.len(), 2, "{report:#}");
    for u in &route53 {
        assert_eq!(u["region"], "global", "{u}");
        assert!(u["reason"].as_str().unwrap().starts_with("ListHostedZones"), "{u}");
    }
    // Volumes and their attachments, both read from the denied DescribeVolumes, in each region.
    assert_eq!(ec2.len(), 2 * 2, "{report:#}");
    for u in ec2 {
        assert!(["aws_ebs_volume", "aws_volume_attachment"].contains(&u["type"].as_str().unwrap()), "{u}");
        assert!(u["reason"].as_str().unwrap().contains("AccessDenied"), "{u}");
    }
    assert_eq!(iam.len(), 17, "{report:#}");
    // moto answers IAM's denial in EC2's error shape, which the IAM client cannot read a code
    // from: the reason names the call that failed, and the request id.
    for u in &iam {
        assert_eq!(u["region"], "global", "{u}");
        let reason = u["reason"].as_str().unwrap();
        assert!(
            ["GetAccountAuthorizationDetails", "ListInstanceProfiles", "ListOpenIDConnectProviders"]
                .iter()
                .any(|op| reason.starts_with(op)),
            "{u}"
        );
    }
    // The volume grew, but nobody could look: neither drifted nor deleted.
    assert_eq!(report["changes"], json!([]));
    assert_eq!(report["summary"]["unscanned"], 2 * 2 + 17 + 8 + 16 + 6 + 2 + 1);
    assert_eq!(report["summary"]["managed"], 35);
}

#[test]
fn nothing_scannable_is_an_error_and_records_nothing() {
    let estate = Estate::create();
    // A closed port: every list fails after retries.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = estate.command(&["scan", "--state", "infra/terraform.tfstate", "--db", "history.db"]);
    cmd.env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{closed}")).env("AWS_MAX_ATTEMPTS", "2");
    let out = run(&mut cmd);
    assert_eq!(out.code, 1, "stdout:\n{}", out.stdout);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("driftscan: error: nothing could be scanned"), "{}", out.stderr);
    assert!(!estate.history().exists(), "a failed scan touched the history");
}

#[test]
fn bad_state_fails_before_aws_and_history() {
    let estate = Estate::create();
    std::fs::write(estate.path("broken.tfstate"), "{\"version\": 4, \"resources\": [").unwrap();
    let out = run(&mut estate.command(&[
        "scan",
        "--state",
        "infra/terraform.tfstate",
        "--state",
        "broken.tfstate",
        "--db",
        "history.db",
    ]));
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.trim(),
        "driftscan: error: broken.tfstate: truncated JSON at line 1, column 29: the file ends before the state does"
    );
    assert!(out.stdout.is_empty());
    assert!(!estate.history().exists());
}

#[test]
fn second_scan_appends_to_the_same_history() {
    let estate = Estate::create();
    assert_eq!(estate.scan(&[]).code, 0);
    estate.drift(&["open-rdp"]);
    let second = estate.scan(&[]);
    assert_eq!(second.code, 2);
    assert_eq!(second.json()["scan"]["id"], 2);
    let db = estate.history();
    let per_scan = db.pairs(
        "SELECT s.id, count(c.id) FROM scans s LEFT JOIN changes c ON c.first_scan_id = s.id GROUP BY s.id ORDER BY s.id",
    );
    assert_eq!(per_scan, [("1", "0"), ("2", "1")].map(|(a, b)| (a.to_owned(), b.to_owned())));
    if db.backend() == Backend::Sqlite {
        // Readers (report, check) never wait for a scan writing.
        assert_eq!(db.text("PRAGMA journal_mode"), "wal");
    }
}

#[test]
fn default_history_lives_in_a_private_folder() {
    use std::os::unix::fs::PermissionsExt;
    let estate = Estate::create();
    let out = run(&mut estate.scan_command());
    assert_eq!(out.code, 0, "{}", out.stdout);
    let dir = estate.path(".driftscan");
    assert!(exists(&dir.join("history.db")));
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
}

#[test]
fn throttling_is_retried_and_the_result_stays_right() {
    throttled_scan_is_right(3);
}

/// The rate of the performance target (issue 8): one request in five throttled.
#[test]
fn one_request_in_five_throttled_still_scans_right() {
    throttled_scan_is_right(5);
}

fn throttled_scan_is_right(every: u64) {
    use std::sync::atomic::Ordering;
    let estate = Estate::create();
    estate.drift(&["open-rdp"]);
    // Every `every`-th request is answered with RequestLimitExceeded.
    let proxy = crate::proxy::Proxy::throttling(&estate.moto.endpoint, every);
    let out =
        run(estate.scan_command().env("AWS_ENDPOINT_URL", &proxy.endpoint).args(["--no-history", "--format", "json"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["unscanned"], json!([]), "throttling left something unscanned");
    let keys = change_keys(&report);
    assert_eq!(keys.len(), 1, "{report:#}");
    assert!(keys.contains(&("drifted".into(), "aws_security_group.web".into(), "ingress".into())));
    let throttled = proxy.counts.throttled.load(Ordering::SeqCst);
    let forwarded = proxy.counts.forwarded.load(Ordering::SeqCst);
    assert!(throttled > 0);
    // Every attempt is counted, the throttled ones included.
    let counted: u64 = report["summary"]["api_calls"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(counted, throttled + forwarded, "api_calls {:#}", report["summary"]["api_calls"]);
}
