-- Members correct their own launch log (issue 16): `/unship`, and the message context-menu
-- commands "Log as launch" and "Not a launch". A removal stays a soft delete (deleted_at), so the
-- row keeps its message_id / interaction_id and the UNIQUE constraints of 0001 go on refusing a
-- second row for the same Discord message: the worker's INSERT … ON CONFLICT DO NOTHING stores
-- nothing when a removed message is edited, replayed or back-filled (src/db/launches.ts insertLaunch).
--   deleted_by      who removed it (the member or moderator); NULL when the message itself was deleted
--   deleted_reason  'unship', 'not-a-launch'; NULL for a message deleted in Discord
--   logged_by       who logged a message with "Log as launch" (the author or a moderator); NULL otherwise
ALTER TABLE launches
  ADD COLUMN deleted_by     bigint,
  ADD COLUMN deleted_reason text CHECK (deleted_reason IN ('unship', 'not-a-launch')),
  ADD COLUMN logged_by      bigint;
