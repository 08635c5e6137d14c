//! Unit tests for scoring: behaviour on small hand-made histories.

use std::cell::Cell;

use chrono::{Duration, TimeZone};

use super::*;

const ACCT: &str = "123456789012";

fn obs(time: DateTime<Utc>, rtype: &str, id: &str, region: &str, actor: Option<&str>) -> Observation {
    Observation {
        time,
        account: ACCT.to_string(),
        region: region.to_string(),
        rtype: rtype.to_string(),
        resource_id: id.to_string(),
        actor: actor.map(str::to_string),
    }
}

/// Monday 2024-01-01 00:00 UTC plus `days` and `hours`.
fn at(days: i64, hours: f64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
        + Duration::days(days)
        + Duration::seconds((hours * 3600.0) as i64)
}

/// `weeks` of office work: Mon-Fri, 5 changes a day between 09:00 and 17:00 UTC, to four busy
/// security groups, in eu-west-1 (every fifth in eu-central-1), by alice or bob.
fn office(store: &mut MemoryStore, cfg: &Config, weeks: i64) {
    for day in 0..weeks * 7 {
        if day % 7 >= 5 {
            continue;
        }
        for i in 0..5 {
            let region = if (day + i) % 5 == 0 { "eu-central-1" } else { "eu-west-1" };
            let actor = if i % 2 == 0 { "arn:aws:iam::1:user/alice" } else { "arn:aws:iam::1:user/bob" };
            let o =
                obs(at(day, 9.0 + 1.7 * i as f64), "aws_security_group", &format!("sg-{}", i % 4), region, Some(actor));
            learn(store, &o, RECORD_WEIGHT, cfg).unwrap();
        }
    }
}

fn normal_change(days: i64) -> Observation {
    obs(at(days, 11.2), "aws_security_group", "sg-1", "eu-west-1", Some("arn:aws:iam::1:user/alice"))
}

#[test]
fn cold_start_flags_nothing() {
    let cfg = Config::default();
    let mut store = MemoryStore::new();
    // Five odd changes: night, new regions, new actors, new resources. None is anomalous.
    for i in 0..5 {
        let o = obs(at(i, 3.0), "aws_instance", &format!("i-{i}"), &format!("region-{i}"), Some(&format!("arn:x{i}")));
        let s = record(&mut store, &o, &cfg).unwrap();
        assert!(!s.anomalous, "{s:?}");
        assert_eq!(s.score, 0.0);
        assert!(s.reasons[0].contains("still learning"), "{:?}", s.reasons);
    }
}

#[test]
fn normal_change_is_not_anomalous_and_has_a_reason() {
    let cfg = Config::default();
    let mut store = MemoryStore::new();
    office(&mut store, &cfg, 4);
    let s = score(&store, &normal_change(28), &cfg).unwrap();
    assert!(!s.anomalous, "{s:?}");
    assert!(!s.reasons.is_empty());
}

#[test]
fn off_hours_change_is_flagged_with_numbers() {
    let cfg = Config::default();
    let mut store = MemoryStore::new();
    office(&mut store, &cfg, 4);
    let o = obs(at(29, 3.25), "aws_security_group", "sg-1", "eu-west-1", Some("arn:aws:iam::1:user/alice"));
    let s = score(&store, &o, &cfg).unwrap();
    assert!(s.anomalous, "{s:?}");
    assert!(s.reasons[0].starts_with("Tue 03:15 UTC: about 0 of "), "{:?}", s.reasons);
    assert!(s.reasons[0].chars().any(|c| c.is_ascii_digit() && c != '0'));
}

#[test]
fn new_region_is_flagged() {
    let cfg = Config::default();
    let mut store = MemoryStore::new();
    office(&mut store, &cfg, 4);
    let mut o = normal_change(28);
    o.region = "ap-south-1".into();
    let s = score(&store, &o, &cfg).unwrap();
    assert!(s.anomalous, "{s:?}");
    assert!(s.reasons.iter().any(|r| r.starts_with("ap-south-1: no past change in this region")), "{:?}", s.reasons);
}

