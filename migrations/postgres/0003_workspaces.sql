-- 0003_workspaces (PostgreSQL): one history for several workspaces (accounts), as
-- migrations/0003_workspaces.sql. In a shared history this is what lets runners of different
-- workspaces record side by side: a scan resolves only its own workspace's open changes.

ALTER TABLE scans ADD COLUMN workspace TEXT;
ALTER TABLE scans ADD COLUMN account TEXT;
ALTER TABLE changes ADD COLUMN workspace TEXT;
CREATE INDEX scans_by_workspace ON scans(workspace, id);
