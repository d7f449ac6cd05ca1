-- The public launch log (issue 17, docs/site.md), served by the web process when PUBLIC_SITE=true.
--
-- site_hidden_members: members who chose `/site visibility:hide me`. Their launches still count
-- everywhere in Discord (digest, /profile, /leaderboard, streaks); the site names them "a member",
-- links to no page of theirs, and their member page answers 404.
CREATE TABLE site_hidden_members (
  user_id   bigint      PRIMARY KEY,
  hidden_at timestamptz NOT NULL
);

-- site_data_seq: a counter that moves whenever something the site shows may have changed, so the
-- web process can keep rendered pages in memory and check one row per request instead of
-- re-reading launches (src/site/cache.ts). Statement-level triggers call nextval() once per
-- statement, not per row; a sequence takes no row lock, so concurrent /ship INSERTs do not queue
-- behind one another (PostgreSQL docs, "Sequence Manipulation Functions": nextval is never rolled
-- back and never blocks). Updates that change nothing the site shows (reacted_at, the 🚀
-- bookkeeping) do not move it.
CREATE SEQUENCE site_data_seq;

CREATE FUNCTION site_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('site_data_seq');
  RETURN NULL;
END
$$;

CREATE TRIGGER launches_site_data AFTER INSERT OR DELETE OR TRUNCATE
  OR UPDATE OF user_id, user_name, content, urls, created_at, edited_at, deleted_at, digest_window_start
  ON launches FOR EACH STATEMENT EXECUTE FUNCTION site_data_changed();
CREATE TRIGGER digests_site_data AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON digests FOR EACH STATEMENT EXECUTE FUNCTION site_data_changed();
CREATE TRIGGER digest_parts_site_data AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF content
  ON digest_parts FOR EACH STATEMENT EXECUTE FUNCTION site_data_changed();
CREATE TRIGGER site_hidden_members_site_data AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON site_hidden_members FOR EACH STATEMENT EXECUTE FUNCTION site_data_changed();
