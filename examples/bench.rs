//! End-to-end benchmark steps that run without AWS, each printing one JSON line for
//! `tools/bench/run.py`, which runs them (and the emulator scans) and prints the table.
//!
//! ```text
//! bench gen-state N OUT      a state of N resource instances, pretty-printed as Terraform writes it
//! bench parse FILE           read + normalise FILE; MB/s and this process's peak RSS
//! bench history DIR [ROWS]   a history of ROWS changes (default 1,000,000): record a 10,000-change
//!                            scan, list 30 days, score per change against 1k and ROWS rows
//! ```
//!
//! Run it from a release build (`cargo build --release --examples`): the figures mean nothing in
//! a debug build.

#![recursion_limit = "256"]

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, Utc};
use driftscan::diff::Coverage;
use driftscan::history::{History, Window};
use driftscan::normalise::normalise;
use driftscan::report::{Change, ChangeKind, Report, ScanMeta, Summary};
use driftscan::resource::Resource;
use driftscan::scoring::{self, MemoryStore, Observation};
use serde_json::{json, Value};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["gen-state", n, out] => gen_state(n.parse()?, Path::new(out)),
        ["parse", file] => parse(Path::new(file)),
        ["history", dir] => history(Path::new(dir), 1_000_000),
        ["history", dir, rows] => history(Path::new(dir), rows.parse()?),
        _ => bail!("usage: bench gen-state N OUT | parse FILE | history DIR [ROWS]"),
    }
}

/// Peak resident set of this process, in bytes (Linux reports kilobytes).
fn max_rss() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss as u64 * 1024
}

// ---------------------------------------------------------------------------------------------
// State

const AWS: &str = "provider[\"registry.terraform.io/hashicorp/aws\"]";

/// One resource instance's attributes, as the AWS provider 5.x writes them (abridged to the
/// attributes with values; the sizes are those of a real state).
fn instance_attrs(i: usize) -> Value {
    let id = format!("i-{i:017x}");
    json!({
        "ami": "ami-0c55b159cbfafe1f0", "arn": format!("arn:aws:ec2:us-east-1:123456789012:instance/{id}"),
        "associate_public_ip_address": false, "availability_zone": format!("us-east-1{}", ["a", "b", "c"][i % 3]),
        "capacity_reservation_specification": [{"capacity_reservation_preference": "open", "capacity_reservation_target": []}],
        "cpu_core_count": 1, "cpu_options": [{"amd_sev_snp": "", "core_count": 1, "threads_per_core": 2}],
        "cpu_threads_per_core": 2, "credit_specification": [{"cpu_credits": "unlimited"}],
        "disable_api_stop": false, "disable_api_termination": false, "ebs_block_device": [], "ebs_optimized": false,
        "enclave_options": [{"enabled": false}], "ephemeral_block_device": [], "get_password_data": false,
        "hibernation": false, "host_id": "", "host_resource_group_arn": null, "iam_instance_profile": "app-profile",
        "id": id, "instance_initiated_shutdown_behavior": "stop", "instance_lifecycle": "",
        "instance_market_options": [], "instance_state": "running", "instance_type": "t3.micro", "ipv6_address_count": 0,
        "ipv6_addresses": [], "key_name": "deploy", "launch_template": [],
        "maintenance_options": [{"auto_recovery": "default"}],
        "metadata_options": [{"http_endpoint": "enabled", "http_protocol_ipv6": "disabled", "http_put_response_hop_limit": 2,
                              "http_tokens": "required", "instance_metadata_tags": "disabled"}],
        "monitoring": false, "network_interface": [], "outpost_arn": "", "password_data": "", "placement_group": "",
        "placement_partition_number": 0, "primary_network_interface_id": format!("eni-{i:017x}"),
        "private_dns": format!("ip-10-0-{}-{}.ec2.internal", i / 250 % 250, i % 250),
        "private_dns_name_options": [{"enable_resource_name_dns_a_record": false, "enable_resource_name_dns_aaaa_record": false,
                                      "hostname_type": "ip-name"}],
        "private_ip": format!("10.0.{}.{}", i / 250 % 250, i % 250), "public_dns": "", "public_ip": "",
        "root_block_device": [{"delete_on_termination": true, "device_name": "/dev/xvda", "encrypted": true, "iops": 3000,
                               "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                               "tags": {}, "throughput": 125, "volume_id": format!("vol-{i:017x}"), "volume_size": 8,
                               "volume_type": "gp3"}],
        "secondary_private_ips": [], "security_groups": [], "source_dest_check": true, "spot_instance_request_id": "",
        "subnet_id": format!("subnet-{:017x}", i % 12),
        "tags": {"Name": format!("app-{i}"), "Team": "platform", "Env": "prod"},
        "tags_all": {"Name": format!("app-{i}"), "Team": "platform", "Env": "prod", "ManagedBy": "terraform"},
        "tenancy": "default", "timeouts": null, "user_data": "5f1a6b7e2c3d4e5f60718293a4b5c6d7e8f90a1b",
        "user_data_base64": null, "user_data_replace_on_change": false, "volume_tags": null,
        "vpc_security_group_ids": [format!("sg-{:017x}", i % 100)]
    })
}

