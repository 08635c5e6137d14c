//! Anomaly scoring: how unusual is one change, given the account's history before it.
//!
//! A change (a drift found by a scan, or a write event read from CloudTrail) becomes an
//! [`Observation`]. It is [`score`]d against what was learned before it, then [`learn`]ed. History
//! is never re-read: it lives only as decayed counters in a [`Store`], and scoring one change reads
//! a fixed set of at most [`MAX_KEYS`] keys (29 today), so the cost does not grow with the number
//! of past changes. Counters decay lazily: a counter written at `at` with `value` is worth
//! `value * 0.5^((now - at) / half_life)` now, so behaviour that moves is learned and old patterns
//! fade.
//!
//! # Signals
//!
//! Each signal is a surprise in powers of ten (`-log10` of how likely the change looked, or of how
//! much rarer this time is than an even spread):
//!
//! - **time**: share of past changes within an hour of this hour of the week (168 one-hour bins,
//!   UTC), for the account and resource type, interpolated between neighbouring hours and backed off
//!   to the whole account while the type has little history, compared with the share a typical
//!   past change had around its own time (kept as a running sum, so a 24/7 account has no "night").
//! - **region**: how often this account and type changed in this region, backed off to the account;
//!   a region never seen gets the "new value" probability (recent new regions / past changes).
//! - **actor** (when known): the same for the principal; only changes with a known actor count.
//! - **resource**: how often this resource changed; one that never changed gets the share of past
//!   changes to this type that went to a resource changing for the first time. A new id in a type
//!   where new ids come all the time is not surprising; a first change in a type whose changes all
//!   go to a few busy resources is.
//! - **quiet**: a resource that changed before and has been quiet for much longer than resources of
//!   its type usually go between changes (the decayed mean of the gaps between a resource's change
//!   and its previous one, gaps under an hour left out as one batch). The surprise is
//!   `2 * log10(gap / (2 * mean))`, a heavy tail (gaps between changes are nothing like
//!   exponential): quiet 20 times longer than usual is a surprise of 2, enough alone for a score of
//!   0.5; 5 times is 0.8, which only adds to another signal. It waits for three gaps of the type.
//! - **burst**: changes to this type (and to this resource) in roughly the last hour, from a counter
//!   with a one-hour half-life, against the learned rate at this time of the week (a Poisson tail
//!   with some allowance for changes that come in batches).
//!
//! The strongest signal, plus a part of the others that are clearly raised, gives the combined
//! surprise `s`; the score is `s² / (s² + 2.5²)`, so a score of 0.5 ([`DEFAULT_THRESHOLD`]) is a
//! combined surprise of about one in three hundred. `reasons` gives the strongest signals as plain
//! sentences with the (decayed, rounded) counts behind them, and always at least one sentence.
//!
//! # Cold start
//!
//! Confidence comes from the weighted number of past changes in the account, `n` (decayed):
//!
//! - `n < cfg.cold_start_min` (10): the score is 0 and nothing is anomalous, whatever the change
//!   (also a new region or actor: with so little history everything is new). The first reason says
//!   "only N past changes in this account: still learning".
//! - `cold_start_min <= n < cold_start_full` (10 to 30): the combined surprise is scaled by
//!   `(n - min) / (full - min)`, so only very strong surprises can be flagged; the first reason
//!   says how far the scaling went.
//! - from `cold_start_full` on: no scaling. A resource type with little history borrows the
//!   account's profile (time, region, actor) instead; the actor signal is scaled the same way by
//!   the number of past changes with a known actor, so accounts scanned only by drift (no
//!   CloudTrail actors) never flag actors.
//!
//! # Key families
//!
//! Fields are escaped (`%` and `|`) so keys cannot collide. `<bin>` is the UTC hour of the week,
//! Monday 00:00 = 0.
//!
//! | key | counts | half-life |
//! |---|---|---|
//! | `since\|A` | unix seconds of the first learned change (value, not a count) | none |
//! | `na\|A`, `nt\|A\|T` | changes in account A / to type T | long |
//! | `ha\|A\|bin`, `ht\|A\|T\|bin` | changes in that hour of the week | long |
//! | `hsa\|A`, `hst\|A\|T` | sum of each change's time share when it came | long |
//! | `ra\|A\|R`, `rt\|A\|T\|R` | changes in region R | long |
//! | `rna\|A`, `rnt\|A\|T` | changes that were the first in their region | long |
//! | `xka\|A`, `xkt\|A\|T` | changes with a known actor | long |
//! | `xa\|A\|P`, `xt\|A\|T\|P` | changes by principal P | long |
//! | `xna\|A`, `xnt\|A\|T` | changes that were a principal's first | long |
//! | `rs\|A\|T\|id` | changes to one resource | long |
//! | `rsna\|A`, `rsnt\|A\|T` | resources changed exactly once (Good-Turing) | long |
//! | `ba\|A`, `bt\|A\|T`, `br\|A\|T\|id` | recent changes, for bursts | short |
//! | `gs\|A\|T`, `gn\|A\|T` | sum (days) and number of gaps between a resource's changes | long |
//!
//! "long" is `cfg.half_life_days` (30), "short" is `cfg.burst_half_life_minutes` (60). A store may
//! delete a counter whose decayed value is below 0.01: a missing counter reads as a faded one.

