-- What each process last learnt from Discord about the bot token (issue 15). The digest asks on
-- every run, a week with nothing to post included, so a token that was reset in the Developer
-- Portal (or mistyped in /etc/shiptrack/env) shows in `shiptrack status` days before a Monday post
-- would fail, instead of going unnoticed until the worker next restarts.
--   proc        'digest' (the worker reports a rejected token as worker_status.state = 'fatal')
--   ok          Discord accepted the token (GET /users/@me answered 200)
--   checked_at  when
--   detail      what Discord said when it did not accept it
CREATE TABLE bot_token_checks (
  proc       text PRIMARY KEY,
  ok         boolean NOT NULL,
  checked_at timestamptz NOT NULL,
  detail     text
);
