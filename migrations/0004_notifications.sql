-- 0004_notifications: what was told to Slack, so a change is never told twice and a message that
-- could not be delivered is kept and sent again by the next run.
--
-- One row per (channel, change, revision). The revision is the moment the change took its
-- current value (coalesce(updated_at, first_seen)): a drift whose live value moves again is news
-- again, while a drift carried from scan to scan is not. A row is queued `pending` in the run that
-- recorded the change, becomes `sent` once the webhook accepted a message that contained it, or
-- `failed` (with the last error, webhook address redacted) to be retried by the next run.
-- `covered` marks a drift whose CloudTrail event was already told: same change, one message.
-- The webhook address itself is never stored.

CREATE TABLE notifications (
    channel          TEXT    NOT NULL DEFAULT 'slack',
    change_id        INTEGER NOT NULL REFERENCES changes(id) ON DELETE CASCADE,
    revision         TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'covered')),
    attempts         INTEGER NOT NULL DEFAULT 0,   -- HTTP requests made for it, retries included
    queued_at        TEXT    NOT NULL,
    last_attempt_at  TEXT,
    sent_at          TEXT,
    error            TEXT,
    PRIMARY KEY (channel, change_id, revision)
) WITHOUT ROWID;
CREATE INDEX notifications_unsent ON notifications(channel, status) WHERE status IN ('pending', 'failed');