pub mod eval;
mod keys;
mod signals;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::convert::Infallible;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use keys::MAX_KEYS;
use keys::{Family, KeySet};

/// Score at or above which a change is anomalous. A score of 0.5 is a combined surprise of about
/// one in three hundred (see the module docs); on the synthetic evaluation (`examples/eval.rs`)
/// it flags under 2% of normal changes after two weeks of history.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// Weight for [`learn`] when a change is recorded.
pub const RECORD_WEIGHT: f64 = 1.0;

/// Extra weight for [`learn`] when a user acknowledges a change as expected (`ack --expected`): the
/// change then counts as four ordinary ones (1 when recorded + 3), so one acknowledgement is enough
/// to make the same time, region, actor or resource look ordinary next time. Weights above 1 are
/// taken as re-learning a change already recorded: they do not touch the burst counters.
pub const EXPECTED_WEIGHT: f64 = 3.0;

/// One change to score or learn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub time: DateTime<Utc>,
    pub account: String,
    pub region: String,
    /// Terraform resource type, e.g. `aws_security_group`.
    pub rtype: String,
    pub resource_id: String,
    /// Principal ARN, when known (CloudTrail); `None` for drift found by a scan.
    pub actor: Option<String>,
}

/// A decayed counter: `value` as of `at` (unix seconds of the last update).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Counter {
    pub value: f64,
    pub at: i64,
}

/// Where counters live: a SQLite table in the tool, a map in tests.
pub trait Store {
    type Error;
    /// Counters for these keys, same order; None = never written.
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Counter>>, Self::Error>;
    fn put_many(&mut self, entries: &[(String, Counter)]) -> Result<(), Self::Error>;
}

/// A store in memory, for tests and the evaluation.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    map: HashMap<String, Counter>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of counters held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every counter, as stored (not decayed), in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, Counter)> {
        self.map.iter().map(|(k, c)| (k.as_str(), *c))
    }

    /// One counter, as stored (not decayed).
    pub fn get(&self, key: &str) -> Option<Counter> {
        self.map.get(key).copied()
    }
}

impl Store for MemoryStore {
    type Error = Infallible;

    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Counter>>, Infallible> {
        Ok(keys.iter().map(|k| self.map.get(k).copied()).collect())
    }

    fn put_many(&mut self, entries: &[(String, Counter)]) -> Result<(), Infallible> {
        for (k, c) in entries {
            match self.map.get_mut(k) {
                Some(slot) => *slot = *c,
                None => {
                    self.map.insert(k.clone(), *c);
                }
            }
        }
        Ok(())
    }
}

/// Scoring settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// A change scoring at least this is anomalous; [`DEFAULT_THRESHOLD`].
    pub threshold: f64,
    /// Half-life of the long-term counters (time, region, actor, resource profiles), in days.
    pub half_life_days: f64,
    /// Half-life of the burst counters, in minutes.
    pub burst_half_life_minutes: f64,
    /// Below this many weighted past changes in the account nothing is flagged.
    pub cold_start_min: f64,
    /// From this many weighted past changes on, surprise is no longer scaled down.
    pub cold_start_full: f64,
    /// Whether the quiet-resource signal counts (off only to measure what it adds, `make eval`).
    #[serde(default = "on")]
    pub quiet_signal: bool,
}

fn on() -> bool {
    true
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threshold: DEFAULT_THRESHOLD,
            half_life_days: 30.0,
            burst_half_life_minutes: 60.0,
            cold_start_min: 10.0,
            cold_start_full: 30.0,
            quiet_signal: true,
        }
    }
}

impl Config {
    fn half_life_secs(&self, family: Family) -> Option<f64> {
        match family {
            Family::Long => Some(self.half_life_days * 86_400.0),
            Family::Short => Some(self.burst_half_life_minutes * 60.0),
            Family::Fixed => None,
        }
    }
}

/// How two runs' writes to one counter combine, when a shared history's runners learn at once
/// (see the history's `counters`): a decaying counter adds what each run added, decayed to the
/// later time; the first-change time keeps the earliest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Merge {
    Earliest,
    /// Decays by `rate` per second (ln 2 over the half-life; 0 for none).
    Decaying {
        rate: f64,
    },
}

/// How counter `key` merges under `cfg`.
pub fn merge_of(key: &str, cfg: &Config) -> Merge {
    let family = match key.split('|').next() {
        Some("since") => return Merge::Earliest,
        Some("ba" | "bt" | "br") => Family::Short,
        _ => Family::Long,
    };
    let rate =
        cfg.half_life_secs(family).filter(|h| h.is_finite() && *h > 0.0).map_or(0.0, |h| std::f64::consts::LN_2 / h);
    Merge::Decaying { rate }
}