#[test]
fn a_global_service_is_never_a_new_region() {
    let cfg = Config::default();
    let mut store = MemoryStore::new();
    office(&mut store, &cfg, 4);
    let mut o = normal_change(28);
    o.region = crate::catalog::GLOBAL.into();
    o.rtype = "aws_iam_role".into();
    let s = score(&store, &o, &cfg).unwrap();
    assert!(s.reasons.iter().all(|r| !r.contains("region")), "{:?}", s.reasons);
}

#[test]
fn unknown_actor_is_flagged() {
    let cfg = Config::default();
    let mut store = MemoryStore::new();
    office(&mut store, &cfg, 4);
    let mut o = normal_change(28);
    o.actor = Some("arn:aws:iam::999:user/mallory".into());
    let s = score(&store, &o, &cfg).unwrap();
    assert!(s.anomalous, "{s:?}");
    assert!(s.reasons.iter().any(|r| r.contains("principal not seen before")), "{:?}", s.reasons);
}

#[test]
fn burst_is_flagged() {
    let cfg = Config::default();
    let mut store = MemoryStore::new();
    office(&mut store, &cfg, 4);
    let mut flagged = false;
    for i in 0..15 {
        let o = obs(at(28, 10.0 + i as f64 / 90.0), "aws_security_group", &format!("sg-{}", i % 4), "eu-west-1", None);
        let s = record(&mut store, &o, &cfg).unwrap();
        if i < 2 {
            assert!(!s.anomalous, "change {i} of a burst: {s:?}");
        }
        flagged |= s.anomalous && s.reasons.iter().any(|r| r.contains("in the last hour"));
    }
    assert!(flagged);
}

#[test]
fn weekly_maintenance_window_becomes_normal() {
    let cfg = Config::default();
    let mut store = MemoryStore::new();
    office(&mut store, &cfg, 2);
    let window = |week: i64, i: usize| {
        let t = at(week * 7 + 6, 2.0 + i as f64 * 0.2);
        obs(t, "aws_security_group", &format!("sg-{}", i % 4), "eu-west-1", Some("arn:aws:iam::1:user/alice"))
    };
    // The first Sunday night is news.
    let first = score(&store, &window(2, 0), &cfg).unwrap();
    assert!(first.anomalous, "{first:?}");
    // Three weeks of it, with the office going on, and it is routine.
    for week in 2..5 {
        for i in 0..4 {
            record(&mut store, &window(week, i), &cfg).unwrap();
        }
        office_week(&mut store, &cfg, week + 1);
    }
    let later = score(&store, &window(5, 1), &cfg).unwrap();
    assert!(!later.anomalous, "{later:?}");
    assert!(later.score < first.score / 2.0);
}

/// One more week of `office`, starting `week` weeks in.
fn office_week(store: &mut MemoryStore, cfg: &Config, week: i64) {
    for day in 0..5 {
        for i in 0..5 {
            let region = if (day + i) % 5 == 0 { "eu-central-1" } else { "eu-west-1" };
            let actor = if i % 2 == 0 { "arn:aws:iam::1:user/alice" } else { "arn:aws:iam::1:user/bob" };
            let t = at(week * 7 + day, 9.0 + 1.7 * i as f64);
            let o = obs(t, "aws_security_group", &format!("sg-{}", i % 4), region, Some(actor));
            learn(store, &o, RECORD_WEIGHT, cfg).unwrap();
        }
    }
}

#[test]
fn old_pattern_fades() {
    let cfg = Config::default();
    let mut store = MemoryStore::new();
    // Four weeks of changes in eu-west-1 only, then six months of silence, then one change.
    office(&mut store, &cfg, 4);
    let key = format!("ra|{ACCT}|eu-west-1");
    let c = store.get(&key).unwrap();
    let later = c.at + 180 * 86_400;
    let now = decayed(Some(c), later, cfg.half_life_secs(Family::Long));
    assert!(now < c.value / 50.0, "{now} vs {}", c.value);
    // After the fade, the account is back to learning.
    let s = score(&store, &normal_change(28 + 180), &cfg).unwrap();
    assert!(!s.anomalous);
    assert!(s.reasons[0].contains("still learning"), "{:?}", s.reasons);
}

