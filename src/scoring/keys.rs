//! The counter keys one observation reads and writes, in a fixed layout (see the table in the
//! module docs of `scoring`).

use std::borrow::Cow;

use chrono::{Datelike, Timelike};

use super::{Counter, Observation, RECORD_WEIGHT};

/// How a key family decays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `cfg.half_life_days`.
    Long,
    /// `cfg.burst_half_life_minutes`.
    Short,
    /// Never decays (a timestamp).
    Fixed,
}

pub(crate) const SINCE: usize = 0;
pub(crate) const NA: usize = 1;
pub(crate) const NT: usize = 2;
/// Hour-of-week bins for the account: previous hour, this hour, next hour.
pub(crate) const HA: usize = 3;
/// Same for the type.
pub(crate) const HT: usize = 6;
pub(crate) const RA: usize = 9;
pub(crate) const RT: usize = 10;
pub(crate) const RNA: usize = 11;
pub(crate) const RNT: usize = 12;
pub(crate) const RS: usize = 13;
pub(crate) const RSNA: usize = 14;
pub(crate) const RSNT: usize = 15;
pub(crate) const BT: usize = 16;
pub(crate) const BR: usize = 17;
/// Sum of the time share each past change had when it came (how peaked the profile is).
pub(crate) const HSA: usize = 18;
pub(crate) const HST: usize = 19;
/// Recent changes in the whole account (short half-life).
pub(crate) const BA: usize = 20;
/// Sum, in days, of the gaps between a resource's change and its previous one, for the type.
pub(crate) const GS: usize = 21;
/// How many such gaps (their mean is how often a resource of the type usually changes).
pub(crate) const GN: usize = 22;
pub(crate) const XKA: usize = 23;
pub(crate) const XKT: usize = 24;
pub(crate) const XA: usize = 25;
pub(crate) const XT: usize = 26;
pub(crate) const XNA: usize = 27;
pub(crate) const XNT: usize = 28;

/// Most keys one score or learn reads: 23 without an actor, 29 with one.
pub const MAX_KEYS: usize = 29;

/// Gaps shorter than this (days) are one batch of changes (one apply, one console session), not
/// a resource changing again: they are not counted in the type's usual interval.
pub(crate) const MIN_GAP_DAYS: f64 = 1.0 / 24.0;

/// Below this a decayed counter counts as faded: the value is new again.
pub(crate) const FADED: f64 = 0.01;

/// Hour of the week in UTC, Monday 00:00 = 0.
pub(crate) fn hour_of_week(obs: &Observation) -> usize {
    obs.time.weekday().num_days_from_monday() as usize * 24 + obs.time.hour() as usize
}

