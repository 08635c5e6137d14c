//! The notification queue against a real SQLite file: queued once, retried until sent, covered by
//! a told event, per sink and lifecycle action, and histories from before the alerts migration.

use rusqlite::params;

use super::*;

fn slack(anomalous_only: bool) -> Queue {
    let sink = SinkQueue { name: "slack".into(), anomalous_only, updates: true, lifecycle: false };
    Queue { sinks: vec![sink], routes: vec![] }
}

fn change(h: &History, id: i64, source: &str, resource: &str, time: &str, changed_at: Option<&str>) {
    h.db.sqlite_conn().unwrap()
        .execute(
            "INSERT INTO changes (id, source, kind, type, resource_id, region, time, first_seen, last_seen, changed_at, anomalous)
             VALUES (?1, ?2, 'drifted', 'aws_instance', ?3, 'us-east-1', ?4, ?4, ?4, ?5, 1)",
            params![id, source, resource, time, changed_at],
        )
        .unwrap();
}

#[test]
fn queued_once_retried_until_sent_and_a_told_event_covers_its_drift() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&dir.path().join("h.db").into()).unwrap();
    let now = Utc::now();
    change(&h, 1, "cloudtrail", "i-1", "2026-01-01T03:00:00Z", Some("2026-01-01T03:00:00Z"));
    assert_eq!(h.queue_notifications("slack", &[1], now).unwrap(), 1);
    assert_eq!(h.queue_notifications("slack", &[1], now).unwrap(), 0, "queued once");

    let failed = Delivery { sent: false, attempts: 4, error: Some("HTTP 500".into()), alert_key: None };
    h.mark_notified("slack", Action::Trigger, &[1], &failed, now).unwrap();
    let pending = h.pending_notifications("slack", Action::Trigger).unwrap();
    assert_eq!((pending.len(), pending[0].attempts), (1, 4), "a failure waits for the next run");

    h.mark_notified(
        "slack",
        Action::Trigger,
        &[1],
        &Delivery { sent: true, attempts: 1, error: None, alert_key: None },
        now,
    )
    .unwrap();
    assert!(h.pending_notifications("slack", Action::Trigger).unwrap().is_empty());

    // The scan then finds the drift that event explains: already told.
    change(&h, 2, "scan", "i-1", "2026-01-01T03:00:00Z", Some("2026-01-01T03:00:00Z"));
    assert_eq!(h.queue_notifications("slack", &[2], now).unwrap(), 0);
    let status: String =
        h.db.sqlite_conn()
            .unwrap()
            .query_row("SELECT status FROM notifications WHERE change_id = 2", [], |r| r.get(0))
            .unwrap();
    assert_eq!(status, "covered");
}

#[test]
fn a_resolve_ends_the_alert_that_told_the_change_even_when_its_event_told_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&dir.path().join("h.db").into()).unwrap();
    let now = Utc::now();
    let pd = SinkQueue { name: "pd".into(), anomalous_only: false, updates: false, lifecycle: true };
    let q = Queue { sinks: vec![pd], routes: vec![] };
    change(&h, 1, "cloudtrail", "i-1", "2026-01-01T03:00:00Z", Some("2026-01-01T03:00:00Z"));
    change(&h, 2, "scan", "i-1", "2026-01-01T03:00:00Z", Some("2026-01-01T03:00:00Z"));
    change(&h, 3, "scan", "i-3", "2026-01-01T03:00:00Z", None);
    let told = |id| Told { id, anomalous: true, updated: false };
    h.in_transaction(|tx| q.changes(tx, &[told(1)], now)).unwrap();
    let sent = Delivery { sent: true, attempts: 1, error: None, alert_key: Some("driftscan-change-1".into()) };
    h.mark_notified("pd", Action::Trigger, &[1], &sent, now).unwrap();
    h.in_transaction(|tx| q.changes(tx, &[told(2)], now)).unwrap();
    h.in_transaction(|tx| {
        q.action(tx, 2, Action::Resolve, "2026-01-02T00:00:00Z", now)?;
        q.action(tx, 3, Action::Resolve, "2026-01-02T00:00:00Z", now)
    })
    .unwrap();
    let pending = h.pending_notifications("pd", Action::Resolve).unwrap();
    assert_eq!(pending.len(), 1, "change 3 was never told, so nothing ends for it");
    assert_eq!((pending[0].change.id, pending[0].alert_key.as_deref()), (1, Some("driftscan-change-1")));
}