fn group_attrs(i: usize) -> Value {
    let id = format!("sg-{i:017x}");
    let rule = |port: u16| {
        json!({"cidr_blocks": ["10.0.0.0/8"], "description": "", "from_port": port, "ipv6_cidr_blocks": [],
               "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": false, "to_port": port})
    };
    json!({
        "arn": format!("arn:aws:ec2:us-east-1:123456789012:security-group/{id}"), "description": "Managed by Terraform",
        "egress": [{"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 0, "ipv6_cidr_blocks": [],
                    "prefix_list_ids": [], "protocol": "-1", "security_groups": [], "self": false, "to_port": 0}],
        "id": id, "ingress": [rule(22), rule(443), rule(8080)], "name": format!("app-{i}"), "name_prefix": "",
        "owner_id": "123456789012", "revoke_rules_on_delete": false, "tags": {"Team": "platform"},
        "tags_all": {"Team": "platform"}, "timeouts": null, "vpc_id": "vpc-0123456789abcdef0"
    })
}

fn volume_attrs(i: usize) -> Value {
    let id = format!("vol-{i:017x}");
    json!({
        "arn": format!("arn:aws:ec2:us-east-1:123456789012:volume/{id}"), "availability_zone": "us-east-1a",
        "encrypted": true, "final_snapshot": false, "id": id, "iops": 3000,
        "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "multi_attach_enabled": false, "outpost_arn": "", "size": 100, "snapshot_id": "",
        "tags": {"Name": format!("data-{i}")}, "tags_all": {"Name": format!("data-{i}")}, "throughput": 125,
        "timeouts": null, "type": "gp3"
    })
}

/// Writes a state of `n` instances (6 in 10 instances, 1 in 4 security groups, the rest volumes),
/// resource by resource, pretty-printed with Terraform's two-space indent.
fn gen_state(n: usize, out: &Path) -> Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    write!(w, "{{\n  \"version\": 4,\n  \"terraform_version\": \"1.9.8\",\n  \"serial\": 42,\n  \"lineage\": \"bench\",\n  \"outputs\": {{}},\n  \"resources\": [")?;
    for i in 0..n {
        let (rtype, attrs) = match i % 20 {
            0..=11 => ("aws_instance", instance_attrs(i)),
            12..=16 => ("aws_security_group", group_attrs(i)),
            _ => ("aws_ebs_volume", volume_attrs(i)),
        };
        let resource = json!({
            "mode": "managed", "type": rtype, "name": format!("r{i}"), "provider": AWS,
            "instances": [{"schema_version": 1, "attributes": attrs, "sensitive_attributes": [],
                           "private": "eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ=="}]
        });
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer_pretty(&mut w, &resource)?;
    }
    write!(w, "\n  ],\n  \"check_results\": null\n}}\n")?;
    w.flush()?;
    Ok(())
}

