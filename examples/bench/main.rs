//! End-to-end benchmark steps that run without AWS, each printing one JSON line for
//! `tools/bench/run.py`, which runs them (and the emulator scans) and prints the table.
//!
//! ```text
//! bench gen-state N OUT      a state of N resource instances, pretty-printed as Terraform writes it
//! bench parse FILE [all]     read + normalise FILE as a scan does (`all`: every attribute, as
//!                            `driftscan state` does); MB/s and this process's peak RSS
//! bench history DIR [ROWS]   a history of ROWS changes (default 1,000,000): record a 10,000-change
//!                            scan, list 30 days, score per change against 1k and ROWS rows
//! ```
//!
//! Run it from a release build (`cargo build --release --examples`): the figures mean nothing in
//! a debug build.

#![recursion_limit = "256"]

/// The allocator of the `driftscan` binary (src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, Utc};
use driftscan::diff::Coverage;
use driftscan::history::{History, Window};
use driftscan::normalise::normalise_all;
use driftscan::report::{Change, ChangeKind, Report, ScanMeta, Summary};
use driftscan::resource::Resource;
use driftscan::scoring::{self, MemoryStore, Observation};
use driftscan::terraform::state::{read_state_with, Attributes};
use serde_json::json;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["gen-state", n, out] => state::write(n.parse()?, Path::new(out)),
        ["parse", file] => parse(Path::new(file), Attributes::Compared),
        ["parse", file, "all"] => parse(Path::new(file), Attributes::All),
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

mod state;

/// Reads and normalises a state as a scan does (or keeping every attribute, as `driftscan state`
/// reads it), and reports the rate and the peak memory.
fn parse(file: &Path, which: Attributes) -> Result<()> {
    let bytes = std::fs::metadata(file)?.len();
    let start = Instant::now();
    let state = read_state_with(file, which)?;
    let parsed = start.elapsed().as_secs_f64();
    let mut resources: Vec<Resource> = state.resources;
    normalise_all(&mut resources);
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
    let mut h = History::open(&path.to_path_buf().into())?;
    let cfg = scoring::Config::default();
    let mut model = MemoryStore::new();
    let conn = h.sqlite_connection().context("the bench writes a SQLite history")?;
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
                // An open change is the only open one of its identity.
                let rid = if resolved.is_none() { format!("r-open-{i}") } else { obs.resource_id.clone() };
                put.execute(rusqlite::params![
                    "scan",
                    "drifted",
                    obs.rtype,
                    rid,
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
    let conn = h.sqlite_connection().context("the bench writes a SQLite history")?;
    conn.execute_batch("BEGIN")?;
    {
        let mut put = conn.prepare("INSERT OR REPLACE INTO score_counters (key, value, at) VALUES (?1, ?2, ?3)")?;
        for (k, c) in dump {
            put.execute(rusqlite::params![k, c.value, c.at])?;
        }
    }
    conn.execute_batch("COMMIT")?;
    h.sqlite_connection()
        .context("the bench writes a SQLite history")?
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
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

    let score_small = score_time(&History::open(&small.clone().into())?, 2_000, now)?;
    let score_big = score_time(&History::open(&big.clone().into())?, 2_000, now)?;

    let window = Window { since: Some(now - Duration::days(30)), until: None };
    let h = History::open(&big.clone().into())?;
    let t = Instant::now();
    let listed = h.changes(&window)?.len();
    let list_s = t.elapsed().as_secs_f64();
    drop(h);

    // Last, as it adds 10,000 changes (a few to the 30 days the CLI `report` then lists).
    let mut h = History::open(&big.clone().into())?;
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
