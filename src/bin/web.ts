// `npm run web` / shiptrack-web.service: the HTTP interactions endpoint (POST /api/discord/interact)
// and /healthz, plus the public launch log when PUBLIC_SITE is on (src/site/, docs/site.md). Composition only: key → database → REST client → server → READY; SIGTERM drains.
import { fatal, openDatabase, startProcess } from './bootstrap.js';
import { systemClock } from '../clock.js';
import { describeError } from '../errors.js';
import { commandHandlers } from '../commands/index.js';
import { guardQueries } from '../db/pool.js';
import { loadMigrations, schemaReadiness, schemaState } from '../db/migrate.js';
import { isTransientDbError } from '../db/transient.js';
import { RestClient } from '../discord/rest/client.js';
import { addReaction, editOriginalResponse, removeOwnReaction } from '../discord/rest/api.js';
import { createRouter } from '../discord/interactions/router.js';
import { createInteractionServer, INTERACTIONS_PATH } from '../discord/interactions/server.js';
import { createVerifier, publicKeyFromHex } from '../discord/interactions/verify.js';
import { createSite } from '../site/routes.js';
import { createNotifier } from '../systemd/notify.js';
import { packageVersion } from '../version.js';

/**
 * Every web query is bounded (src/db/pool.ts guardQueries): a statement waiting on a lock is
 * cancelled after 3 s, a connection that stops answering fails after 5 s, and a call past 1 s
 * logs db.slow_query at once (the reply is deferred at INTERACTION_DEFER_MS, 1.5 s by default).
 * So a stalled database cannot hold the pool's connections for ever: /ship's handler fails, the
 * router retries it twice, and the deferred reply says to try again (docs/interactions.md §7).
 */
const WEB_DB_GUARD = { statementTimeoutMs: 3000, queryTimeoutMs: 5000, slowMs: 1000 } as const;

const rt = startProcess('web');
const { config, log } = rt;
// Signal handlers first: systemd may send SIGTERM the moment it has read READY=1, before
// systemd-notify has even exited. A signal during start-up is remembered and acted on as soon as
// there is something to stop; Node's default action would kill the process without draining.
let onStop: ((signal: string) => void) | undefined;
let stopRequested: string | undefined;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => { if (onStop) onStop(sig); else stopRequested ??= sig; });
}
try {
  // Fail fast (exit 78) on a malformed key, before anything listens.
  const key = publicKeyFromHex(config.publicKey);
  const clock = systemClock;
  const notifier = createNotifier({ env: process.env, log });
  // The pool's connections carry the statement and read timeouts from the start (no SET per
  // connection, no per-call config); guardQueries adds the slow-query watch and discards broken ones.
  const pool = guardQueries(await openDatabase(rt, { statementTimeoutMs: WEB_DB_GUARD.statementTimeoutMs, queryTimeoutMs: WEB_DB_GUARD.queryTimeoutMs }), { log, clock, ...WEB_DB_GUARD });
  // Deferred replies are edited with the interaction token (no bot token). The bot token, when
  // set, is used only for the 🚀 that /unship and the message commands add or take off.
  const botToken = config.botToken === '' ? undefined : config.botToken;
  const rest = new RestClient({ baseUrl: config.discordApiBase, timeoutMs: config.restTimeoutMs, clock, log: log.child({ mod: 'rest' }), maxRetries: 2, ...(botToken ? { token: botToken } : {}) });
  const reactions = botToken ? {
    add: (channelId: string, messageId: string) => addReaction(rest, channelId, messageId),
    remove: (channelId: string, messageId: string) => removeOwnReaction(rest, channelId, messageId),
  } : undefined;
  const router = createRouter({
    clock, log, applicationId: config.applicationId, deferMs: config.interactionDeferMs,
    editOriginal: (token, body) => editOriginalResponse(rest, config.applicationId, token, body),
    commands: commandHandlers({ db: pool, clock, log, guildId: config.guildId, reactions, publicSiteUrl: config.publicSiteUrl }), retryable: isTransientDbError,
  });
  // A database behind this release (MIGRATE_ON_START off and no migrate run): commands would fail on
  // missing tables, so say so now and keep /healthz "not ready" until it is migrated.
  const schemaVersion = loadMigrations().at(-1)?.id ?? 0;
  const schema = await schemaState(pool, schemaVersion);
  if (schema.schema !== 'current') log.warn('web.schema_behind', { schema: schema.schema, hint: schema.reason });
  // The public launch log answers every other path (its own 404 page) when switched on; off, they get 404 as before.
  const site = config.publicSite && config.publicSiteUrl ? createSite({ db: pool, clock, log: log.child({ mod: 'site' }), siteUrl: config.publicSiteUrl }) : undefined;
  const web = createInteractionServer({
    verifier: createVerifier(key, { clock }), router, db: pool, clock, log, version: packageVersion(), readiness: schemaReadiness(pool, schemaVersion),
    maxConnections: config.webMaxConnections, maxBodyMemoryBytes: config.webBodyMemoryBytes,
    ...(site ? { extraRoutes: site.handle } : {}),
  });
  const addr = await web.listen(config.port, config.host);
  log.notice('web.listening', {
    host: addr.address, port: addr.port, path: INTERACTIONS_PATH, defer_ms: config.interactionDeferMs,
    max_connections: config.webMaxConnections, body_memory_bytes: config.webBodyMemoryBytes,
  });
  if (site) log.notice('site.enabled', { url: config.publicSiteUrl, paths: '/ /weeks/{YYYY-Www} /members/{id} /feed.atom /weeks.atom /site.css /favicon.svg /favicon.ico' });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.notice('web.stopping', { signal, deferred_pending: router.pendingFollowups });
    // Exit only once systemd-notify has delivered STOPPING=1 (it never rejects; 5 s at most).
    const stoppingSent = notifier.stopping();
    web.close(8_000) // inside systemd's TimeoutStopSec=10s
      .then(() => { rest.destroy(); return pool.end(); })
      .then(async () => { await stoppingSent; log.notice('web.stopped', {}); process.exit(0); })
      .catch(async (err: unknown) => { log.error('web.stop_failed', { error: describeError(err) }); await stoppingSent; process.exit(1); });
  };
  onStop = stop;
  if (stopRequested) stop(stopRequested);
  else await notifier.ready(`listening on ${addr.address}:${addr.port}`);
} catch (err) {
  fatal(log, err);
}
