//! Routing: which sinks a change goes to. `route` blocks are tried in order and the first whose
//! match keys all hold names the sinks; a change no route matches goes nowhere. With no route at
//! all every sink takes every change its mode asks for, as before routes existed.
//!
//! Pure: the facts of a change in, sink names out. The history calls it while queueing, inside
//! the recording transaction, so where a change goes is decided once, with the change.

use glob::Pattern;

/// The severities a change can have, lowest first (see `impact`); `info` is accepted for
/// configurations that name it and sits below every change's severity.
pub const SEVERITIES: &[&str] = &["info", "low", "medium", "high", "critical"];

/// One `route { ... }` block. Every list holds globs (`aws_iam_*`); an empty list matches all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Route {
    /// 1-based line of the block, for messages.
    pub line: usize,
    pub workspaces: Vec<String>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub types: Vec<String>,
    pub kinds: Vec<String>,
    pub min_score: Option<f64>,
    pub min_severity: Option<String>,
    /// Sink names, each a `notify` block's name.
    pub to: Vec<String>,
}

/// What a route can look at, read from the recorded change.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The config workspace whose scan found it; empty for CloudTrail events and runs without one.
    pub workspace: String,
    pub account: String,
    pub region: String,
    pub rtype: String,
    pub kind: String,
    pub score: f64,
    pub severity: Option<String>,
}

impl Route {
    /// Whether every match key holds for `f`.
    pub fn matches(&self, f: &Facts) -> bool {
        let any = |globs: &[String], value: &str| {
            globs.is_empty() || globs.iter().any(|g| Pattern::new(g).is_ok_and(|p| p.matches(value)))
        };
        any(&self.workspaces, &f.workspace)
            && any(&self.accounts, &f.account)
            && any(&self.regions, &f.region)
            && any(&self.types, &f.rtype)
            && any(&self.kinds, &f.kind)
            && self.min_score.map_or(true, |m| f.score >= m)
            && self.min_severity.as_deref().map_or(true, |m| at_least(f.severity.as_deref(), m))
    }
}

/// The sinks `f` goes to: `None` when there are no routes (every sink), else the first matching
/// route's `to`, or nothing.
pub fn targets<'a>(routes: &'a [Route], f: &Facts) -> Option<&'a [String]> {
    if routes.is_empty() {
        return None;
    }
    Some(routes.iter().find(|r| r.matches(f)).map_or(&[], |r| r.to.as_slice()))
}

/// Whether `severity` is `min` or above; a change without one is below every minimum.
fn at_least(severity: Option<&str>, min: &str) -> bool {
    let rank = |s: &str| SEVERITIES.iter().position(|k| k.eq_ignore_ascii_case(s));
    match (severity.and_then(rank), rank(min)) {
        (Some(s), Some(m)) => s >= m,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(rtype: &str, workspace: &str, score: f64) -> Facts {
        Facts {
            workspace: workspace.into(),
            account: "111111111111".into(),
            region: "us-east-1".into(),
            rtype: rtype.into(),
            kind: "drifted".into(),
            score,
            severity: None,
        }
    }

    #[test]
    fn first_matching_route_wins_and_no_route_means_every_sink() {
        let routes = vec![
            Route {
                types: vec!["aws_security_group*".into(), "aws_iam_*".into()],
                min_score: Some(0.5),
                to: vec!["pagerduty".into(), "audit".into()],
                ..Default::default()
            },
            Route { workspaces: vec!["staging".into()], to: vec!["slack".into()], ..Default::default() },
            Route { kinds: vec!["deleted".into()], to: vec!["audit".into()], ..Default::default() },
        ];
        let to = |f: &Facts| targets(&routes, f).map(<[String]>::to_vec);
        assert_eq!(to(&facts("aws_iam_role", "prod", 0.9)), Some(vec!["pagerduty".into(), "audit".into()]));
        assert_eq!(to(&facts("aws_security_group_rule", "prod", 0.7)).unwrap()[0], "pagerduty");
        // Below min_score the first route does not match; the staging one does.
        assert_eq!(to(&facts("aws_iam_role", "staging", 0.2)), Some(vec!["slack".into()]));
        assert_eq!(to(&facts("aws_instance", "prod", 0.9)), Some(vec![]), "no route matched: nowhere");
        assert_eq!(targets(&[], &facts("aws_instance", "prod", 0.9)), None);
    }

    #[test]
    fn min_severity_needs_a_severity() {
        let r = Route { min_severity: Some("high".into()), ..Default::default() };
        let mut f = facts("aws_iam_role", "", 1.0);
        assert!(!r.matches(&f), "no severity yet: below every minimum");
        f.severity = Some("critical".into());
        assert!(r.matches(&f));
        f.severity = Some("medium".into());
        assert!(!r.matches(&f));
    }
}
