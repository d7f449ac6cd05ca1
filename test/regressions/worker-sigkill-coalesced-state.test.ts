// Issue 14: the worker writes the gateway session (seq) and the backfill cursor at most every
// 500 ms instead of after every event. A SIGKILL then finds both behind what was already stored;
// the restarted worker RESUMEs from the saved seq, Discord replays what came after it, and the
// idempotent store turns the replayed events that were already stored into `duplicate`s. This kills
// the compiled worker in the middle of a burst and proves nothing is lost or doubled: every launch
// stored once and carrying one 🚀 (a repeated PUT after the kill is allowed: PUT …/@me is a set).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getCursor, loadSession } from '../../src/db/gateway-state.js';
import { compareSnowflakes } from '../../src/discord/snowflake.js';
import { resumed, runningFixture, tally, type Posted } from '../integration/worker-faults-harness.js';
import { waitFor } from '../integration/worker-harness.js';

const BURST = 200;

function post(f: Awaited<ReturnType<typeof runningFixture>>, posted: Posted[], n: number): void {
  const authors = f.fake.members.map((m) => m.id);
  for (let k = 0; k < n; k++) {
    const i = posted.length;
    const launch = i % 2 === 0;
    const content = launch ? `shipped https://example.com/coalesced/${i} today` : `chatting in the burst, message ${i}`;
    posted.push({ id: f.fake.postMessage({ channelId: f.fake.channels.shipped, authorId: authors[i % authors.length]!, content }).id, launch });
  }
}

test('SIGKILL mid-burst with coalesced session and cursor writes: every launch stored once and reacted once', { timeout: 90_000 }, async (t) => {
  const f = await runningFixture(t, 'coalesced');
  const { sup, db } = f;
  // Discord's per-channel reaction bucket (1 per 250 ms, which the fake enforces) would make the
  // catch-up of this burst take over half a minute without testing anything more: lifted.
  f.fake.rest.setBucket('PUT /channels/:id/messages/:id/reactions/:reaction/@me', 100_000, 1);
  const posted: Posted[] = [];
  post(f, posted, BURST);

  // Mid-burst: some launches stored, not all.
  await waitFor('first launches stored', async () => {
    const r = await db.pool.query('SELECT count(*)::int AS n FROM launches');
    return r.rows[0].n >= 10;
  }, 30_000, 5);
  const decision = sup.waitForDecision();
  const from = sup.lines.length;
  await sup.current!.kill('SIGKILL');
  assert.deepEqual(await decision, { code: 'SIGKILL', restarted: true });

  // What the kill left behind (diagnostics: how far the coalesced writes lagged the stored rows).
  const stored = (await db.pool.query<{ id: string }>('SELECT max(message_id)::text AS id FROM launches')).rows[0]!.id;
  const cursor = await getCursor(db.pool, f.fake.channels.shipped);
  const session = await loadSession(db.pool);
  t.diagnostic(`at the kill: newest stored message ${stored}, cursor ${cursor ?? 'none'} (${cursor && compareSnowflakes(cursor, stored) < 0 ? 'behind' : 'not behind'}), saved seq ${session?.seq ?? 'none'}`);

  await resumed(f, from);
  post(f, posted, 4); // and the restarted worker ingests live events as before
  await tally(f, 'sigkill-coalesced', posted, { repeatPutsAllowed: true });
  const duplicates = sup.lines.slice(from).filter((l) => l.startsWith('launch.ignored ') && l.includes('reason=duplicate')).length;
  t.diagnostic(`replayed launches found already stored after the restart: ${duplicates}`);
});
