-- What makes #i-shipped unusable for the worker, as it last checked (null: the channel is fine, or
-- not checked yet): SHIPPED_CHANNEL_ID not a channel of the guild, not a text channel, or the bot
-- lacking View Channel / Read Message History / Add Reactions there (issue 15). The worker keeps
-- running and re-checks whenever the guild's channels, roles or its own roles change, so
-- `shiptrack status` can say what to fix instead of a worker that silently does nothing.
ALTER TABLE worker_status
  ADD COLUMN channel_problem text;