#[test]
fn acknowledged_change_teaches() {
    let cfg = Config::default();
    let mut store = MemoryStore::new();
    office(&mut store, &cfg, 4);
    let mut o = normal_change(28);
    o.region = "ap-south-1".into();
    let before = record(&mut store, &o, &cfg).unwrap();
    learn(&mut store, &o, EXPECTED_WEIGHT, &cfg).unwrap();
    let mut again = normal_change(29);
    again.region = "ap-south-1".into();
    let after = score(&store, &again, &cfg).unwrap();
    assert!(before.anomalous && !after.anomalous, "{before:?} {after:?}");
}

/// Counts the keys read.
struct Counting<'a> {
    inner: &'a mut MemoryStore,
    reads: Cell<usize>,
    most: Cell<usize>,
}

impl Store for Counting<'_> {
    type Error = Infallible;

    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Counter>>, Infallible> {
        self.reads.set(self.reads.get() + 1);
        self.most.set(self.most.get().max(keys.len()));
        self.inner.get_many(keys)
    }

    fn put_many(&mut self, entries: &[(String, Counter)]) -> Result<(), Infallible> {
        assert!(entries.len() <= MAX_KEYS);
        self.inner.put_many(entries)
    }
}

#[test]
fn keys_read_per_score_are_bounded() {
    let cfg = Config::default();
    let mut store = MemoryStore::new();
    office(&mut store, &cfg, 8);
    let mut counting = Counting { inner: &mut store, reads: Cell::new(0), most: Cell::new(0) };
    for o in [normal_change(56), obs(at(57, 2.0), "aws_instance", "i-9", "us-east-1", None)] {
        record(&mut counting, &o, &cfg).unwrap();
    }
    // One batch for the score and one for learning, per change; never more than MAX_KEYS.
    assert_eq!(counting.reads.get(), 4);
    assert_eq!(counting.most.get(), MAX_KEYS);
    const { assert!(MAX_KEYS <= 40) };
}

#[test]
fn keys_cannot_collide() {
    let a = obs(at(0, 0.0), "t", "x|y", "r", None);
    let b = obs(at(0, 0.0), "t|x", "y", "r", None);
    let (ka, kb) = (KeySet::new(&a), KeySet::new(&b));
    assert_ne!(ka.keys()[keys::BR], kb.keys()[keys::BR]);
}

#[test]
fn poisson_tail_matches_known_values() {
    // P(X >= 3 | mu = 1) = 1 - e^-1 (1 + 1 + 1/2) = 0.0803.
    let p = signals::ln_poisson_tail(3.0, 1.0).exp();
    assert!((p - 0.080_301).abs() < 1e-5, "{p}");
}

#[test]
fn a_resource_quiet_far_longer_than_its_type_usually_is_a_signal_with_its_numbers() {
    let cfg = Config::default();
    let mut store = MemoryStore::new();
    // A VPC changed once on day 0; the four busy groups change every day or so for 20 weeks.
    record(&mut store, &obs(at(0, 10.0), "aws_security_group", "sg-old", "eu-west-1", None), &cfg).unwrap();
    office(&mut store, &cfg, 20);
    let day = 20 * 7 + 1; // a Tuesday
    let o = obs(at(day, 11.0), "aws_security_group", "sg-old", "eu-west-1", None);
    let parts = breakdown(&store, &o, &cfg).unwrap();
    let quiet = parts.iter().find(|(k, _)| *k == "quiet").map(|(_, s)| *s).expect("a quiet signal");
    assert!(quiet > 2.0, "141 days against about 1.1: {parts:?}");
    assert!(score(&store, &o, &cfg).unwrap().anomalous);
    let s = score(&store, &o, &cfg).unwrap();
    let reason = s.reasons.iter().find(|r| r.contains("first change in")).expect("a quiet reason");
    assert!(reason.starts_with("sg-old: first change in 141 days; changes to each aws_security_group"), "{reason}");

    // A busy group changing again after the weekend (4 days against about 1.1) is barely quiet.
    let busy = obs(at(day, 11.0), "aws_security_group", "sg-1", "eu-west-1", None);
    let parts = breakdown(&store, &busy, &cfg).unwrap();
    assert!(parts.iter().find(|(k, _)| *k == "quiet").is_some_and(|(_, s)| *s < 1.0), "{parts:?}");
    assert!(!score(&store, &busy, &cfg).unwrap().anomalous);
}
