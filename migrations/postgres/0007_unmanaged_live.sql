-- 0007_unmanaged_live (PostgreSQL): the live attributes of an unmanaged resource, for `fix`, as
-- migrations/0007_unmanaged_live.sql.

ALTER TABLE changes ADD COLUMN live TEXT;
