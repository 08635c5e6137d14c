//! Micro-benchmarks of the pure core: parse, normalise, diff, score (`make bench`).
//!
//! Inputs are made here, as the end-to-end benchmark makes them (`examples/bench/state.rs`), so
//! the figures move only when the code does.
#![recursion_limit = "256"]

use std::path::Path;

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use driftscan::diff::{self, Coverage, Options};
use driftscan::normalise::normalise;
use driftscan::resource::{LiveFacts, Resource};
use driftscan::scoring::{self, MemoryStore, Observation};
use driftscan::terraform::state::{parse_state, parse_state_with, Attributes};
use serde_json::json;

#[allow(dead_code)]
#[path = "../examples/bench/state.rs"]
mod state;

/// 1,000 resource instances (about 2 MB), as bytes.
fn state_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    state::write_to(1_000, &mut out).expect("writing to memory");
    out
}

/// The declared side of the state and a live side with one attribute in fifty drifted.
fn sides(bytes: &[u8]) -> (Vec<Resource>, Vec<Resource>) {
    let declared: Vec<Resource> =
        parse_state(Path::new("bench.tfstate"), bytes).unwrap().resources.into_iter().map(normalise).collect();
    let live = declared
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut l = Resource { declared: None, live: Some(LiveFacts::default()), ..d.clone() };
            if i % 50 == 0 {
                l.attributes.insert("instance_type".into(), json!("t3.large"));
            }
            l
        })
        .collect();
    (declared, live)
}

fn parse_and_normalise(c: &mut Criterion) {
    let bytes = state_bytes();
    let mut g = c.benchmark_group("state");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("parse 1k resources, every attribute", |b| {
        b.iter(|| parse_state(Path::new("b.tfstate"), &bytes).unwrap())
    });
    g.bench_function("parse 1k resources, as a scan", |b| {
        b.iter(|| parse_state_with(Path::new("b.tfstate"), &bytes, Attributes::Compared).unwrap())
    });
    let parsed = parse_state(Path::new("b.tfstate"), &bytes).unwrap().resources;
    g.bench_function("normalise 1k resources", |b| {
        b.iter_batched(|| parsed.clone(), |rs| rs.into_iter().map(normalise).collect::<Vec<_>>(), BatchSize::LargeInput)
    });
    g.finish();
}

fn diff_sides(c: &mut Criterion) {
    let (declared, live) = sides(&state_bytes());
    let mut coverage = Coverage::default();
    for t in ["aws_instance", "aws_security_group", "aws_ebs_volume"] {
        coverage.scanned.insert((t.into(), "us-east-1".into()));
    }
    c.bench_function("diff 1k declared vs 1k live", |b| {
        b.iter(|| diff::diff(&declared, &live, &coverage, Options::default(), Vec::new()))
    });
}

fn score(c: &mut Criterion) {
    let cfg = scoring::Config::default();
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    let obs = |i: i64| Observation {
        time: start + chrono::Duration::minutes(37 * i),
        account: "123456789012".into(),
        region: ["us-east-1", "eu-west-1"][i as usize % 2].into(),
        rtype: ["aws_instance", "aws_security_group"][i as usize % 2].into(),
        resource_id: format!("r-{}", i % 500),
        actor: Some(format!("arn:aws:iam::123456789012:user/u{}", i % 7)),
    };
    let mut store = MemoryStore::new();
    for i in 0..10_000 {
        scoring::learn(&mut store, &obs(i), scoring::RECORD_WEIGHT, &cfg).unwrap();
    }
    let next = obs(10_001);
    c.bench_function("score one change (10k learned)", |b| b.iter(|| scoring::score(&store, &next, &cfg).unwrap()));
}

criterion_group!(benches, parse_and_normalise, diff_sides, score);
criterion_main!(benches);
