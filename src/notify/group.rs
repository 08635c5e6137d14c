//! One alert per cause: the changes a run tells are grouped before any sink sees them, so a
//! provider upgrade that drifted 40 resources is one alert listing 40 members, not 40 pages.
//!
//! Two causes are recognised, tried in this order:
//! - a **mass change**: the same attribute moving from the same value to the same value on at
//!   least [`MASS_MIN`] resources (a default changed by a provider, a script run once);
//! - **one actor at work**: changes by the same principal, each within [`ACTOR_WINDOW_MIN`]
//!   minutes of the one before.
//!
//! Everything else is an alert of its own. Pure: rows in, groups out, in the rows' order.

use chrono::{DateTime, Utc};

use crate::history::ChangeRow;

/// Resources that must share one before -> after for it to count as one mass change.
pub const MASS_MIN: usize = 3;
/// The longest pause between two changes of one actor that still counts as one piece of work.
pub const ACTOR_WINDOW_MIN: i64 = 5;

/// Why the members of a group are one alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// One change alone.
    Single,
    /// `attribute` moved from one value to another on every member.
    MassChange { attribute: String },
    /// One principal made every member within a few minutes of each other.
    Actor { actor: String },
}

/// An alert: its members, oldest first, and which of them is the most unusual.
#[derive(Debug, Clone)]
pub struct Group {
    pub cause: Cause,
    pub members: Vec<ChangeRow>,
    /// Index in `members` of the highest score (the first of equals).
    pub lead: usize,
}

impl Group {
    /// A group of one.
    pub fn single(c: ChangeRow) -> Group {
        Group { cause: Cause::Single, members: vec![c], lead: 0 }
    }

    fn of(cause: Cause, members: Vec<ChangeRow>) -> Group {
        let mut lead = 0;
        for (i, m) in members.iter().enumerate() {
            if m.score.unwrap_or(0.0) > members[lead].score.unwrap_or(0.0) {
                lead = i;
            }
        }
        Group { cause, members, lead }
    }

    /// The most unusual member.
    pub fn lead(&self) -> &ChangeRow {
        &self.members[self.lead]
    }

    /// The key a sink knows this alert by: stable for a change (its id), and for a group the
    /// id of its first member, so a resolve or acknowledge later names the same alert.
    pub fn key(&self) -> String {
        let first = self.members.iter().map(|m| m.id).min().unwrap_or(0);
        match self.cause {
            Cause::Single => format!("driftscan-change-{first}"),
            _ => format!("driftscan-group-{first}"),
        }
    }

    /// One line on why these are one alert, with its size; raw text (each sink escapes it).
    pub fn describe(&self) -> String {
        let n = self.members.len();
        match &self.cause {
            Cause::Single => "one change".to_owned(),
            Cause::MassChange { attribute } => {
                let lead = self.lead();
                let v = |x: &Option<serde_json::Value>| x.as_ref().map_or("null".into(), |v| v.to_string());
                format!("the same change on {n} resources: {attribute} {} -> {}", v(&lead.declared), v(&lead.actual))
            }
            Cause::Actor { actor } => format!("{n} changes by {actor} within minutes of each other"),
        }
    }
}

