//! Synthetic evaluation: labelled histories, incidents injected into a test period, and the
//! figures that say whether scoring catches them without crying wolf.
//!
//! The generator is deterministic for a seed (its own splitmix64, no crates). Each account works
//! Mon-Fri 09:00-18:00 in its own time zone, in a few regions with uneven weights, with busy and
//! quiet resources per type, a handful of actors per type, changes in batches of one to four, a
//! weekly night maintenance window touching a fixed set of resources, and a little on-call work at
//! any hour (labelled normal: it is the honest floor of the false-alarm rate). The test period
//! adds incidents of five kinds; each is scored, then learned, in time order, as the tool does.
//! An incident counts as caught when any of its changes is flagged (a burst is fifteen changes).

use std::fmt::Write;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};

use super::{record, Config, MemoryStore, Observation};

/// The kinds of injected incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentKind {
    /// A busy resource changed at night on a weekday, by its usual actor, in its usual region.
    OffHours,
    /// A new resource in a region the account never used.
    NewRegion,
    /// Fifteen changes to one type within ten minutes.
    Burst,
    /// A resource that never changed before, in a type whose new ids are rare.
    QuietResource,
    /// A principal never seen in the account.
    UnknownActor,
    /// A resource of a long-lived type that changed once when the generated history began and
    /// not since: quiet for four weeks or more where its type's resources change every few days.
    Dormant,
}

pub const KINDS: [IncidentKind; 6] = [
    IncidentKind::OffHours,
    IncidentKind::NewRegion,
    IncidentKind::Burst,
    IncidentKind::QuietResource,
    IncidentKind::UnknownActor,
    IncidentKind::Dormant,
];

impl IncidentKind {
    pub fn label(self) -> &'static str {
        match self {
            IncidentKind::OffHours => "off-hours",
            IncidentKind::NewRegion => "new-region",
            IncidentKind::Burst => "burst",
            IncidentKind::QuietResource => "quiet-res",
            IncidentKind::UnknownActor => "new-actor",
            IncidentKind::Dormant => "dormant",
        }
    }
}

/// A tiny deterministic PRNG (splitmix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.f64() * n as f64) as usize % n.max(1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Poisson by multiplication (small means only).
    pub fn poisson(&mut self, mean: f64) -> usize {
        let limit = (-mean).exp();
        let mut k = 0;
        let mut p = self.f64();
        while p > limit {
            k += 1;
            p *= self.f64();
        }
        k
    }

    /// An index drawn with these weights.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

struct TypeSpec {
    name: &'static str,
    busy: usize,
    quiet: usize,
    /// Share of changes that go to a brand new resource id.
    churn: f64,
    /// Batches per working day.
    rate: f64,
    /// Indices into the account's actors; the first is the most active.
    actors: &'static [usize],
    /// Maintenance-window resources of this type.
    maintained: usize,
}

struct AccountSpec {
    id: String,
    /// Local time = UTC + this many hours.
    tz: i64,
    regions: &'static [(&'static str, f64)],
    actors: &'static [&'static str],
    types: Vec<TypeSpec>,
    /// Weekday (0 = Monday) and local hour of the one-hour maintenance window.
    maintenance: (i64, i64),
}

fn ts(
    name: &'static str,
    busy: usize,
    quiet: usize,
    churn: f64,
    rate: f64,
    actors: &'static [usize],
    maintained: usize,
) -> TypeSpec {
    TypeSpec { name, busy, quiet, churn, rate, actors, maintained }
}

/// Two accounts of each of three shapes (Americas, Europe, Asia), so that incidents are spread thin.
fn accounts() -> Vec<AccountSpec> {
    (0..2).flat_map(shapes).collect()
}

