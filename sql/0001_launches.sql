-- Launches: one row per launch event, from a #i-shipped message ('channel') or /ship ('slash').
-- The UNIQUE constraints on message_id and interaction_id are what make every insert idempotent:
-- the same Discord event can never be stored twice, whatever retries or replays deliver it.
CREATE TABLE launches (
  id             bigserial PRIMARY KEY,
  source         text        NOT NULL CHECK (source IN ('channel', 'slash')),
  guild_id       bigint,
  channel_id     bigint,
  user_id        bigint      NOT NULL,
  user_name      text        NOT NULL,
  content        text        NOT NULL,
  urls           text[]      NOT NULL DEFAULT '{}',
  message_id     bigint      UNIQUE,
  interaction_id bigint      UNIQUE,
  -- When Discord says it happened (message timestamp / interaction snowflake), not when we saw it.
  created_at     timestamptz NOT NULL,
  inserted_at    timestamptz NOT NULL DEFAULT now(),
  edited_at      timestamptz,
  -- The 🚀 reaction was confirmed by Discord; NULL on a channel launch means it is still owed.
  reacted_at     timestamptz,
  deleted_at     timestamptz,
  CONSTRAINT launches_one_origin CHECK (
    (source = 'channel' AND message_id IS NOT NULL AND interaction_id IS NULL) OR
    (source = 'slash' AND interaction_id IS NOT NULL)
  )
);

-- Digest window scan and /leaderboard (quarter range), live rows only.
CREATE INDEX launches_live_created_idx ON launches (created_at) WHERE deleted_at IS NULL;
-- /profile: one member's launches, newest first.
CREATE INDEX launches_live_user_idx ON launches (user_id, created_at DESC) WHERE deleted_at IS NULL;
-- Reactions still owed (crash between insert and reaction).
CREATE INDEX launches_unreacted_idx ON launches (id) WHERE source = 'channel' AND reacted_at IS NULL AND deleted_at IS NULL;
