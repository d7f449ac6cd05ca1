-- A 🚀 that Discord refused for good (missing permission, unknown message, …) is recorded with
-- Discord's reason and never sent again: each refused PUT counts toward Discord's invalid-request
-- limit (docs/gateway.md §5.3). `shiptrack status` counts owed and refused reactions.
ALTER TABLE launches
  ADD COLUMN reaction_refused_at     timestamptz,
  ADD COLUMN reaction_refused_reason text;

-- Reactions still owed: not confirmed, not refused, not deleted.
DROP INDEX launches_unreacted_idx;
CREATE INDEX launches_unreacted_idx ON launches (id)
  WHERE source = 'channel' AND reacted_at IS NULL AND reaction_refused_at IS NULL AND deleted_at IS NULL;
