-- 0005_alerts (PostgreSQL): several sinks and the incident lifecycle, as
-- migrations/0005_alerts.sql. PostgreSQL changes a primary key in place; SQLite rebuilt the table.

ALTER TABLE notifications ADD COLUMN action TEXT NOT NULL DEFAULT 'trigger'
    CHECK (action IN ('trigger', 'resolve', 'acknowledge'));
ALTER TABLE notifications ADD COLUMN alert_key TEXT;
ALTER TABLE notifications DROP CONSTRAINT notifications_pkey;
ALTER TABLE notifications ADD PRIMARY KEY (channel, change_id, revision, action);
CREATE INDEX notifications_alert ON notifications(channel, alert_key) WHERE alert_key IS NOT NULL;