#[test]
fn a_history_of_before_alerts_keeps_its_slack_rows_as_triggers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for (_, sql) in &crate::history::schema::MIGRATIONS[..4] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 4).unwrap();
        conn.execute(
            "INSERT INTO changes (id, source, kind, type, resource_id, region, time, first_seen, last_seen, anomalous)
             VALUES (1, 'scan', 'drifted', 'aws_instance', 'i-1', 'us-east-1', 't', 't', 't', 1)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO notifications (channel, change_id, revision, status, attempts, queued_at, error)
             VALUES ('slack', 1, 't', 'failed', 4, 't', 'HTTP 500')",
            [],
        )
        .unwrap();
    }
    let h = History::open(&path.clone().into()).unwrap();
    let pending = h.pending_notifications("slack", Action::Trigger).unwrap();
    assert_eq!((pending.len(), pending[0].attempts), (1, 4), "the failed delivery still waits to be sent");
}

#[test]
fn what_learn_records_is_queued_in_its_own_transaction_and_only_as_asked() {
    let mut loader = crate::cloudtrail::Loader::new();
    let trail = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cloudtrail/estate");
    loader.add_path(&trail).unwrap();
    let loaded = loader.finish();
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().with_timezone(&Utc);
    let cfg = crate::scoring::Config::default();
    let dir = tempfile::tempdir().unwrap();
    let learn = |name: &str, queue: Option<Queue>| {
        let mut h = History::open(&dir.path().join(name).into()).unwrap().queueing(queue);
        let outcome = h.learn(&loaded, now, &cfg).unwrap();
        // Read back through a second connection: what was queued is committed with the changes.
        drop(h);
        let h = History::open(&dir.path().join(name).into()).unwrap();
        (outcome, h.pending_notifications("slack", Action::Trigger).unwrap().len())
    };
    let (outcome, queued) = learn("all.db", Some(slack(false)));
    assert!(outcome.added > 0);
    assert_eq!(queued, outcome.added);
    let (outcome, queued) = learn("anomalous.db", Some(slack(true)));
    assert_eq!(queued, outcome.anomalous);
    assert_eq!(learn("none.db", None).1, 0);
}

/// A route's `min_severity` reads the severity a report would show: SSH opened to the world is
/// high, a tag edit is low.
#[test]
fn routes_read_the_severity_of_a_change_from_its_values() {
    let dir = tempfile::tempdir().unwrap();
    let h = History::open(&dir.path().join("h.db").into()).unwrap();
    let insert = |id: i64, attribute: &str, declared: &str, actual: &str| {
        h.db.sqlite_conn()
            .unwrap()
            .execute(
                "INSERT INTO changes (id, source, kind, type, resource_id, region, attribute, declared, actual,
                                      time, first_seen, last_seen, anomalous)
                 VALUES (?1, 'scan', 'drifted', 'aws_security_group', 'sg-1', 'us-east-1', ?2, ?3, ?4,
                         '2026-01-01T11:00:00Z', '2026-01-01T11:00:00Z', '2026-01-01T11:00:00Z', 0)",
                params![id, attribute, declared, actual],
            )
            .unwrap();
    };
    let open = r#"[{"protocol":"tcp","from_port":22,"to_port":22,"source":"0.0.0.0/0","description":""}]"#;
    insert(1, "ingress", "[]", open);
    insert(2, "tags", r#"{"Name":"a"}"#, r#"{"Name":"b"}"#);
    assert_eq!(facts(&h.db, 1).unwrap().severity.as_deref(), Some("high"));
    assert_eq!(facts(&h.db, 2).unwrap().severity.as_deref(), Some("low"));
}

/// One item per change in the queue: a drift whose event still waits is queued (the two are
/// sent as one), and an event read after its drift was queued is covered by the drift.
#[test]
fn a_waiting_event_leaves_its_drift_queued_and_a_late_event_is_covered_by_its_drift() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&dir.path().join("h.db").into()).unwrap();
    let now = Utc::now();
    let t = "2026-01-01T03:00:00Z";
    change(&h, 1, "cloudtrail", "i-1", t, Some(t));
    change(&h, 2, "scan", "i-1", t, Some(t));
    assert_eq!(h.queue_notifications("slack", &[1], now).unwrap(), 1);
    assert_eq!(h.queue_notifications("slack", &[2], now).unwrap(), 1, "the event is not told yet");
    change(&h, 3, "scan", "i-3", t, Some(t));
    assert_eq!(h.queue_notifications("slack", &[3], now).unwrap(), 1);
    change(&h, 4, "cloudtrail", "i-3", t, Some(t));
    assert_eq!(h.queue_notifications("slack", &[4], now).unwrap(), 0);
    let (status, why): (String, String) = h
        .db
        .sqlite_conn()
        .unwrap()
        .query_row("SELECT status, error FROM notifications WHERE change_id = 4", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((status.as_str(), why.as_str()), ("covered", "told with the drift it explains, change 3"));
}
