-- A digest records what it carried without rewriting every launch of its week (issue 14). Until
-- now a freeze set launches.digest_window_start (sql/0006) on each launch it listed: 10,000 row
-- versions and ~70,000 index entries for a busy week. Now the week's own launches are recorded by
-- the range they belong to instead:
--   digests.carried_up_to_id  the highest launches.id when the parts were frozen. The freeze holds
--       a SHARE ROW EXCLUSIVE lock on launches while it checks that the frozen text lists every
--       live launch of the window and reads this value, so no launch is being written meanwhile
--       and every later one gets a higher id (https://www.postgresql.org/docs/current/explicit-locking.html).
--       The digest carried the launches of its window with id <= this that were live then.
--       NULL: frozen before this migration; those digests set digest_window_start per launch.
--   digest_skipped  the launches of the window that were removed when it was frozen: not carried,
--       so one restored later ("Log as launch" after /unship) is listed late, as before.
-- Launches a digest lists from earlier weeks (stored or restored after their own week's freeze)
-- still get digest_window_start, one row each, as before: those are few.
ALTER TABLE digests ADD COLUMN carried_up_to_id bigint;

-- No foreign keys, like sql/0006: deleting a digests row by hand (to post a week again) must not be
-- blocked by this table; the freeze that builds the week again replaces its rows, and rows of a
-- window with no digests row are never read.
CREATE TABLE digest_skipped (
  window_start timestamptz NOT NULL,
  launch_id    bigint      NOT NULL,
  PRIMARY KEY (window_start, launch_id)
);

-- The late-launch scan at each freeze (src/db/launches.ts launchesForDigest): per frozen week, the
-- live launches no digest marked with an id above that week's carried_up_to_id. The expression is
-- the digest window a launch falls in (Mondays 09:00 UTC, src/digest/window.ts; 2001-01-01 was a
-- Monday), so each week is one index seek. Weeks frozen before this migration (carried_up_to_id
-- NULL) have only their late launches here: the others carry digest_window_start.
CREATE INDEX launches_undigested_idx
  ON launches ((date_bin('7 days', created_at, TIMESTAMPTZ '2001-01-01 09:00:00+00')), id)
  WHERE deleted_at IS NULL AND digest_window_start IS NULL;