/// `c`'s value carried to `at` under `merge` (no later than its own time: unchanged).
pub fn carried(c: Counter, at: i64, merge: Merge) -> f64 {
    match merge {
        Merge::Earliest => c.value,
        Merge::Decaying { rate } => c.value * (-((at - c.at).max(0) as f64) * rate).exp(),
    }
}

/// How unusual one change is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// 0 (ordinary) to 1 (very unusual).
    pub score: f64,
    /// `score >= threshold`.
    pub anomalous: bool,
    /// Plain sentences, strongest first; never empty.
    pub reasons: Vec<String>,
}

/// Scores `obs` against the history learned so far. Reads one batch of at most [`MAX_KEYS`] keys.
pub fn score<S: Store>(store: &S, obs: &Observation, cfg: &Config) -> Result<Score, S::Error> {
    let keys = KeySet::new(obs);
    let raw = store.get_many(keys.keys())?;
    let now = obs.time.timestamp();
    let values: Vec<f64> =
        keys.families().iter().zip(&raw).map(|(f, c)| decayed(*c, now, cfg.half_life_secs(*f))).collect();
    Ok(signals::evaluate(obs, &keys, &raw, &values, cfg))
}

/// Every signal's surprise (powers of ten) for `obs`, strongest first, as (name, surprise): for
/// looking into scores, e.g. in the evaluation.
pub fn breakdown<S: Store>(store: &S, obs: &Observation, cfg: &Config) -> Result<Vec<(&'static str, f64)>, S::Error> {
    let keys = KeySet::new(obs);
    let raw = store.get_many(keys.keys())?;
    let now = obs.time.timestamp();
    let values: Vec<f64> =
        keys.families().iter().zip(&raw).map(|(f, c)| decayed(*c, now, cfg.half_life_secs(*f))).collect();
    let (_, sig) = signals::evaluate_signals(obs, &keys, &raw, &values, cfg);
    Ok(sig.iter().map(|s| (s.kind.name(), s.surprise)).collect())
}

/// Teaches the model `obs` with `weight` ([`RECORD_WEIGHT`] when a change is recorded,
/// [`EXPECTED_WEIGHT`] more when it is acknowledged as expected). Reads and writes the same bounded
/// set of keys as [`score`].
pub fn learn<S: Store>(store: &mut S, obs: &Observation, weight: f64, cfg: &Config) -> Result<(), S::Error> {
    if !(weight.is_finite() && weight > 0.0) {
        return Ok(());
    }
    let keys = KeySet::new(obs);
    let raw = store.get_many(keys.keys())?;
    let now = obs.time.timestamp();
    let values: Vec<f64> =
        keys.families().iter().zip(&raw).map(|(f, c)| decayed(*c, now, cfg.half_life_secs(*f))).collect();
    let gap = signals::days_quiet(&raw, &values, now);
    let updates = keys.updates(&raw, &values, weight, signals::time_shares(obs, &values, true).shares(), gap);
    let mut entries = Vec::with_capacity(updates.len());
    for (idx, add) in updates {
        let family = keys.families()[idx];
        let counter = match (family, raw[idx]) {
            // The first change ever: remember when, never move it.
            (Family::Fixed, Some(c)) => Counter { value: c.value.min(now as f64), at: c.at.min(now) },
            (Family::Fixed, None) => Counter { value: now as f64, at: now },
            (_, old) => add_decayed(old, now, add, cfg.half_life_secs(family).unwrap_or(f64::INFINITY)),
        };
        entries.push((keys.keys()[idx].clone(), counter));
    }
    store.put_many(&entries)
}

/// Scores `obs`, then learns it with [`RECORD_WEIGHT`]: what the tool does for every new change.
pub fn record<S: Store>(store: &mut S, obs: &Observation, cfg: &Config) -> Result<Score, S::Error> {
    let s = score(store, obs, cfg)?;
    learn(store, obs, RECORD_WEIGHT, cfg)?;
    Ok(s)
}

/// The value of `c` at `now`. Counters from the future (events learned out of order) do not grow.
fn decayed(c: Option<Counter>, now: i64, half_life: Option<f64>) -> f64 {
    match (c, half_life) {
        (None, _) => 0.0,
        (Some(c), None) => c.value,
        (Some(c), Some(hl)) => c.value * decay_factor((now - c.at).max(0) as f64, hl),
    }
}

/// Adds `add` at time `now` to `old`. An event older than the counter's last update is decayed
/// forward to it instead, so the counter's time never goes back.
fn add_decayed(old: Option<Counter>, now: i64, add: f64, half_life: f64) -> Counter {
    match old {
        None => Counter { value: add, at: now },
        Some(c) if c.at <= now => {
            Counter { value: (c.value * decay_factor((now - c.at) as f64, half_life) + add).max(0.0), at: now }
        }
        Some(c) => Counter { value: (c.value + add * decay_factor((c.at - now) as f64, half_life)).max(0.0), at: c.at },
    }
}

fn decay_factor(dt_secs: f64, half_life_secs: f64) -> f64 {
    if half_life_secs.is_finite() && half_life_secs > 0.0 {
        (-(dt_secs / half_life_secs) * std::f64::consts::LN_2).exp()
    } else {
        1.0
    }
}