fn shapes(copy: usize) -> Vec<AccountSpec> {
    const ACTORS: &[&str] =
        &["role/terraform-ci", "user/alice", "user/bob", "user/carol", "user/dave", "role/patch-bot"];
    vec![
        AccountSpec {
            id: format!("11111111111{copy}"),
            tz: -5,
            regions: &[("us-east-1", 0.7), ("us-west-2", 0.25), ("eu-west-1", 0.05)],
            actors: ACTORS,
            types: vec![
                ts("aws_security_group", 4, 12, 0.03, 5.0, &[0, 1, 2], 0),
                ts("aws_instance", 12, 6, 0.3, 6.0, &[0, 1, 3], 4),
                ts("aws_iam_role", 3, 20, 0.05, 2.0, &[0, 4], 0),
                ts("aws_s3_bucket", 2, 8, 0.02, 1.5, &[0, 2], 0),
                ts("aws_db_instance", 1, 3, 0.0, 0.4, &[0, 3], 1),
            ],
            maintenance: (6, 2),
        },
        AccountSpec {
            id: format!("22222222222{copy}"),
            tz: 1,
            regions: &[("eu-west-1", 0.6), ("eu-central-1", 0.35), ("us-east-1", 0.05)],
            actors: ACTORS,
            types: vec![
                ts("aws_security_group", 6, 10, 0.02, 4.0, &[0, 2, 3], 0),
                ts("aws_instance", 8, 4, 0.25, 4.0, &[0, 3], 3),
                ts("aws_lambda_function", 5, 5, 0.05, 3.0, &[0, 1, 4], 0),
                ts("aws_iam_policy", 2, 15, 0.03, 1.0, &[0, 4], 0),
            ],
            maintenance: (6, 2),
        },
        AccountSpec {
            id: format!("33333333333{copy}"),
            tz: 9,
            regions: &[("ap-northeast-1", 0.8), ("ap-southeast-1", 0.2)],
            actors: ACTORS,
            types: vec![
                ts("aws_security_group", 3, 8, 0.03, 3.0, &[0, 1], 0),
                ts("aws_instance", 6, 4, 0.3, 3.0, &[0, 1, 2], 2),
                ts("aws_route53_record", 4, 30, 0.1, 2.0, &[0, 2], 0),
            ],
            maintenance: (2, 1),
        },
    ]
}

/// Regions no account uses, for new-region incidents.
const UNUSED_REGIONS: &[&str] =
    &["ap-south-1", "sa-east-1", "af-south-1", "me-south-1", "ap-east-1", "eu-north-1", "ca-central-1", "eu-south-1"];

/// One generated change: normal (`incident == None`) or part of an incident.
#[derive(Debug, Clone)]
pub struct Event {
    pub obs: Observation,
    pub incident: Option<usize>,
}

/// A generated history: events in time order, the start of the test period, incident kinds.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub events: Vec<Event>,
    pub test_start: DateTime<Utc>,
    pub incidents: Vec<IncidentKind>,
}

/// Options for [`generate`] and [`run`].
#[derive(Debug, Clone)]
pub struct EvalOptions {
    pub seed: u64,
    /// Days of history generated before the test period (runs may use only the last part).
    pub history_days: i64,
    pub test_days: i64,
    /// Incidents of each kind per account.
    pub incidents_per_kind: usize,
    /// History lengths to compare.
    pub histories: Vec<i64>,
    pub config: Config,
    /// Also note each signal's surprise quantiles over normal changes.
    pub diagnostics: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            seed: 42,
            history_days: 28,
            test_days: 14,
            incidents_per_kind: 2,
            histories: vec![0, 7, 14, 28],
            config: Config::default(),
            diagnostics: false,
        }
    }
}

struct Gen<'a> {
    rng: Rng,
    acct: &'a AccountSpec,
    events: Vec<Event>,
    fresh: usize,
}

