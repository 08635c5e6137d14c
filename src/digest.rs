//! What `driftscan report` says about a window of history: the changes kept by the filters, and
//! the figures drawn from them (counts, hour-of-week heatmap, changes per day, the resources and
//! types that change most, coverage over time). Pure: rows and scans in, figures out; the
//! renderers in `output` only lay them out.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

use crate::history::{ChangeRow, Facets, ScanPoint};
use crate::impact::Severity;

/// Which changes a report keeps, besides its time window.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub rtype: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
    /// Only changes recorded by this config workspace's runs, and the CloudTrail events (which
    /// name no workspace) of the accounts in `workspace_accounts`, those it scanned.
    pub workspace: Option<String>,
    pub workspace_accounts: BTreeSet<String>,
    /// Only changes scored anomalous.
    pub anomalous: bool,
    /// Only drifts still open.
    pub open: bool,
}

impl Filter {
    pub fn keep(&self, r: &ChangeRow) -> bool {
        self.keeps(&r.facets())
    }

    /// [`Self::keep`] of a change of which only the facets were read.
    pub fn keeps(&self, f: &Facets) -> bool {
        let matches = |want: &Option<String>, got: &str| want.as_deref().map_or(true, |w| w == got);
        matches(&self.rtype, f.rtype)
            && matches(&self.region, f.region)
            && matches(&self.account, f.account)
            && self.workspace.as_deref().map_or(true, |w| match f.workspace {
                Some(of) => of == w,
                None => self.workspace_accounts.contains(f.account),
            })
            && (!self.anomalous || f.anomalous)
            && (!self.open || f.status == "open")
    }

    /// The filters in force, as `type=aws_instance` words; empty when none.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        let named = [
            ("type", &self.rtype),
            ("region", &self.region),
            ("account", &self.account),
            ("workspace", &self.workspace),
        ];
        for (name, v) in named {
            if let Some(v) = v {
                out.push(format!("{name}={v}"));
            }
        }
        if self.anomalous {
            out.push("anomalous only".into());
        }
        if self.open {
            out.push("open only".into());
        }
        out
    }
}

/// Counts over the kept changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub changes: usize,
    pub anomalous: usize,
    /// Scan changes still open.
    pub open: usize,
    pub resolved: usize,
    /// CloudTrail write events.
    pub events: usize,
    pub drifted: usize,
    pub deleted: usize,
    pub unmanaged: usize,
    /// CloudTrail events shown with the drift they explain rather than on their own (counted in
    /// `events`, not in `changes`).
    pub folded: usize,
}

/// One day of the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    pub date: NaiveDate,
    pub changes: usize,
    pub anomalous: usize,
}

/// Something that changed often: a resource (with its type) or a type.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub name: String,
    pub rtype: String,
    pub changes: usize,
    pub anomalous: usize,
}

/// The most changes a page or a ticket lists one by one (the latest); a CSV lists them all.
pub const MAX_LISTED: usize = 1000;

/// How many entries the "most changed" lists keep.
const TOP: usize = 10;
/// The longest window drawn day by day; longer windows draw their last this-many days.
const MAX_DAYS: i64 = 366;

/// A window of history, ready to render.
#[derive(Debug, Clone)]
pub struct Digest {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// When the report was made (the run's clock).
    pub now: DateTime<Utc>,
    pub filter: Filter,
    /// The kept changes, oldest first.
    pub rows: Vec<ChangeRow>,
    pub counts: Counts,
    /// Changes by UTC hour of the week: `[weekday from Monday][hour]`.
    pub heatmap: [[usize; 24]; 7],
    pub per_day: Vec<Day>,
    pub top_resources: Vec<Ranked>,
    pub top_types: Vec<Ranked>,
    /// The scans of the window (unfiltered: coverage is over the whole estate).
    pub coverage: Vec<ScanPoint>,
    /// Which workspaces scanned which account, for the summary per account.
    pub fleet: crate::fleet::Fleet,
}

