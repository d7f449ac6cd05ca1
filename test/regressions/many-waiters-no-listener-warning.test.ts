// Bug found in the interactions benchmark (DB locked 5 s, 300 deferred /ship): the web process
// printed Node's "MaxListenersExceededWarning: Possible EventTarget memory leak detected. 11 abort
// listeners added to [AbortSignal]" to stderr, a raw multi-line text outside the log format,
// looking like a leak to the sysadmin. Nothing leaked: every request in flight links the REST
// client's lifetime signal for as long as it runs (each interaction token is its own bucket, so
// hundreds of follow-up PATCHes run at once), and every follow-up waiting to retry listens on the
// router's shutdown signal. Both signals are meant to have one listener per waiter, and say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestClient } from '../../src/discord/rest/client.js';
import type { TransportResponse } from '../../src/discord/rest/transport.js';
import { silentLogger } from '../../src/log.js';
import { createRouter } from '../../src/discord/interactions/router.js';
import { message } from '../../src/discord/interactions/respond.js';
import { ManualClock } from '../helpers/clock.js';

const WAITERS = 25;

/** Collects the process warnings emitted while `fn` runs (Node emits them on a later tick). */
async function warningsDuring(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (w: Error) => { seen.push(`${w.name}: ${w.message}`); };
  process.on('warning', onWarning);
  try {
    await fn();
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  return seen;
}

test(`${WAITERS} REST requests in flight at once raise no listener warning`, async () => {
  const answers: (() => void)[] = [];
  let allIn!: () => void;
  const inFlight = new Promise<void>((r) => { allIn = r; });
  const response: TransportResponse = { status: 204, headers: new Headers(), text: async () => '' };
  const rest = new RestClient({
    baseUrl: 'http://127.0.0.1:9/api/v10', token: 'x', userAgent: 'test', log: silentLogger,
    transport: () => new Promise((resolve) => {
      answers.push(() => resolve(response));
      if (answers.length === WAITERS) allIn();
    }),
  });
  const warnings = await warningsDuring(async () => {
    // One webhook token per request: separate buckets, all sent at once (as deferred follow-ups are).
    const sent = Array.from({ length: WAITERS }, (_, k) => rest.request('PATCH', `/webhooks/1300000000000000001/token-${k}/messages/@original`, { auth: false, body: {} }));
    await inFlight;
    for (const answer of answers) answer();
    await Promise.all(sent);
  });
  rest.destroy();
  assert.equal(rest.stats.requests, WAITERS);
  assert.deepEqual(warnings, []);
});

test(`${WAITERS} follow-ups waiting to retry raise no listener warning`, async () => {
  const clock = new ManualClock();
  let edits = 0;
  let allFailed!: () => void;
  const failedOnce = new Promise<void>((r) => { allFailed = r; });
  const router = createRouter({
    clock, log: silentLogger, applicationId: '1300000000000000001', deferMs: 1500,
    editOriginal: async () => {
      edits++;
      if (edits === WAITERS) allFailed();
      if (edits <= WAITERS) throw Object.assign(new Error('Discord 503'), { status: 503 });
    },
    commands: [{ name: 'slow', handle: () => new Promise((r) => clock.setTimeout(() => r(message('late')), 2000)), apology: 'sorry' }],
    retryable: () => false,
  });
  const warnings = await warningsDuring(async () => {
    const answers = Array.from({ length: WAITERS }, (_, k) => router.handle({
      id: String(1311111111111111111n + BigInt(k)), application_id: '1300000000000000001', type: 2, token: `t${k}`, guild_id: '1', data: { name: 'slow' },
    }));
    await clock.tick(1500);
    assert.deepEqual(new Set((await Promise.all(answers)).map((a) => a.type)), new Set([5]));
    await clock.tick(500);
    await failedOnce;
    // Every follow-up now sleeps before its second attempt, listening on the shutdown signal.
    await new Promise((r) => setImmediate(r));
    assert.equal(router.pendingFollowups, WAITERS);
    await clock.tick(120_000);
    await router.idle();
  });
  assert.equal(edits, 2 * WAITERS);
  assert.deepEqual(warnings, []);
});
