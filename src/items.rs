//! One item per change: a CloudTrail event and the drift it explains are one change to a person.
//!
//! The history keeps both (the event is what the model learned from, the drift is what is open),
//! and the drift already names the event's actor and time (`history::lifecycle`). What a person
//! reads, the report's table, markdown, CSV and HTML and the Slack message, shows the drift
//! with its event (actor, time, event name) as one item, and the event not again. JSON keeps
//! every row as recorded, for programs.
//!
//! An event is folded into a drift of the same resource, `(type, id)`, that names the same actor
//! and time and that such an event can explain (tag events explain `tags` drift only, other writes
//! everything else, as in the lifecycle). One event may explain several drifted attributes: each
//! names it, and the event is listed under none.

use std::collections::HashMap;

use crate::history::ChangeRow;

/// `rows` with every event that a drift among them explains folded into that drift; the order is
/// kept. Returns the items and how many events were folded.
pub fn merge(rows: Vec<ChangeRow>) -> (Vec<ChangeRow>, usize) {
    // (type, id, actor, time) of each drift -> its positions.
    let mut drifts: HashMap<(&str, &str, &str, &str), Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.source == "scan" {
            if let Some(actor) = &r.actor {
                drifts.entry((&r.rtype, &r.resource_id, actor, &r.time)).or_default().push(i);
            }
        }
    }
    let mut explains: Vec<(usize, usize)> = Vec::new();
    let mut folded = vec![false; rows.len()];
    for (e, r) in rows.iter().enumerate() {
        let (Some(actor), Some(name)) = (&r.actor, &r.event_name) else { continue };
        if r.source != "cloudtrail" {
            continue;
        }
        let tags_event = matches!(name.as_str(), "CreateTags" | "DeleteTags");
        let Some(candidates) = drifts.get(&(r.rtype.as_str(), r.resource_id.as_str(), actor.as_str(), r.time.as_str()))
        else {
            continue;
        };
        for &d in candidates {
            if (rows[d].attribute.as_deref() == Some("tags")) == tags_event || rows[d].attribute.is_none() {
                explains.push((d, e));
                folded[e] = true;
            }
        }
    }
    let mut rows = rows;
    for (d, e) in explains {
        let (id, name) = (rows[e].event_id.clone(), rows[e].event_name.clone());
        rows[d].event_id = id;
        rows[d].event_name = name;
    }
    let n = folded.iter().filter(|f| **f).count();
    let items = rows.into_iter().zip(folded).filter(|(_, f)| !f).map(|(r, _)| r).collect();
    (items, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::tests::row;

    fn event(id: i64, name: &str) -> ChangeRow {
        let mut e = row(id, "2026-12-06T03:14:00Z", "event", true, "recorded");
        e.event_name = Some(name.into());
        e.event_id = Some(format!("ev-{id}"));
        e.resource_id = "sg-1".into();
        e.address = None;
        e
    }

    fn drift(id: i64, attribute: &str) -> ChangeRow {
        let mut d = row(id, "2026-12-06T03:14:00Z", "drifted", true, "open");
        d.attribute = Some(attribute.into());
        d.resource_id = "sg-1".into();
        d
    }

    #[test]
    fn a_drift_and_the_event_that_explains_it_are_one_item() {
        let (items, folded) = merge(vec![event(1, "AuthorizeSecurityGroupIngress"), drift(2, "ingress")]);
        assert_eq!(folded, 1);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].id, 2);
        assert_eq!(items[0].event_name.as_deref(), Some("AuthorizeSecurityGroupIngress"));
        assert_eq!(items[0].label(), "drifted ingress (AuthorizeSecurityGroupIngress)");
    }

    #[test]
    fn events_that_do_not_explain_a_drift_stay_items() {
        // A tag event does not explain an ingress drift.
        let (items, folded) = merge(vec![event(1, "CreateTags"), drift(2, "ingress")]);
        assert_eq!((items.len(), folded), (2, 0));
        // Another actor, or another time, is another change.
        let mut other = event(1, "AuthorizeSecurityGroupIngress");
        other.actor = Some("arn:aws:iam::123456789012:user/ana".into());
        assert_eq!(merge(vec![other, drift(2, "ingress")]).1, 0);
        let mut later = event(1, "AuthorizeSecurityGroupIngress");
        later.time = "2026-12-06T04:00:00Z".into();
        assert_eq!(merge(vec![later, drift(2, "ingress")]).1, 0);
        // One event explaining two attributes is folded once, and both name it.
        let (items, folded) =
            merge(vec![event(1, "ModifySecurityGroupRules"), drift(2, "ingress"), drift(3, "egress")]);
        assert_eq!((items.len(), folded), (2, 1));
        assert!(items.iter().all(|i| i.event_name.as_deref() == Some("ModifySecurityGroupRules")));
    }
}