impl Gen<'_> {
    fn actor(&self, i: usize) -> String {
        let a = self.acct;
        let who = a.actors[i];
        match who.strip_prefix("user/") {
            Some(user) => format!("arn:aws:sts::{}:assumed-role/Admin/{user}", a.id),
            None => format!("arn:aws:iam::{}:{}", a.id, who),
        }
    }

    fn push(
        &mut self,
        time: DateTime<Utc>,
        t: &TypeSpec,
        region: &str,
        id: String,
        actor: String,
        incident: Option<usize>,
    ) {
        let obs = Observation {
            time,
            account: self.acct.id.clone(),
            region: region.to_string(),
            rtype: t.name.to_string(),
            resource_id: id,
            actor: Some(actor),
        };
        self.events.push(Event { obs, incident });
    }

    fn busy_id(&mut self, t: &TypeSpec) -> String {
        // Zipf-like: the first busy resource changes most.
        let weights: Vec<f64> = (0..t.busy).map(|i| 1.0 / (i + 1) as f64).collect();
        let i = self.rng.weighted(&weights);
        format!("{}-{}-busy{i}", t.name, self.acct.id)
    }

    fn new_id(&mut self, t: &TypeSpec) -> String {
        self.fresh += 1;
        format!("{}-{}-new{}", t.name, self.acct.id, self.fresh)
    }

    fn region(&mut self) -> &'static str {
        let w: Vec<f64> = self.acct.regions.iter().map(|r| r.1).collect();
        self.acct.regions[self.rng.weighted(&w)].0
    }

    fn usual_actor(&mut self, t: &TypeSpec) -> String {
        let w: Vec<f64> = (0..t.actors.len()).map(|i| if i == 0 { 2.0 } else { 1.0 }).collect();
        let i = t.actors[self.rng.weighted(&w)];
        self.actor(i)
    }

    /// A working-hours time on local day `day` (days from `t0`, local midnight).
    fn working_time(&mut self, t0: DateTime<Utc>, day: i64) -> DateTime<Utc> {
        let local_midnight = t0 + Duration::days(day) - Duration::hours(self.acct.tz);
        local_midnight + Duration::seconds(9 * 3600 + (self.rng.f64() * 9.0 * 3600.0) as i64)
    }

    fn normal_day(&mut self, t0: DateTime<Utc>, day: i64) {
        let local_midnight = t0 + Duration::days(day) - Duration::hours(self.acct.tz);
        let weekday = (t0 + Duration::days(day)).weekday().num_days_from_monday() as i64;
        let acct = self.acct;
        if weekday < 5 {
            for t in &acct.types {
                for _ in 0..self.rng.poisson(t.rate) {
                    let mut at = self.working_time(t0, day);
                    // On-call work at any hour: rare, normal, and indistinguishable from an incident.
                    if self.rng.chance(0.005) {
                        at = local_midnight + Duration::seconds((self.rng.f64() * 86_400.0) as i64);
                    }
                    let mut size = 1;
                    while size < 4 && self.rng.chance(0.4) {
                        size += 1;
                    }
                    let actor = self.usual_actor(t);
                    let region = self.region();
                    for _ in 0..size {
                        let id = if self.rng.chance(t.churn) { self.new_id(t) } else { self.busy_id(t) };
                        let when = at + Duration::seconds(self.rng.below(180) as i64);
                        self.push(when, t, region, id, actor.clone(), None);
                    }
                }
            }
        }
        if weekday == acct.maintenance.0 {
            let start = local_midnight + Duration::hours(acct.maintenance.1);
            let main = acct.regions[0].0;
            let bot = self.actor(acct.actors.len() - 1);
            for t in &acct.types {
                for i in 0..t.maintained {
                    let when = start + Duration::seconds(self.rng.below(3600) as i64);
                    self.push(when, t, main, format!("{}-{}-mw{i}", t.name, acct.id), bot.clone(), None);
                }
            }
        }
    }

    /// A weekday in the test period.
    fn test_weekday(&mut self, t0: DateTime<Utc>, test_days: i64) -> i64 {
        loop {
            let d = self.rng.below(test_days as usize) as i64;
            if (t0 + Duration::days(d)).weekday().num_days_from_monday() < 5 {
                return d;
            }
        }
    }

    fn incident(&mut self, kind: IncidentKind, n: usize, id: usize, t0: DateTime<Utc>, days: (i64, i64)) {
        let (history_days, test_days) = days;
        let acct = self.acct;
        let main = acct.regions[0].0;
        let day = self.test_weekday(t0, test_days);
        let w: Vec<f64> = acct.types.iter().map(|t| t.rate).collect();
        let t = &acct.types[self.rng.weighted(&w)];
        let at = self.working_time(t0, day);
        match kind {
            IncidentKind::OffHours => {
                let hours = [0, 1, 2, 3, 4, 5, 21, 22, 23];
                let h = hours[self.rng.below(hours.len())];
                let local_midnight = t0 + Duration::days(day) - Duration::hours(acct.tz);
                let when = local_midnight + Duration::seconds(h * 3600 + self.rng.below(3600) as i64);
                let (rid, actor) = (self.busy_id(t), self.actor(t.actors[0]));
                self.push(when, t, main, rid, actor, Some(id));
            }
            IncidentKind::NewRegion => {
                let region = UNUSED_REGIONS[n % UNUSED_REGIONS.len()];
                let (rid, actor) = (self.new_id(t), self.actor(t.actors[0]));
                self.push(at, t, region, rid, actor, Some(id));
            }
            IncidentKind::Burst => {
                let actor = self.usual_actor(t);
                for _ in 0..15 {
                    let when = at + Duration::seconds(self.rng.below(600) as i64);
                    let rid = self.busy_id(t);
                    self.push(when, t, main, rid, actor.clone(), Some(id));
                }
            }
            IncidentKind::QuietResource => {
                // Only types whose resources are long-lived: elsewhere a first change is routine.
                let quiet: Vec<&TypeSpec> = acct.types.iter().filter(|t| t.churn <= 0.05 && t.quiet > n).collect();
                let t = quiet[self.rng.below(quiet.len())];
                let (rid, actor) = (format!("{}-{}-quiet{n}", t.name, acct.id), self.actor(t.actors[0]));
                self.push(at, t, main, rid, actor, Some(id));
            }
            IncidentKind::UnknownActor => {
                let actor = format!("arn:aws:iam::{}:user/contractor{n}", acct.id);
                let rid = self.busy_id(t);
                self.push(at, t, main, rid, actor, Some(id));
            }
            IncidentKind::Dormant => {
                let long_lived: Vec<&TypeSpec> = acct.types.iter().filter(|t| t.churn <= 0.05).collect();
                let t = long_lived[self.rng.below(long_lived.len())];
                let (rid, actor) = (format!("{}-{}-dormant{n}", t.name, acct.id), self.actor(t.actors[0]));
                // Its one earlier change, on the first working day of the history: not an incident.
                let first = (-history_days..0).find(|d| (t0 + Duration::days(*d)).weekday().num_days_from_monday() < 5);
                if let Some(d) = first {
                    let before = self.working_time(t0, d);
                    self.push(before, t, main, rid.clone(), actor.clone(), None);
                }
                self.push(at, t, main, rid, actor, Some(id));
            }
        }
    }
}

