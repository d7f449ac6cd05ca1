-- Which digest carried each launch (issue 13, "every launch appears in exactly one digest"): the
-- digest of window W sets digest_window_start = W.window_start on every launch it lists, in the
-- same transaction that freezes its parts (src/db/digests.ts freezeParts). A live launch still
-- NULL whose own week's digest is already frozen was stored late (the worker back-filling after
-- downtime across Monday 09:00, an edit that made an old post launch-shaped): the next digest to
-- freeze lists it under "Logged late, from earlier weeks" and carries it.
-- No foreign key: deleting a digests row by hand (to post a week again) must neither be blocked
-- by the launch log nor cascade into it; that window's rebuild takes its launches back.
ALTER TABLE launches ADD COLUMN digest_window_start timestamptz;

-- Upgrading: every launch in a week whose digest is already frozen (posted, empty, or parts frozen
-- and being posted) counts as carried by it, so the first digest after the upgrade does not post
-- history again. Launches stored late before this migration are marked too: there is no record of
-- what those digests listed, and posting old weeks twice is worse than not at all.
UPDATE launches l SET digest_window_start = d.window_start
FROM digests d
WHERE l.created_at >= d.window_start AND l.created_at < d.window_end
  AND (d.status <> 'posting' OR EXISTS (SELECT 1 FROM digest_parts p WHERE p.window_start = d.window_start));

-- The late-launch scan at each freeze: live launches no digest carried yet (IS NULL uses a btree
-- too), or carried by the window being rebuilt.
CREATE INDEX launches_live_digest_idx ON launches (digest_window_start, created_at) WHERE deleted_at IS NULL;
