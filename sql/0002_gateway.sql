-- Gateway session per shard, so a restarted worker RESUMEs instead of opening a new session.
CREATE TABLE gateway_sessions (
  shard_id    integer     PRIMARY KEY,
  session_id  text,
  seq         bigint,
  resume_url  text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Last message id fully processed per channel, for backfill after downtime.
CREATE TABLE channel_cursors (
  channel_id       bigint      PRIMARY KEY,
  last_message_id  bigint      NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- What the running worker reports about itself; `shiptrack status` reads it.
CREATE TABLE worker_status (
  shard_id            integer     PRIMARY KEY,
  instance            text        NOT NULL,
  state               text        NOT NULL,
  detail              text,
  last_event_at       timestamptz,
  last_ack_latency_ms integer,
  last_ack_at         timestamptz,
  started_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
