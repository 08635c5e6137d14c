//! The five signals, their combination into a score, and the sentences that explain it.
//!
//! Every probability here is smoothed and backed off (type -> account -> prior) so that no count
//! of zero turns into certainty; every surprise is in powers of ten.

use super::keys::{self, KeySet, BA, BR, BT, HA, HT, NA, NT, RA, RNA, RNT, RS, RSNA, RSNT, RT, SINCE};
use super::keys::{GN, GS, HSA, HST, XA, XKA, XKT, XNA, XNT, XT};
use super::{Config, Counter, Observation, Score};

/// Pseudo-count behind the "something new" probability: with no recent novelty and `n` past
/// changes, a new value has probability `1 / (n + 1)`.
const THETA: f64 = 1.0;
/// The same for resources, lower: the type-level estimate already counts resources changed once.
const THETA_RESOURCE: f64 = 0.5;
/// Pseudo-changes spread evenly over the week in the account's time profile.
const PRIOR_TIME_ACCOUNT: f64 = 1.0;
/// Share of a two-hour window under an even spread over the week.
const EVEN: f64 = 2.0 / 168.0;
/// How many changes' worth of the account's profile a type's profile starts from. A type with
/// much less history than this follows the account.
const BACKOFF_TIME: f64 = 10.0;
const BACKOFF_REGION: f64 = 10.0;
const BACKOFF_ACTOR: f64 = 10.0;
const BACKOFF_RESOURCE: f64 = 0.5;
/// Changes come in batches (one apply touches several resources), so burst counts are Poisson
/// with this over-dispersion.
const BURST_DISPERSION: f64 = 3.0;
/// The expected number of recent changes is never taken below this.
const BURST_MIN_EXPECTED: f64 = 2.0;
/// Combined surprise (powers of ten) that gives a score of 0.5.
const SURPRISE_AT_HALF: f64 = 2.0;
/// Signals after the strongest add this share of what they have above `SECOND_FROM`.
const SECOND_WEIGHT: f64 = 0.5;
const SECOND_FROM: f64 = 1.5;
/// The quiet signal waits for this many gaps of the type, and is `QUIET_WEIGHT * log10(ratio /
/// QUIET_FROM)` for a resource quiet `ratio` times the type's usual interval (a heavy tail: gaps
/// between changes are nothing like exponential).
const QUIET_MIN_GAPS: f64 = 3.0;
const QUIET_FROM: f64 = 2.0;
const QUIET_WEIGHT: f64 = 2.0;
/// Signals at least this surprising get a sentence.
const REASON_FROM: f64 = 1.0;
const MAX_REASONS: usize = 3;
/// Time reasons quote the type's numbers once it has this many past changes, else the account's.
const TYPE_HISTORY_FOR_REASON: f64 = 20.0;

/// Which signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Time,
    Region,
    Actor,
    Resource,
    Burst,
    Quiet,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Time => "time",
            Kind::Region => "region",
            Kind::Actor => "actor",
            Kind::Resource => "resource",
            Kind::Burst => "burst",
            Kind::Quiet => "quiet",
        }
    }
}

/// One signal's surprise and its sentence.
#[derive(Debug, Clone)]
pub(crate) struct Signal {
    pub(crate) kind: Kind,
    pub(crate) surprise: f64,
    pub(crate) reason: String,
}

/// Scores from decayed `v`alues of `keys` (`raw` for the stored counters).
pub(crate) fn evaluate(obs: &Observation, keys: &KeySet, raw: &[Option<Counter>], v: &[f64], cfg: &Config) -> Score {
    evaluate_signals(obs, keys, raw, v, cfg).0
}