/// Groups `rows` by cause; groups come in the order of their first member.
pub fn group(rows: Vec<ChangeRow>) -> Vec<Group> {
    let mut taken = vec![false; rows.len()];
    let mut out: Vec<(usize, Group)> = Vec::new();
    // Mass changes: one attribute, one before, one after.
    let mut by_value: std::collections::BTreeMap<(String, String, String, String), Vec<usize>> = Default::default();
    for (i, r) in rows.iter().enumerate() {
        if let (Some(a), Some(d), Some(v)) = (&r.attribute, &r.declared, &r.actual) {
            by_value.entry((r.kind.clone(), a.clone(), d.to_string(), v.to_string())).or_default().push(i);
        }
    }
    for ((_, attribute, _, _), idx) in by_value {
        if idx.len() >= MASS_MIN {
            idx.iter().for_each(|&i| taken[i] = true);
            let members = idx.iter().map(|&i| rows[i].clone()).collect();
            out.push((idx[0], Group::of(Cause::MassChange { attribute }, members)));
        }
    }
    // One actor's runs of work, among what is left, in time order.
    let mut by_actor: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, r) in rows.iter().enumerate() {
        if let Some(a) = r.actor.as_deref().filter(|_| !taken[i]) {
            by_actor.entry(a).or_default().push(i);
        }
    }
    for (actor, mut idx) in by_actor {
        idx.sort_by_key(|&i| (time(&rows[i].time), i));
        let mut run: Vec<usize> = Vec::new();
        let mut flush = |run: &mut Vec<usize>| {
            if run.len() > 1 {
                run.iter().for_each(|&i| taken[i] = true);
                let members = run.iter().map(|&i| rows[i].clone()).collect();
                let first = *run.iter().min().unwrap_or(&0);
                out.push((first, Group::of(Cause::Actor { actor: actor.to_owned() }, members)));
            }
            run.clear();
        };
        for i in idx {
            let close = run
                .last()
                .is_some_and(|&p| (time(&rows[i].time) - time(&rows[p].time)).num_minutes().abs() <= ACTOR_WINDOW_MIN);
            if !close {
                flush(&mut run);
            }
            run.push(i);
        }
        flush(&mut run);
    }
    for (i, r) in rows.iter().enumerate() {
        if !taken[i] {
            out.push((i, Group::single(r.clone())));
        }
    }
    out.sort_by_key(|(first, _)| *first);
    out.into_iter().map(|(_, g)| g).collect()
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::tests::row;
    use serde_json::json;

    fn change(id: i64, time: &str, attr: &str, from: &str, to: &str, actor: Option<&str>) -> ChangeRow {
        let mut c = row(id, time, "drifted", false, "open");
        c.resource_id = format!("i-{id}");
        c.attribute = Some(attr.into());
        c.declared = Some(json!(from));
        c.actual = Some(json!(to));
        c.actor = actor.map(str::to_owned);
        c.score = Some(0.1 * id as f64);
        c
    }

    #[test]
    fn a_mass_change_is_one_group_named_by_its_size_and_most_unusual_member() {
        let mut rows: Vec<ChangeRow> =
            (1..=5).map(|i| change(i, "2026-12-01T10:00:00Z", "ebs_optimized", "false", "true", None)).collect();
        rows.push(change(6, "2026-12-01T10:00:00Z", "instance_type", "t3.micro", "t3.large", None));
        let groups = group(rows);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].members.len(), 5);
        assert_eq!(groups[0].lead().id, 5, "the highest score leads");
        assert_eq!(groups[0].key(), "driftscan-group-1");
        assert!(groups[0].describe().contains("on 5 resources: ebs_optimized \"false\" -> \"true\""));
        assert_eq!(groups[1].key(), "driftscan-change-6");
    }

    #[test]
    fn one_actor_within_minutes_is_one_group_and_a_pause_splits_it() {
        const BOB: &str = "arn:aws:iam::1:user/bob";
        let bob = Some(BOB);
        let rows = vec![
            change(1, "2026-12-01T10:00:00Z", "a", "1", "2", bob),
            change(2, "2026-12-01T10:04:00Z", "b", "1", "2", bob),
            change(3, "2026-12-01T10:08:00Z", "c", "1", "2", bob),
            change(4, "2026-12-01T11:00:00Z", "d", "1", "2", bob),
            change(5, "2026-12-01T10:01:00Z", "e", "1", "2", Some("arn:aws:iam::1:user/eve")),
        ];
        let groups = group(rows);
        let sizes: Vec<usize> = groups.iter().map(|g| g.members.len()).collect();
        assert_eq!(sizes, [3, 1, 1], "{groups:?}");
        assert_eq!(groups[0].cause, Cause::Actor { actor: BOB.into() });
        assert!(groups[0].describe().starts_with("3 changes by arn:aws:iam::1:user/bob"));
    }
}
