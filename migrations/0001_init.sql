-- 0001_init: the scan history.
-- Each scan is one row in `scans`, written in the same transaction as what it saw (a fingerprint
-- per declared and live resource) and what it found (one row per change), so the history never
-- holds half a scan. Values are JSON text; sensitive values never reach this file.

CREATE TABLE scans (
    id            INTEGER PRIMARY KEY,
    started_at    TEXT    NOT NULL,             -- RFC 3339, UTC
    finished_at   TEXT    NOT NULL,
    regions       TEXT    NOT NULL,             -- JSON array of region names
    states        TEXT    NOT NULL,             -- JSON array of state file paths
    managed       INTEGER NOT NULL,
    drifted       INTEGER NOT NULL,
    deleted       INTEGER NOT NULL,
    unmanaged     INTEGER NOT NULL,
    unscanned     INTEGER NOT NULL,
    coverage_pct  REAL    NOT NULL,
    api_calls     TEXT    NOT NULL DEFAULT '{}' -- JSON object: operation -> requests sent
);

CREATE TABLE scan_resources (
    scan_id      INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    side         TEXT    NOT NULL CHECK (side IN ('declared', 'live')),
    type         TEXT    NOT NULL,
    resource_id  TEXT    NOT NULL,
    region       TEXT    NOT NULL,
    address      TEXT,                          -- declared side only
    fingerprint  TEXT    NOT NULL               -- hash of the normalised compared attributes
);
CREATE INDEX scan_resources_by_scan ON scan_resources(scan_id);
CREATE INDEX scan_resources_by_resource ON scan_resources(type, resource_id);

CREATE TABLE changes (
    id           INTEGER PRIMARY KEY,
    scan_id      INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('drifted', 'deleted', 'unmanaged')),
    type         TEXT    NOT NULL,
    resource_id  TEXT    NOT NULL,
    region       TEXT    NOT NULL,
    address      TEXT,
    attribute    TEXT,
    declared     TEXT,                          -- JSON
    actual       TEXT                           -- JSON
);
CREATE INDEX changes_by_scan ON changes(scan_id);
CREATE INDEX changes_by_resource ON changes(type, resource_id);

CREATE TABLE unscanned (
    scan_id  INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    type     TEXT    NOT NULL,
    region   TEXT    NOT NULL,
    reason   TEXT    NOT NULL
);