/// The score and every signal behind it, strongest first.
pub(crate) fn evaluate_signals(
    obs: &Observation,
    keys: &KeySet,
    raw: &[Option<Counter>],
    v: &[f64],
    cfg: &Config,
) -> (Score, Vec<Signal>) {
    let n_a = v[NA];
    let n_t = v[NT];
    let t = &obs.rtype;
    let mut sig = Vec::with_capacity(5);

    // Time: share of past changes within an hour of now, against the share a typical change had.
    let ts = time_shares(obs, v, false);
    let share_t = ts.share_t;
    let typical_a = (v[HSA] + PRIOR_TIME_ACCOUNT * EVEN) / (n_a + PRIOR_TIME_ACCOUNT);
    let typical_t = (v[HST] + BACKOFF_TIME * typical_a) / (n_t + BACKOFF_TIME);
    let when = obs.time.format("%a %H:%M UTC");
    let (mass, typical, n, whose) = if n_t >= TYPE_HISTORY_FOR_REASON {
        (ts.mass_t, v[HST], n_t, format!("to {t} "))
    } else {
        (ts.mass_a, v[HSA], n_a, String::new())
    };
    sig.push(Signal {
        kind: Kind::Time,
        surprise: (typical_t / share_t).log10().max(0.0),
        reason: format!(
            "{when}: about {} of {} past changes {whose}in this account fell within an hour of this time \
             (a typical change had about {} around its time)",
            approx(mass),
            approx(n),
            approx(typical)
        ),
    });

    // Region.
    let p_new_a = novelty(v[RNA], n_a);
    let p_a = (v[RA] / (n_a + THETA)).max(p_new_a);
    let p_t = ((v[RT] + (BACKOFF_REGION + v[RNT]) * p_a) / (n_t + BACKOFF_REGION)).min(1.0);
    let r = &obs.region;
    let reason = if v[RA] < keys::FADED {
        format!("{r}: no past change in this region for this account (about {} past changes)", approx(n_a))
    } else if v[RT] < keys::FADED {
        format!(
            "{r}: no past change to {t} in this region for this account (about {} of {} changes in the account were)",
            approx(v[RA]),
            approx(n_a)
        )
    } else {
        format!(
            "{r}: about {} of {} past changes to {t} in this account were in this region",
            approx(v[RT]),
            approx(n_t)
        )
    };
    // A global service (IAM) has no region: where its calls are logged says nothing unusual.
    if obs.region != crate::catalog::GLOBAL {
        sig.push(Signal { kind: Kind::Region, surprise: -p_t.log10(), reason });
    }

    // Actor: only changes with a known actor count, and the signal waits for enough of them.
    if let (true, Some(actor)) = (keys.has_actor(), &obs.actor) {
        let (k_a, k_t) = (v[XKA], v[XKT]);
        let p_new_a = novelty(v[XNA], k_a);
        let p_a = (v[XA] / (k_a + THETA)).max(p_new_a);
        let p_t = ((v[XT] + (BACKOFF_ACTOR + v[XNT]) * p_a) / (k_t + BACKOFF_ACTOR)).min(1.0);
        let reason = if v[XA] < keys::FADED {
            format!(
                "{actor}: principal not seen before in this account (about {} past changes with a known principal)",
                approx(k_a)
            )
        } else if v[XT] < keys::FADED {
            format!(
                "{actor}: has not changed {t} before in this account (about {} past changes to {t} with a known \
                 principal; this principal made about {} changes to other types)",
                approx(k_t),
                approx(v[XA])
            )
        } else {
            format!(
                "{actor}: made about {} of {} past changes to {t} in this account with a known principal",
                approx(v[XT]),
                approx(k_t)
            )
        };
        let surprise = -p_t.log10() * confidence(k_a, cfg);
        sig.push(Signal { kind: Kind::Actor, surprise, reason });
    }

    // Resource: a first change is as likely as first changes have been in this type.
    let p_new_a = ((v[RSNA] + THETA_RESOURCE) / (n_a + THETA_RESOURCE)).min(1.0);
    let p_new_t = (v[RSNT] + BACKOFF_RESOURCE * p_new_a) / (n_t + BACKOFF_RESOURCE);
    let p_r = (v[RS] / (n_t + THETA)).max(p_new_t).min(1.0);
    let id = &obs.resource_id;
    let reason = if v[RS] < keys::FADED {
        format!(
            "{id}: has not changed before; about {} of {} past changes to {t} in this account went to a resource \
             that changed only that once",
            approx(v[RSNT]),
            approx(n_t)
        )
    } else {
        format!(
            "{id}: changed about {} times before (of {} past changes to {t} in this account)",
            approx(v[RS]),
            approx(n_t)
        )
    };
    sig.push(Signal { kind: Kind::Resource, surprise: -p_r.log10(), reason });

    // Quiet: a resource that changed before, quiet far longer than its type's usual interval.
    let counts = cfg.quiet_signal && v[GN] >= QUIET_MIN_GAPS;
    if let (Some(gap), true) = (days_quiet(raw, v, obs.time.timestamp()), counts) {
        let usual = v[GS] / v[GN];
        let ratio = gap / usual.max(keys::MIN_GAP_DAYS);
        sig.push(Signal {
            kind: Kind::Quiet,
            surprise: QUIET_WEIGHT * (ratio / QUIET_FROM).log10().max(0.0),
            reason: format!(
                "{id}: first change in {} days; changes to each {t} in this account usually come every {} days",
                days(gap),
                days(usual)
            ),
        });
    }

    // Burst: recent changes against the learned rate at this time of the week.
    if let Some(since) = raw[SINCE] {
        let long = cfg.half_life_days * 86_400.0;
        let short = cfg.burst_half_life_minutes * 60.0;
        let age = (obs.time.timestamp() as f64 - since.value).max(0.0);
        // Seconds of history the decayed totals stand for: a steady rate r gives a total of r * span.
        let span = (long / std::f64::consts::LN_2 * (1.0 - 0.5f64.powf(age / long))).max(3600.0);
        let recent_span = short / std::f64::consts::LN_2;
        // The recent changes are left out of the profile, or a burst would raise the rate it is
        // measured against.
        let recent = v[BT].min(n_t);
        let local = (time_shares(obs, v, true).share_t / EVEN).max(1.0);
        let expect_t = (n_t - recent) / span * local * recent_span;
        let expect_r = (v[RS] - v[BR]).max(0.0) / span * local * recent_span;
        let (k_t, k_r) = (v[BT] + 1.0, v[BR] + 1.0);
        let (s_t, s_r) = (burst_surprise(k_t, expect_t), burst_surprise(k_r, expect_r));
        let reason = if s_r > s_t {
            format!(
                "about {} changes to {id} in the last hour or so, including this one, against about {} expected",
                approx(k_r),
                approx(expect_r.max(BURST_MIN_EXPECTED))
            )
        } else {
            format!(
                "about {} changes to {t} in this account in the last hour or so, including this one, against about {} \
                 expected at this time of the week",
                approx(k_t),
                approx(expect_t.max(BURST_MIN_EXPECTED))
            )
        };
        sig.push(Signal { kind: Kind::Burst, surprise: s_t.max(s_r), reason });
    }

    sig.sort_by(|a, b| b.surprise.total_cmp(&a.surprise));
    let combined =
        sig[0].surprise + SECOND_WEIGHT * sig[1..].iter().map(|s| (s.surprise - SECOND_FROM).max(0.0)).sum::<f64>();
    let conf = confidence(n_a, cfg);
    let effective = combined * conf;
    let score = effective * effective / (effective * effective + SURPRISE_AT_HALF * SURPRISE_AT_HALF);

    let mut reasons = Vec::with_capacity(MAX_REASONS + 1);
    if conf <= 0.0 {
        reasons.push(format!(
            "only {} past changes in this account: still learning, nothing is flagged before {}",
            approx(n_a),
            approx(cfg.cold_start_min)
        ));
    } else if conf < 1.0 {
        reasons.push(format!(
            "only {} past changes in this account: still learning, surprise scaled down to {}%",
            approx(n_a),
            (conf * 100.0).round()
        ));
    }
    reasons.extend(sig.iter().filter(|s| s.surprise >= REASON_FROM).take(MAX_REASONS).map(|s| s.reason.clone()));
    if reasons.is_empty() || reasons.len() == 1 && conf < 1.0 {
        reasons.push(sig[0].reason.clone());
    }
    (Score { score, anomalous: score >= cfg.threshold, reasons }, sig)
}

