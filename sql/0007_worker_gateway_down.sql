-- Since when the worker has been without a gateway connection (null while connected), and how many
-- connection attempts it has made since, so `shiptrack status` can say "Discord unreachable since …"
-- while the worker itself is healthy and keeps retrying (issue 13: a Discord outage is not a
-- reason for systemd to restart the worker).
ALTER TABLE worker_status
  ADD COLUMN gateway_down_since timestamptz,
  ADD COLUMN gateway_attempts   integer;
