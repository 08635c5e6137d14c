-- `fix` writes the resource block of an unmanaged resource from what is live, and the history
-- is all it reads: keep, for unmanaged changes, the live attributes a user can set (the
-- catalog's compared ones less the computed ones; sensitive values never), refreshed by each
-- scan that finds the resource. A column apart from `actual`, so a tag edit on an unmanaged
-- resource is not a new change to tell.
ALTER TABLE changes ADD COLUMN live TEXT;