/// How many days the resource has been quiet: since its last learned change, when it has one
/// (a counter faded to nothing is a resource changing for the first time, the resource signal's).
pub(crate) fn days_quiet(raw: &[Option<Counter>], v: &[f64], now: i64) -> Option<f64> {
    let last = raw[RS].filter(|_| v[RS] >= keys::FADED)?;
    Some((now - last.at).max(0) as f64 / 86_400.0)
}

/// `143`, `9`, `0.5`: days as a person reads them.
fn days(d: f64) -> String {
    if d >= 10.0 {
        format!("{}", d.round())
    } else {
        format!("{}", (d * 10.0).round() / 10.0)
    }
}

/// The time window around one observation: past changes within an hour, and their smoothed shares.
pub(crate) struct TimeShares {
    pub(crate) mass_a: f64,
    pub(crate) mass_t: f64,
    pub(crate) share_a: f64,
    pub(crate) share_t: f64,
}

impl TimeShares {
    pub(crate) fn shares(&self) -> (f64, f64) {
        (self.share_a, self.share_t)
    }
}

/// Share of past changes within an hour of `obs` (interpolated over the neighbouring hour bins),
/// for the account (smoothed toward an even spread) and the type (backed off to the account).
///
/// With `settled`, changes of the last hour or so (the burst counters) are left out: for the
/// rate a burst is measured against, and for the typical share, which batches would inflate.
pub(crate) fn time_shares(obs: &Observation, v: &[f64], settled: bool) -> TimeShares {
    let minute = obs.time.timestamp().rem_euclid(3600) as f64 / 3600.0;
    let window = |h: usize| (1.0 - minute) * v[h] + v[h + 1] + minute * v[h + 2];
    let (recent_a, recent_t) = if settled { (v[BA].min(v[NA]), v[BT].min(v[NT])) } else { (0.0, 0.0) };
    let mass_a = (window(HA) - recent_a).max(0.0);
    let mass_t = (window(HT) - recent_t).max(0.0);
    let share_a = (mass_a + PRIOR_TIME_ACCOUNT * EVEN) / (v[NA] - recent_a + PRIOR_TIME_ACCOUNT);
    let share_t = (mass_t + BACKOFF_TIME * share_a) / (v[NT] - recent_t + BACKOFF_TIME);
    TimeShares { mass_a, mass_t, share_a, share_t }
}

