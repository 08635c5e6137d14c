-- 0002_lifecycle: a change is one row with a lifecycle, not a row per scan; CloudTrail events
-- are changes too; scores and the model's counters live here.
--
-- A drift found by a scan is opened when first seen, carried while it persists (last_seen moves),
-- updated when its live value moves again (updated_at), and resolved (resolved_at) when a scan
-- that listed its type and region, over the state that declares it, no longer finds it. A
-- CloudTrail write event is one row per (event id, resource), never open. Each row keeps the
-- score it got when it was recorded, against the history before it.
--
-- 0001 kept one row per change per scan; those rows are folded into one row per change.

CREATE TABLE changes_lifecycle (
    id            INTEGER PRIMARY KEY,
    source        TEXT    NOT NULL CHECK (source IN ('scan', 'cloudtrail')),
    kind          TEXT    NOT NULL,   -- drifted, deleted, unmanaged, owner_unknown; 'event' from CloudTrail
    type          TEXT    NOT NULL,
    resource_id   TEXT    NOT NULL,
    region        TEXT    NOT NULL,
    account       TEXT    NOT NULL DEFAULT '',
    address       TEXT,
    state         TEXT,               -- the state file that declares the resource
    attribute     TEXT,
    declared      TEXT,               -- JSON; sensitive values only as their markers
    actual        TEXT,               -- JSON, the latest live value
    event_id      TEXT,               -- CloudTrail eventID
    event_name    TEXT,               -- CloudTrail eventName
    actor         TEXT,               -- principal ARN: the event's, or the linked event's for a drift
    source_ip     TEXT,
    user_agent    TEXT,
    changed_at    TEXT,               -- when the change was made, when known (CloudTrail)
    time          TEXT    NOT NULL,   -- changed_at when known, else first_seen: what windows filter on
    first_seen    TEXT    NOT NULL,
    last_seen     TEXT    NOT NULL,
    updated_at    TEXT,
    resolved_at   TEXT,
    first_scan_id INTEGER REFERENCES scans(id),
    last_scan_id  INTEGER REFERENCES scans(id),
    since         TEXT,               -- scan changes: the previous scan's start, where a CloudTrail link may look back to
    score         REAL,
    anomalous     INTEGER NOT NULL DEFAULT 0,
    reasons       TEXT    NOT NULL DEFAULT '[]',   -- JSON array of sentences
    acked_at      TEXT,
    expected      INTEGER             -- ack: 1 expected (taught to the model), 0 reviewed only
);

INSERT INTO changes_lifecycle (source, kind, type, resource_id, region, address, attribute, declared, actual,
                               time, first_seen, last_seen, resolved_at, first_scan_id, last_scan_id)
SELECT 'scan', g.kind, g.type, g.resource_id, g.region, g.address, g.attribute, g.declared,
       (SELECT l.actual FROM changes l
         WHERE l.kind = g.kind AND l.type = g.type AND l.resource_id = g.resource_id
           AND l.attribute IS g.attribute
         ORDER BY l.scan_id DESC LIMIT 1),
       g.first_seen, g.first_seen, g.last_seen,
       -- Gone from the scan after its last: resolved then. Still in the latest scan: open.
       (SELECT n.started_at FROM scans n WHERE n.id > g.last_scan_id ORDER BY n.id LIMIT 1),
       g.first_scan_id, g.last_scan_id
  FROM (SELECT c.kind, c.type, c.resource_id, c.region, c.address, c.attribute, c.declared,
               min(s.started_at) AS first_seen, max(s.started_at) AS last_seen,
               min(c.scan_id) AS first_scan_id, max(c.scan_id) AS last_scan_id
          FROM changes c JOIN scans s ON s.id = c.scan_id
         GROUP BY c.kind, c.type, c.resource_id, c.attribute) g;

DROP TABLE changes;
ALTER TABLE changes_lifecycle RENAME TO changes;

-- At most one open change per identity: the lifecycle updates it in place.
CREATE UNIQUE INDEX changes_open ON changes(kind, type, resource_id, coalesce(attribute, ''))
    WHERE source = 'scan' AND resolved_at IS NULL;
CREATE UNIQUE INDEX changes_event ON changes(event_id, resource_id) WHERE event_id IS NOT NULL;
CREATE INDEX changes_by_time ON changes(time);
CREATE INDEX changes_by_resource ON changes(resource_id, time);

ALTER TABLE scans ADD COLUMN opened    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scans ADD COLUMN resolved  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scans ADD COLUMN anomalous INTEGER NOT NULL DEFAULT 0;

-- The scoring model: decayed counters (see src/scoring/mod.rs for the keys). Scoring a change
-- reads a fixed handful of these, never the changes table.
CREATE TABLE score_counters (
    key    TEXT    PRIMARY KEY,
    value  REAL    NOT NULL,
    at     INTEGER NOT NULL             -- unix seconds of the last update
) WITHOUT ROWID;

-- What `learn` read, so a file read twice is cheap to skip and `report` can say what was read.
CREATE TABLE learn_runs (
    id          INTEGER PRIMARY KEY,
    ran_at      TEXT    NOT NULL,
    files       INTEGER NOT NULL,
    records     INTEGER NOT NULL,
    added       INTEGER NOT NULL,
    duplicates  INTEGER NOT NULL,
    skipped     TEXT    NOT NULL DEFAULT '[]'   -- JSON array of "file: reason"
);