/// The test period starts on a Monday.
fn test_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 4, 0, 0, 0).single().expect("valid date")
}

/// Generates a labelled dataset: `history_days` of normal activity, then `test_days` of normal
/// activity with incidents.
pub fn generate(opts: &EvalOptions) -> Dataset {
    let t0 = test_start();
    let mut rng = Rng::new(opts.seed);
    let mut events = Vec::new();
    let mut incidents = Vec::new();
    for acct in accounts() {
        let mut g = Gen { rng: Rng::new(rng.next_u64()), acct: &acct, events: Vec::new(), fresh: 0 };
        for day in -opts.history_days..opts.test_days {
            g.normal_day(t0, day);
        }
        for kind in KINDS {
            for n in 0..opts.incidents_per_kind {
                incidents.push(kind);
                g.incident(kind, n, incidents.len() - 1, t0, (opts.history_days, opts.test_days));
            }
        }
        events.append(&mut g.events);
    }
    events.sort_by(|a, b| a.obs.time.cmp(&b.obs.time).then(a.obs.account.cmp(&b.obs.account)));
    let end = t0 + Duration::days(opts.test_days);
    events.retain(|e| e.obs.time < end);
    Dataset { events, test_start: t0, incidents }
}

/// Figures for one history length.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub history_days: i64,
    pub normal: usize,
    pub false_alarms: usize,
    /// Caught and total, per kind, in [`KINDS`] order.
    pub recall: Vec<(usize, usize)>,
    /// Average precision over normal changes and incidents (an incident scores its highest change).
    pub average_precision: f64,
    /// Normal changes flagged and incidents missed, with reasons, for looking into.
    pub notes: Vec<String>,
}