/// Probability that a value is new, from the decayed count of first appearances among `n` changes.
fn novelty(firsts: f64, n: f64) -> f64 {
    ((firsts + THETA) / (n + THETA)).min(1.0)
}

/// 0 below `cold_start_min` weighted changes, rising linearly to 1 at `cold_start_full`.
fn confidence(n: f64, cfg: &Config) -> f64 {
    let span = (cfg.cold_start_full - cfg.cold_start_min).max(f64::EPSILON);
    ((n - cfg.cold_start_min) / span).clamp(0.0, 1.0)
}

/// Surprise of seeing `k` recent changes when `expected` were due, over-dispersed.
fn burst_surprise(k: f64, expected: f64) -> f64 {
    let k = k / BURST_DISPERSION;
    let mu = expected.max(BURST_MIN_EXPECTED) / BURST_DISPERSION;
    if k <= mu {
        return 0.0;
    }
    (-ln_poisson_tail(k, mu) / std::f64::consts::LN_10).max(0.0)
}

/// ln P(X >= k) for X ~ Poisson(mu), extended to real k: the regularized lower gamma P(k, mu).
/// Called with k > mu, where the series converges quickly.
pub(crate) fn ln_poisson_tail(k: f64, mu: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=1000 {
        term *= mu / (k + n as f64);
        sum += term;
        if term < sum * 1e-15 {
            break;
        }
    }
    -mu + k * mu.ln() - ln_gamma(k + 1.0) + sum.ln()
}

/// ln Γ(x) for x >= 0.5 (Lanczos, g = 7).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// A decayed count for a sentence: whole numbers from 10 on, else one decimal; "0" when faded.
pub(crate) fn approx(x: f64) -> String {
    if x < 0.05 {
        "0".to_string()
    } else if x >= 10.0 || (x - x.round()).abs() < 0.05 {
        format!("{}", x.round())
    } else {
        format!("{x:.1}")
    }
}
