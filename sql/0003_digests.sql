-- One row per digest window: the claim that makes a digest exactly-once.
CREATE TABLE digests (
  window_start  timestamptz PRIMARY KEY,
  window_end    timestamptz NOT NULL,
  iso_week      text        NOT NULL UNIQUE,
  status        text        NOT NULL CHECK (status IN ('posting', 'done', 'empty')),
  launch_count  integer     NOT NULL DEFAULT 0,
  -- Which run holds the claim, and until when (a crashed run's claim expires).
  claimed_by    text,
  lease_until   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  CHECK (window_end > window_start)
);

-- The parts of a digest, frozen when the window is claimed, so a re-run after a crash posts the
-- very same text for the parts not yet posted. message_id set = that part is on Discord.
CREATE TABLE digest_parts (
  window_start  timestamptz NOT NULL REFERENCES digests (window_start) ON DELETE CASCADE,
  part_no       integer     NOT NULL CHECK (part_no >= 1),
  content       text        NOT NULL CHECK (char_length(content) BETWEEN 1 AND 2000),
  nonce         text        NOT NULL,
  message_id    bigint,
  posted_at     timestamptz,
  PRIMARY KEY (window_start, part_no)
);
