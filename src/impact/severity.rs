//! A change's severity: its impact and its learned score in one level.
//!
//! - The impact sets the floor: a change is never below what it does, so a critical change stays
//!   critical however ordinary its time, actor and resource are.
//! - An anomalous change with an impact of medium or more is raised one level (high becomes
//!   critical): a dangerous change at an unusual time, by an unusual actor, is the first to read.
//! - An anomalous change with no impact, or a low one, is medium: an unusual harmless change stays
//!   visible above the low everyday ones.
//! - Anything else is its impact, or low when no rule matched.

use super::Severity;

/// The severity of a change with `impact` (from the rules) that scoring did or did not flag.
pub fn combine(impact: Option<Severity>, anomalous: bool) -> Severity {
    let base = impact.unwrap_or(Severity::Low);
    match (anomalous, base) {
        (false, _) => base,
        (true, Severity::Low) => Severity::Medium,
        (true, _) => base.raised(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impact_is_a_floor_and_anomalies_raise_it() {
        assert_eq!(combine(Some(Severity::Critical), false), Severity::Critical, "common is not harmless");
        assert_eq!(combine(Some(Severity::High), false), Severity::High);
        assert_eq!(combine(Some(Severity::High), true), Severity::Critical);
        assert_eq!(combine(Some(Severity::Medium), true), Severity::High);
        assert_eq!(combine(None, true), Severity::Medium, "unusual and harmless stays visible");
        assert_eq!(combine(Some(Severity::Low), true), Severity::Medium);
        assert_eq!(combine(None, false), Severity::Low);
    }
}