/// Reads and normalises a state as a scan does, and reports the rate and the peak memory.
fn parse(file: &Path) -> Result<()> {
    let bytes = std::fs::metadata(file)?.len();
    let start = Instant::now();
    let state = driftscan::terraform::state::read_state(file)?;
    let parsed = start.elapsed().as_secs_f64();
    let resources: Vec<Resource> = state.resources.into_iter().map(normalise).collect();
    let secs = start.elapsed().as_secs_f64();
    let row = json!({
        "bytes": bytes, "resources": resources.len(), "parse_s": parsed, "secs": secs,
        "mb_per_s": bytes as f64 / 1e6 / secs, "max_rss": max_rss(), "rss_ratio": max_rss() as f64 / bytes as f64,
    });
    println!("{row}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// History

const TYPES: [&str; 4] = ["aws_instance", "aws_security_group", "aws_ebs_volume", "aws_vpc"];
const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-south-1"];

/// The `i`-th synthetic change of a history spread over a year before `now`: one in ten from a
/// scan (most resolved), the rest CloudTrail events by a handful of actors in working hours.
fn synthetic(i: usize, rows: usize, now: DateTime<Utc>) -> (Observation, bool) {
    let secs = 365 * 86_400 * (rows - i) as i64 / rows as i64;
    let t = now - Duration::seconds(secs);
    let obs = Observation {
        time: t,
        account: "123456789012".into(),
        region: REGIONS[i % 3].into(),
        rtype: TYPES[i % 4].into(),
        resource_id: format!("r-{:08x}", i % 50_000),
        actor: Some(format!("arn:aws:iam::123456789012:user/u{}", i % 20)),
    };
    (obs, i % 10 == 0)
}

/// Fills `path` with `rows` changes (one transaction) and the counters learned from them.
fn build_history(path: &Path, rows: usize, now: DateTime<Utc>) -> Result<()> {
    let mut h = History::open(path)?;
    let cfg = scoring::Config::default();
    let mut model = MemoryStore::new();
    let conn = h.connection();
    conn.execute_batch("BEGIN")?;
    conn.execute(
        "INSERT INTO scans (id, started_at, finished_at, regions, states, managed, drifted, deleted, unmanaged, unscanned, coverage_pct)
         VALUES (1, ?1, ?1, '[]', '[]', 0, 0, 0, 0, 0, 100)",
        [driftscan::history::rfc3339(now - Duration::days(366))],
    )?;
    {
        let mut put = conn.prepare(
            "INSERT INTO changes (source, kind, type, resource_id, region, account, address, attribute, declared, actual,
                                  event_id, event_name, actor, changed_at, time, first_seen, last_seen, resolved_at,
                                  first_scan_id, last_scan_id, score, anomalous, reasons)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?15, ?16, ?17, ?17, ?18, 0, ?19)",
        )?;
        for i in 0..rows {
            let (obs, from_scan) = synthetic(i, rows, now);
            let at = driftscan::history::rfc3339(obs.time);
            // One scan change in a hundred is still open; the others were resolved a day later.
            let resolved =
                (from_scan && i % 100 != 0).then(|| driftscan::history::rfc3339(obs.time + Duration::days(1)));
            let reasons = r#"["Tue 10:00 UTC: about 12 of 480 past changes to aws_instance in this account fell within an hour of this time"]"#;
            if from_scan {
                put.execute(rusqlite::params![
                    "scan",
                    "drifted",
                    obs.rtype,
                    obs.resource_id,
                    obs.region,
                    obs.account,
                    format!("{}.r{}", obs.rtype, i % 50_000),
                    "instance_type",
                    "\"t3.micro\"",
                    "\"t3.large\"",
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    at,
                    resolved,
                    1,
                    0.12,
                    reasons
                ])?;
            } else {
                put.execute(rusqlite::params![
                    "cloudtrail",
                    "event",
                    obs.rtype,
                    obs.resource_id,
                    obs.region,
                    obs.account,
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    format!("ev-{i}"),
                    "ModifyInstanceAttribute",
                    obs.actor,
                    at,
                    at,
                    None::<String>,
                    None::<i64>,
                    0.08,
                    reasons
                ])?;
            }
            scoring::learn(&mut model, &obs, scoring::RECORD_WEIGHT, &cfg).ok();
        }
    }
    conn.execute_batch("COMMIT")?;
    // The counters the model learned from the same changes, as `learn` and `scan` keep them.
    let dump: Vec<(String, scoring::Counter)> = model.entries().map(|(k, c)| (k.to_owned(), c)).collect();
    let conn = h.connection();
    conn.execute_batch("BEGIN")?;
    {
        let mut put = conn.prepare("INSERT OR REPLACE INTO score_counters (key, value, at) VALUES (?1, ?2, ?3)")?;
        for (k, c) in dump {
            put.execute(rusqlite::params![k, c.value, c.at])?;
        }
    }
    conn.execute_batch("COMMIT")?;
    h.connection().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    let _ = &mut h;
    Ok(())
}

