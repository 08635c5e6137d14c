-- 0005_revert_requested: `driftscan fix --revert` records that someone chose to put a change back
-- (a targeted `terraform apply`), so a later scan that finds it resolved can tell a requested
-- revert from a change that went away by itself. NULL: no revert requested, as every row before.

ALTER TABLE changes ADD COLUMN revert_requested_at TEXT;
