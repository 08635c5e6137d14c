-- 0004_notifications (PostgreSQL): what was told to Slack, as migrations/0004_notifications.sql.

CREATE TABLE notifications (
    channel          TEXT    NOT NULL DEFAULT 'slack',
    change_id        BIGINT  NOT NULL REFERENCES changes(id) ON DELETE CASCADE,
    revision         TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'covered')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    queued_at        TEXT    NOT NULL,
    last_attempt_at  TEXT,
    sent_at          TEXT,
    error            TEXT,
    PRIMARY KEY (channel, change_id, revision)
);
CREATE INDEX notifications_unsent ON notifications(channel, status) WHERE status IN ('pending', 'failed');
