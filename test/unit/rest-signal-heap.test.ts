// A long-lived REST client keeps no memory per finished request. Combining the client's lifetime
// signal with each request's signals through AbortSignal.any left every combined signal registered
// on the lifetime signal (about 60 bytes per request, for as long as the client lives: 600,000
// requests were 35 MB). Measured in a plain `node --expose-gc` child on the compiled tree: heap
// after a full GC at N/2 requests and at N, against a fetch stub that answers at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, testDist } from '../helpers/bin.js';

const N = 20_000;
/**
 * Bytes per request the heap may grow by between N/2 and N. AbortSignal.any costs about 60 per
 * signal combined (the old client combined two per request: 116); GC noise is about 15 here.
 */
const MAX_BYTES_PER_REQUEST = 40;

const CHILD = `
const { RestClient } = await import(process.argv[1]);
const n = Number(process.argv[2]);
const response = { status: 204, headers: new Headers(), text: async () => '' };
const rest = new RestClient({ baseUrl: 'http://127.0.0.1:9/api/v10', token: 'x', userAgent: 'test', transport: async () => response });
// An unauthenticated webhook route: no global 50/s cap, so the loop never waits on the clock.
// Every request also brings its own signal, as callers that can cancel do.
const send = async (count) => {
  for (let i = 0; i < count; i++) {
    const own = new AbortController();
    await rest.request('POST', '/webhooks/100000000000000001/token-token-token-token', { auth: false, body: {}, signal: own.signal });
  }
};
const heap = async () => {
  for (let i = 0; i < 3; i++) { await new Promise((r) => setImmediate(r)); globalThis.gc(); }
  return process.memoryUsage().heapUsed;
};
await send(n / 10);
const half = (await send(n / 2 - n / 10), await heap());
const full = (await send(n / 2), await heap());
rest.destroy();
console.log(JSON.stringify({ half, full, requests: rest.stats.requests }));
`;

test(`heap stays flat over ${N} requests with their own abort signals`, () => {
  const client = pathToFileURL(join(testDist(), 'discord', 'rest', 'client.js')).href;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD, client, String(N)], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { half: number; full: number; requests: number };
  assert.equal(out.requests, N);
  const perRequest = (out.full - out.half) / (N / 2);
  assert.ok(perRequest < MAX_BYTES_PER_REQUEST,
    `heap grew ${out.full - out.half} bytes over the last ${N / 2} requests (${perRequest.toFixed(1)} per request; at most ${MAX_BYTES_PER_REQUEST})`);
});
