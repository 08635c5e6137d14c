-- 0006_revert_requested (PostgreSQL): `fix --revert` records the request, as
-- migrations/0006_revert_requested.sql.

ALTER TABLE changes ADD COLUMN revert_requested_at TEXT;
