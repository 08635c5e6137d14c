-- 0003_workspaces: one history holds the scans of several config workspaces (accounts).
--
-- A scan records its workspace and the account its credentials belong to; a change records the
-- workspace whose scan found it, so that a scan resolves only its own workspace's open changes
-- (an unmanaged instance in account A is not "fixed" because account B's scan did not see it).
-- Runs without a config have no workspace (NULL), as every row before this migration.

ALTER TABLE scans ADD COLUMN workspace TEXT;
ALTER TABLE scans ADD COLUMN account TEXT;
ALTER TABLE changes ADD COLUMN workspace TEXT;
