// Regression (found by `npm run demo` on its second run): a stored session whose resume URL no
// longer accepts connections (the worker restarted against a gateway that moved) made the shard
// retry RESUME on that URL forever, because only attempts that reached the socket counted as
// failed resumes. Now, after a few unreachable attempts, it resumes through the URL from
// GET /gateway/bot instead; a dead session then gets op 9 and the shard identifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { rig, waitFor } from '../integration/gateway-harness.js';

function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

test('an unreachable stored resume URL falls back to the gateway URL, then identifies on op 9', async (t) => {
  const r = await rig(t);
  const port = await deadPort();
  r.store.value = { sessionId: 'gone-session', seq: 41, resumeUrl: `ws://127.0.0.1:${port}` };
  const shard = r.makeShard();
  const ready = waitFor(shard, 'ready', () => true, 15_000);
  await shard.start();
  await ready;
  assert.equal(r.fake.gateway.identifyCount, 1);
  const resumeFrames = r.conns().flatMap((c) => (c.received as { op: number; d: { session_id?: string } }[]).filter((f) => f.op === 6));
  assert.equal(resumeFrames.length, 1, 'one RESUME reached the fake, through the /gateway/bot URL');
  assert.equal(resumeFrames[0]!.d.session_id, 'gone-session');
  assert.ok(r.logs.some((l) => /gateway\.resume_url_unreachable .*attempts=3/.test(l)), r.logs.join('\n'));
});