/// Escapes the separator so that no field can forge another key.
fn esc(s: &str) -> Cow<'_, str> {
    if s.contains(['|', '%']) {
        Cow::Owned(s.replace('%', "%25").replace('|', "%7C"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The keys of one observation.
pub(crate) struct KeySet {
    keys: Vec<String>,
    families: Vec<Family>,
}

impl KeySet {
    pub(crate) fn new(obs: &Observation) -> Self {
        let a = esc(&obs.account);
        let t = esc(&obs.rtype);
        let r = esc(&obs.region);
        let id = esc(&obs.resource_id);
        let how = hour_of_week(obs);
        let prev = (how + 167) % 168;
        let next = (how + 1) % 168;
        let mut keys = Vec::with_capacity(MAX_KEYS);
        keys.push(format!("since|{a}"));
        keys.push(format!("na|{a}"));
        keys.push(format!("nt|{a}|{t}"));
        for b in [prev, how, next] {
            keys.push(format!("ha|{a}|{b}"));
        }
        for b in [prev, how, next] {
            keys.push(format!("ht|{a}|{t}|{b}"));
        }
        keys.push(format!("ra|{a}|{r}"));
        keys.push(format!("rt|{a}|{t}|{r}"));
        keys.push(format!("rna|{a}"));
        keys.push(format!("rnt|{a}|{t}"));
        keys.push(format!("rs|{a}|{t}|{id}"));
        keys.push(format!("rsna|{a}"));
        keys.push(format!("rsnt|{a}|{t}"));
        keys.push(format!("bt|{a}|{t}"));
        keys.push(format!("br|{a}|{t}|{id}"));
        keys.push(format!("hsa|{a}"));
        keys.push(format!("hst|{a}|{t}"));
        keys.push(format!("ba|{a}"));
        keys.push(format!("gs|{a}|{t}"));
        keys.push(format!("gn|{a}|{t}"));
        if let Some(actor) = &obs.actor {
            let p = esc(actor);
            keys.push(format!("xka|{a}"));
            keys.push(format!("xkt|{a}|{t}"));
            keys.push(format!("xa|{a}|{p}"));
            keys.push(format!("xt|{a}|{t}|{p}"));
            keys.push(format!("xna|{a}"));
            keys.push(format!("xnt|{a}|{t}"));
        }
        let families = (0..keys.len())
            .map(|i| match i {
                SINCE => Family::Fixed,
                BA | BT | BR => Family::Short,
                _ => Family::Long,
            })
            .collect();
        KeySet { keys, families }
    }

    pub(crate) fn keys(&self) -> &[String] {
        &self.keys
    }

    pub(crate) fn families(&self) -> &[Family] {
        &self.families
    }

    pub(crate) fn has_actor(&self) -> bool {
        self.keys.len() > XKA
    }

    /// What learning adds to which key, given the stored counters and their decayed `values`.
    /// Only the observation's own hour bin is written; "first" counters grow when the value was
    /// new (or faded) at that level; burst counters only on recording (`weight <= 1`).
    /// `shares` are the account's and type's time shares at this time before learning it; `gap`
    /// the days since the resource last changed, when it did.
    pub(crate) fn updates(
        &self,
        raw: &[Option<Counter>],
        values: &[f64],
        weight: f64,
        shares: (f64, f64),
        gap: Option<f64>,
    ) -> Vec<(usize, f64)> {
        let new = |i: usize| raw[i].is_none() || values[i] < FADED;
        let mut out = Vec::with_capacity(20);
        out.push((SINCE, 0.0));
        out.extend([(HSA, weight * shares.0), (HST, weight * shares.1)]);
        out.extend([(NA, weight), (NT, weight), (HA + 1, weight), (HT + 1, weight)]);
        out.extend([(RA, weight), (RT, weight), (RS, weight)]);
        if new(RA) {
            out.push((RNA, weight));
        }
        if new(RT) {
            out.push((RNT, weight));
        }
        // Resources changed exactly once (Good-Turing: their share estimates how likely the next
        // change goes to a resource never changed before). A counter written once by a recording
        // still holds exactly RECORD_WEIGHT; its second change takes its decayed share back out.
        if new(RS) {
            out.extend([(RSNA, weight), (RSNT, weight)]);
        } else if raw[RS].is_some_and(|c| c.value == RECORD_WEIGHT) {
            out.extend([(RSNA, -values[RS]), (RSNT, -values[RS])]);
        }
        if weight <= 1.0 {
            out.extend([(BA, weight), (BT, weight), (BR, weight)]);
            // Only a recording moves a resource on in time: re-learning an acknowledged change
            // is the same change again, not a new gap.
            if let Some(g) = gap.filter(|g| *g >= MIN_GAP_DAYS) {
                out.extend([(GS, weight * g), (GN, weight)]);
            }
        }
        if self.has_actor() {
            out.extend([(XKA, weight), (XKT, weight), (XA, weight), (XT, weight)]);
            if new(XA) {
                out.push((XNA, weight));
            }
            if new(XT) {
                out.push((XNT, weight));
            }
        }
        out
    }
}