impl Digest {
    pub fn build(
        rows: Vec<ChangeRow>,
        coverage: Vec<ScanPoint>,
        filter: Filter,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Digest {
        let rows: Vec<ChangeRow> = rows.into_iter().filter(|r| filter.keep(r)).collect();
        let events = rows.iter().filter(|r| r.source == "cloudtrail").count();
        // A person reads a drift and the event that explains it as one change.
        let (rows, folded) = crate::items::merge(rows);
        let mut counts = Counts { changes: rows.len(), folded, ..Counts::default() };
        let mut heatmap = [[0usize; 24]; 7];
        let mut days: BTreeMap<NaiveDate, (usize, usize)> = BTreeMap::new();
        // Keyed by the rows' own text: a month of a busy history is ~100,000 rows, and a copy of
        // each key per row cost more than the rest of the digest.
        // A resource is keyed by (type, id): CloudTrail names it by id, a scan by its address,
        // and both are one resource. It is shown by its address when any change gives one.
        let mut resources: BTreeMap<(&str, &str), (usize, usize, Option<&str>)> = BTreeMap::new();
        let mut types: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for r in &rows {
            counts.anomalous += usize::from(r.anomalous);
            match r.status.as_str() {
                "open" => counts.open += 1,
                "resolved" => counts.resolved += 1,
                _ => {}
            }
            match r.kind.as_str() {
                "drifted" => counts.drifted += 1,
                "deleted" => counts.deleted += 1,
                "unmanaged" => counts.unmanaged += 1,
                _ => {}
            }
            if let Ok(t) = DateTime::parse_from_rfc3339(&r.time) {
                let t = t.with_timezone(&Utc);
                heatmap[t.weekday().num_days_from_monday() as usize][t.hour() as usize] += 1;
                let d = days.entry(t.date_naive()).or_default();
                d.0 += 1;
                d.1 += usize::from(r.anomalous);
            }
            let e = resources.entry((&r.rtype, &r.resource_id)).or_default();
            e.0 += 1;
            e.1 += usize::from(r.anomalous);
            e.2 = r.address.as_deref().or(e.2);
            let e = types.entry(&r.rtype).or_default();
            e.0 += 1;
            e.1 += usize::from(r.anomalous);
        }
        counts.events = events;
        let per_day = day_range(since, until.unwrap_or(now), &days)
            .into_iter()
            .map(|date| {
                let (changes, anomalous) = days.get(&date).copied().unwrap_or_default();
                Day { date, changes, anomalous }
            })
            .collect();
        let top_resources =
            rank(resources.into_iter().map(|((rtype, id), (n, a, address))| (address.unwrap_or(id), rtype, (n, a))));
        let top_types = rank(types.into_iter().map(|(t, n)| (t, t, n)));
        let fleet = crate::fleet::Fleet::default();
        Digest { since, until, now, filter, rows, counts, heatmap, per_day, top_resources, top_types, coverage, fleet }
    }

    /// Open drifts (scan changes not resolved), oldest first.
    pub fn open(&self) -> impl Iterator<Item = &ChangeRow> {
        self.rows.iter().filter(|r| r.status == "open")
    }

    /// The digest with which workspaces scanned which account, for the summary per account.
    pub fn with_fleet(mut self, fleet: crate::fleet::Fleet) -> Digest {
        self.fleet = fleet;
        self
    }

    /// Anomalous changes, most unusual first.
    pub fn anomalies(&self) -> Vec<&ChangeRow> {
        let mut out: Vec<&ChangeRow> = self.rows.iter().filter(|r| r.anomalous).collect();
        out.sort_by(|a, b| b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)).then(a.id.cmp(&b.id)));
        out
    }

    /// Changes of high severity or more, most severe first, then most unusual, then latest.
    pub fn severe(&self) -> Vec<&ChangeRow> {
        let mut out: Vec<&ChangeRow> = self.rows.iter().filter(|r| r.severity >= Severity::High).collect();
        out.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)))
                .then(b.id.cmp(&a.id))
        });
        out
    }

    /// The changes to list one by one (the latest [`MAX_LISTED`]), and how many are left out.
    pub fn listed(&self) -> (&[ChangeRow], usize) {
        let skip = self.rows.len().saturating_sub(MAX_LISTED);
        (&self.rows[skip..], skip)
    }

    /// "2026-11-29T04:00:00Z to now", for headings.
    pub fn window_text(&self) -> String {
        let fmt = |t: DateTime<Utc>| crate::history::rfc3339(t);
        match (self.since, self.until) {
            (Some(s), Some(u)) => format!("{} to {}", fmt(s), fmt(u)),
            (Some(s), None) => format!("{} to {} (now)", fmt(s), fmt(self.now)),
            (None, Some(u)) => format!("until {}", fmt(u)),
            (None, None) => "all history".into(),
        }
    }
}

