-- 0005_alerts: several sinks (Slack, PagerDuty, signed webhooks, Teams), each its own channel,
-- and the lifecycle an incident tool follows: a change is triggered once, then resolved when a
-- later scan no longer finds it and acknowledged when someone runs `driftscan ack`.
--
-- `action` joins the key, so one change can hold its trigger, its resolve and its acknowledge
-- on the same channel, each queued in the transaction that caused it and sent once. For resolve
-- and acknowledge the revision is the moment it happened (resolved_at, acked_at).
-- `alert_key` is the key the sink knew the alert by (PagerDuty's dedup_key): the key of the
-- group the change was sent in, so a resolve or acknowledge names the alert that was paged.
-- As before, no sink address, routing key or signing secret is ever stored: errors are redacted
-- before they are written here.
--
-- SQLite cannot change a primary key in place: the table is rebuilt, its rows kept as triggers.

CREATE TABLE notifications_v5 (
    channel          TEXT    NOT NULL DEFAULT 'slack',
    change_id        INTEGER NOT NULL REFERENCES changes(id) ON DELETE CASCADE,
    revision         TEXT    NOT NULL,
    action           TEXT    NOT NULL DEFAULT 'trigger' CHECK (action IN ('trigger', 'resolve', 'acknowledge')),
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'covered')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    queued_at        TEXT    NOT NULL,
    last_attempt_at  TEXT,
    sent_at          TEXT,
    error            TEXT,
    alert_key        TEXT,
    PRIMARY KEY (channel, change_id, revision, action)
) WITHOUT ROWID;

INSERT INTO notifications_v5 (channel, change_id, revision, action, status, attempts, queued_at,
                              last_attempt_at, sent_at, error)
     SELECT channel, change_id, revision, 'trigger', status, attempts, queued_at, last_attempt_at, sent_at, error
       FROM notifications;

DROP TABLE notifications;
ALTER TABLE notifications_v5 RENAME TO notifications;
CREATE INDEX notifications_unsent ON notifications(channel, status) WHERE status IN ('pending', 'failed');
CREATE INDEX notifications_alert ON notifications(channel, alert_key) WHERE alert_key IS NOT NULL;
