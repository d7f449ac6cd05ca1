-- How far behind the worker's ingest is, so `shiptrack status` can tell a worker that receives
-- events but cannot store them (a blocked statement, a connection that stopped answering) from a
-- healthy one: last_event_at is stamped when an event arrives, not when it was handled.
ALTER TABLE worker_status
  ADD COLUMN ingest_queue_depth       integer,
  ADD COLUMN ingest_oldest_pending_at timestamptz,
  ADD COLUMN ingest_last_handled_at   timestamptz;