/// Learns the last `history_days` of history, then records every test change.
///
/// Normal changes to the same account and type within two hours after a burst starts are part of
/// the burst as far as anyone can tell: they are learned but neither counted as false alarms nor
/// ranked.
pub fn evaluate(data: &Dataset, history_days: i64, cfg: &Config, diagnostics: bool) -> Outcome {
    let mut store = MemoryStore::new();
    let from = data.test_start - Duration::days(history_days);
    let mut normal_scores = Vec::new();
    let mut best: Vec<(f64, String)> = vec![(-1.0, String::new()); data.incidents.len()];
    let mut notes = Vec::new();
    let mut bursts: Vec<(&str, &str, DateTime<Utc>)> = Vec::new();
    let mut excluded = 0;
    let mut surprises: Vec<(&'static str, Vec<f64>)> = Vec::new();
    for e in data.events.iter().filter(|e| e.obs.time >= from) {
        if e.obs.time < data.test_start {
            super::learn(&mut store, &e.obs, super::RECORD_WEIGHT, cfg).unwrap_or_else(|never| match never {});
            continue;
        }
        if diagnostics && e.incident.is_none() {
            for (name, s) in super::breakdown(&store, &e.obs, cfg).unwrap_or_else(|never| match never {}) {
                match surprises.iter_mut().find(|x| x.0 == name) {
                    Some(x) => x.1.push(s),
                    None => surprises.push((name, vec![s])),
                }
            }
        }
        let s = record(&mut store, &e.obs, cfg).unwrap_or_else(|never| match never {});
        match e.incident {
            None if bursts.iter().any(|b| b.0 == e.obs.account && b.1 == e.obs.rtype && e.obs.time < b.2) => {
                excluded += 1;
            }
            None => {
                if s.anomalous {
                    notes.push(format!(
                        "false alarm {:.2} {} {}: {}",
                        s.score,
                        e.obs.time,
                        e.obs.rtype,
                        s.reasons.join(" / ")
                    ));
                }
                normal_scores.push(s.score);
            }
            Some(i) => {
                if data.incidents[i] == IncidentKind::Burst {
                    bursts.push((&e.obs.account, &e.obs.rtype, e.obs.time + Duration::hours(2)));
                }
                if s.score > best[i].0 {
                    best[i] = (s.score, s.reasons.join(" / "));
                }
            }
        }
    }
    let mut recall = vec![(0, 0); KINDS.len()];
    for (i, kind) in data.incidents.iter().enumerate() {
        let k = KINDS.iter().position(|x| x == kind).unwrap_or(0);
        recall[k].1 += 1;
        if best[i].0 >= cfg.threshold {
            recall[k].0 += 1;
        } else {
            notes.push(format!("missed {} {:.2}: {}", kind.label(), best[i].0, best[i].1));
        }
    }
    if excluded > 0 {
        notes.push(format!("{excluded} normal changes during bursts left out"));
    }
    for (name, mut v) in surprises {
        v.sort_by(f64::total_cmp);
        let q = |p: f64| v[((v.len() - 1) as f64 * p) as usize];
        notes.push(format!(
            "normal {name:>8} surprise: median {:.2} p90 {:.2} p98 {:.2} p99 {:.2} max {:.2}",
            q(0.5),
            q(0.9),
            q(0.98),
            q(0.99),
            q(1.0)
        ));
    }
    let mut items: Vec<(f64, bool)> = normal_scores.iter().map(|s| (*s, false)).collect();
    items.extend(best.iter().map(|b| (b.0, true)));
    Outcome {
        history_days,
        normal: normal_scores.len(),
        false_alarms: normal_scores.iter().filter(|s| **s >= cfg.threshold).count(),
        recall,
        average_precision: average_precision(&mut items),
        notes,
    }
}

/// Average precision; ties are ranked pessimistically (negatives first).
pub fn average_precision(items: &mut [(f64, bool)]) -> f64 {
    items.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let positives = items.iter().filter(|i| i.1).count();
    if positives == 0 {
        return 0.0;
    }
    let mut hits = 0;
    let mut sum = 0.0;
    for (rank, item) in items.iter().enumerate() {
        if item.1 {
            hits += 1;
            sum += hits as f64 / (rank + 1) as f64;
        }
    }
    sum / positives as f64
}

/// Generates once and evaluates every history length.
pub fn run(opts: &EvalOptions) -> Vec<Outcome> {
    let data = generate(opts);
    opts.histories.iter().map(|h| evaluate(&data, *h, &opts.config, opts.diagnostics)).collect()
}

/// The table for `outcomes`.
pub fn table(opts: &EvalOptions, outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "driftscan scoring eval: seed {}, {} accounts, {} test days, {} incidents of each kind per account, threshold {:.2}",
        opts.seed,
        accounts().len(), opts.test_days, opts.incidents_per_kind, opts.config.threshold
    );
    let _ = write!(out, "{:>7} {:>6} {:>11}", "history", "normal", "false-alarm");
    for k in KINDS {
        let _ = write!(out, " {:>10}", k.label());
    }
    let _ = writeln!(out, " {:>6}", "PR-AUC");
    for o in outcomes {
        let fa = 100.0 * o.false_alarms as f64 / o.normal.max(1) as f64;
        let _ = write!(out, "{:>6}d {:>6} {:>4} {:>5.1}%", o.history_days, o.normal, o.false_alarms, fa);
        for (caught, total) in &o.recall {
            let _ = write!(out, " {:>10}", format!("{caught}/{total}"));
        }
        let _ = writeln!(out, " {:>6.3}", o.average_precision);
    }
    out
}

/// The default evaluation as a table.
pub fn run_default() -> String {
    let opts = EvalOptions::default();
    table(&opts, &run(&opts))
}