/// A scan that found `n` new drifts, with what it saw.
fn scan_report(n: usize, now: DateTime<Utc>) -> (Report, Vec<Resource>, Coverage) {
    let started = driftscan::history::rfc3339(now);
    let changes: Vec<Change> = (0..n)
        .map(|i| Change {
            kind: ChangeKind::Drifted,
            address: Some(format!("aws_instance.new{i}")),
            rtype: "aws_instance".into(),
            id: format!("i-new{i:08x}"),
            region: REGIONS[i % 3].into(),
            attribute: Some("instance_type".into()),
            declared: Some(json!("t3.micro")),
            actual: Some(json!("t3.large")),
            account: Some("123456789012".into()),
            ..Default::default()
        })
        .collect();
    let seen: Vec<Resource> = changes
        .iter()
        .map(|c| Resource {
            rtype: c.rtype.clone(),
            id: c.id.clone(),
            region: Some(c.region.clone()),
            attributes: serde_json::Map::from_iter([("instance_type".to_owned(), json!("t3.large"))]),
            declared: None,
            live: None,
        })
        .collect();
    let mut coverage = Coverage::default();
    for t in TYPES {
        for r in REGIONS {
            coverage.scanned.insert((t.into(), r.into()));
        }
    }
    let report = Report {
        scan: ScanMeta {
            id: None,
            started_at: started.clone(),
            finished_at: started,
            regions: REGIONS.iter().map(|r| r.to_string()).collect(),
            states: vec!["bench.tfstate".into()],
            workspace: None,
            account: None,
        },
        summary: Summary { drifted: n, ..Default::default() },
        changes,
        resolved: Vec::new(),
        unscanned: Vec::new(),
    };
    (report, seen, coverage)
}

/// Mean time to score one change, over `n` observations at `now`.
fn score_time(h: &History, n: usize, now: DateTime<Utc>) -> Result<f64> {
    let cfg = scoring::Config::default();
    let start = Instant::now();
    for i in 0..n {
        let (mut obs, _) = synthetic(i * 7919 % 1_000_000, 1_000_000, now);
        obs.time = now;
        h.score(&obs, &cfg)?;
    }
    Ok(start.elapsed().as_secs_f64() / n as f64)
}

fn history(dir: &Path, rows: usize) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let now = Utc::now();
    let big: PathBuf = dir.join("history-big.db");
    let small: PathBuf = dir.join("history-1k.db");
    for p in [&big, &small] {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
        }
    }
    let t = Instant::now();
    build_history(&big, rows, now).context("building the large history")?;
    let build_s = t.elapsed().as_secs_f64();
    build_history(&small, 1_000, now).context("building the small history")?;
    let db_bytes = std::fs::metadata(&big)?.len();

    let score_small = score_time(&History::open(&small)?, 2_000, now)?;
    let score_big = score_time(&History::open(&big)?, 2_000, now)?;

    let window = Window { since: Some(now - Duration::days(30)), until: None };
    let h = History::open(&big)?;
    let t = Instant::now();
    let listed = h.changes(&window)?.len();
    let list_s = t.elapsed().as_secs_f64();
    drop(h);

    // Last, as it adds 10,000 changes (a few to the 30 days the CLI `report` then lists).
    let mut h = History::open(&big)?;
    let (mut report, seen, coverage) = scan_report(10_000, now);
    let t = Instant::now();
    h.record(&mut report, &[], &seen, &coverage, &scoring::Config::default(), now)?;
    let record_s = t.elapsed().as_secs_f64();
    let opened = report.summary.opened;
    drop(h);

    let row = json!({
        "rows": rows, "build_s": build_s, "db_bytes": db_bytes, "bytes_per_change": db_bytes as f64 / rows as f64,
        "record_10k_s": record_s, "opened": opened, "list_30d_s": list_s, "listed_30d": listed,
        "score_us_1k": score_small * 1e6, "score_us_big": score_big * 1e6, "db": big,
    });
    println!("{row}");
    Ok(())
}