/// Every day from `since` (or the first change) to `until`, at most [`MAX_DAYS`] (the latest).
fn day_range(
    since: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
    days: &BTreeMap<NaiveDate, (usize, usize)>,
) -> Vec<NaiveDate> {
    // `until` is exclusive: a window ending at midnight does not draw the next day.
    let last = (until - chrono::Duration::seconds(1)).date_naive();
    let first = since.map(|s| s.date_naive()).or_else(|| days.keys().next().copied()).unwrap_or(last);
    let first = first.max(last - chrono::Duration::days(MAX_DAYS - 1));
    first.iter_days().take_while(|d| *d <= last).collect()
}

fn rank<'a>(items: impl Iterator<Item = (&'a str, &'a str, (usize, usize))>) -> Vec<Ranked> {
    let mut v: Vec<(&str, &str, (usize, usize))> = items.collect();
    v.sort_by(|a, b| b.2 .0.cmp(&a.2 .0).then(b.2 .1.cmp(&a.2 .1)).then(a.0.cmp(b.0)));
    v.truncate(TOP);
    v.into_iter()
        .map(|(name, rtype, (changes, anomalous))| Ranked {
            name: name.to_owned(),
            rtype: rtype.to_owned(),
            changes,
            anomalous,
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A change row for tests of the renderers.
    pub(crate) fn row(id: i64, time: &str, kind: &str, anomalous: bool, status: &str) -> ChangeRow {
        ChangeRow {
            id,
            source: if kind == "event" { "cloudtrail".into() } else { "scan".into() },
            event_id: None,
            event_name: None,
            kind: kind.into(),
            rtype: "aws_security_group".into(),
            resource_id: format!("sg-{id}"),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            workspace: None,
            address: Some("aws_security_group.web".into()),
            attribute: (kind == "drifted").then(|| "description".into()),
            declared: Some(serde_json::json!("web")),
            actual: Some(serde_json::json!("web <b>&</b>")),
            actor: Some("arn:aws:iam::123456789012:user/mallory".into()),
            time: time.into(),
            first_seen: time.into(),
            last_seen: time.into(),
            resolved_at: None,
            status: status.into(),
            score: Some(if anomalous { 0.9 } else { 0.1 }),
            anomalous,
            reasons: if anomalous { vec!["Sun 03:14 UTC: rare".into()] } else { vec![] },
            acked_at: None,
            expected: None,
            impact: None,
            severity: if anomalous { crate::impact::Severity::Medium } else { crate::impact::Severity::Low },
            impact_reasons: vec![],
            live: None,
        }
    }

    /// A drift that opens SSH to the world, by a known engineer in office hours (not anomalous),
    /// with its impact worked out: high, for the sinks' tests.
    pub(crate) fn ssh_opened(id: i64) -> ChangeRow {
        let mut c = row(id, "2026-12-02T11:05:00Z", "drifted", false, "open");
        c.attribute = Some("ingress".into());
        c.declared = Some(serde_json::json!([]));
        c.actual = Some(serde_json::json!([
            {"protocol": "tcp", "from_port": 22, "to_port": 22, "source": "0.0.0.0/0", "description": ""}
        ]));
        c.assess();
        c
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn filters_counts_heatmap_and_days() {
        let mut other = row(3, "2026-12-07T10:00:00Z", "drifted", false, "resolved");
        other.region = "eu-west-1".into();
        let rows = vec![
            row(1, "2026-12-06T03:14:00Z", "event", true, "recorded"),
            row(2, "2026-12-06T04:00:00Z", "drifted", true, "open"),
            other,
        ];
        let since = at("2026-12-05T00:00:00Z");
        let now = at("2026-12-08T00:00:00Z");
        let d = Digest::build(rows.clone(), vec![], Filter::default(), Some(since), None, now);
        assert_eq!(
            d.counts,
            Counts { changes: 3, anomalous: 2, open: 1, resolved: 1, events: 1, drifted: 2, ..Counts::default() }
        );
        assert_eq!(d.heatmap[6][3], 1, "Sunday 03:00");
        assert_eq!(d.heatmap[0][10], 1, "Monday 10:00");
        let days: Vec<(String, usize)> = d.per_day.iter().map(|x| (x.date.to_string(), x.changes)).collect();
        assert_eq!(days, vec![("2026-12-05".into(), 0), ("2026-12-06".into(), 2), ("2026-12-07".into(), 1)]);
        assert_eq!(d.anomalies()[0].id, 1);

        let f = Filter { region: Some("eu-west-1".into()), ..Filter::default() };
        assert_eq!(Digest::build(rows.clone(), vec![], f, Some(since), None, now).rows.len(), 1);
        let f = Filter { open: true, anomalous: true, ..Filter::default() };
        let kept: Vec<i64> = Digest::build(rows, vec![], f, Some(since), None, now).rows.iter().map(|r| r.id).collect();
        assert_eq!(kept, vec![2]);
    }

    #[test]
    fn a_workspace_keeps_its_changes_and_the_events_of_the_accounts_it_scanned() {
        let in_ws = |id: i64, ws: Option<&str>, account: &str, kind: &str| {
            let mut r = row(id, "2026-12-06T03:14:00Z", kind, false, "open");
            r.workspace = ws.map(str::to_owned);
            r.account = account.into();
            r
        };
        let rows = [
            in_ws(1, Some("beta"), "222222222222", "drifted"),
            in_ws(2, None, "222222222222", "event"),
            in_ws(3, None, "111111111111", "event"),
            in_ws(4, Some("alpha"), "111111111111", "drifted"),
            // Another workspace of the same account keeps its own drifts.
            in_ws(5, Some("beta-eu"), "222222222222", "drifted"),
        ];
        let f = Filter {
            workspace: Some("beta".into()),
            workspace_accounts: ["222222222222".to_owned()].into(),
            ..Filter::default()
        };
        let kept: Vec<i64> = rows.iter().filter(|r| f.keep(r)).map(|r| r.id).collect();
        assert_eq!(kept, [1, 2]);
        assert_eq!(f.describe(), ["workspace=beta"]);
    }

    #[test]
    fn an_event_and_its_drift_are_one_resource_in_the_most_changed_list() {
        let mut event = row(1, "2026-12-06T03:14:00Z", "event", true, "recorded");
        event.address = None;
        let mut drift = row(2, "2026-12-06T03:20:00Z", "drifted", false, "open");
        drift.resource_id = event.resource_id.clone();
        let d = Digest::build(vec![event, drift], vec![], Filter::default(), None, None, at("2026-12-07T00:00:00Z"));
        assert_eq!(d.top_resources.len(), 1, "{:?}", d.top_resources);
        let top = &d.top_resources[0];
        assert_eq!((top.name.as_str(), top.changes, top.anomalous), ("aws_security_group.web", 2, 1));
    }

    #[test]
    fn severe_changes_come_highest_first() {
        let mut rows: Vec<ChangeRow> =
            (1..=3).map(|i| row(i, "2026-12-06T03:14:00Z", "drifted", false, "open")).collect();
        rows[0].severity = Severity::High;
        rows[2].severity = Severity::Critical;
        let d = Digest::build(rows, vec![], Filter::default(), None, None, at("2026-12-07T00:00:00Z"));
        let ids: Vec<i64> = d.severe().iter().map(|r| r.id).collect();
        assert_eq!(ids, [3, 1]);
    }

    #[test]
    fn long_windows_list_the_latest_changes_only() {
        let rows: Vec<ChangeRow> =
            (1..=MAX_LISTED as i64 + 5).map(|i| row(i, "2026-12-06T03:14:00Z", "event", false, "recorded")).collect();
        let d = Digest::build(rows, vec![], Filter::default(), None, None, at("2026-12-07T00:00:00Z"));
        let (listed, left_out) = d.listed();
        assert_eq!((listed.len(), left_out, listed[0].id), (MAX_LISTED, 5, 6));
        assert_eq!(d.counts.changes, MAX_LISTED + 5, "counts cover everything");
    }
}
