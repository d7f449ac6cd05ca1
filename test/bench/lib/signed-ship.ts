// Bench support (not a bench): signed /ship interactions as Discord sends them, for the web
// benchmarks (interactions.ts, web-instructions.ts). Each has its own interaction id and token, so
// none is a replay (a replay hits ON CONFLICT and is cheaper than a launch).
import { sign as edSign, type KeyObject } from 'node:crypto';

export const APP_ID = '1300000000000000001';
const DISCORD_EPOCH = 1_420_070_400_000n;

export interface Signed { body: string; sig: string; ts: string }

// Snowflakes from now on, one apart, never reused within the process.
let lastId = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;

/** `n` signed /ship requests from 50 members, each with a link; `tag` goes into the launch text. */
export function makeRequests(n: number, secret: KeyObject, tag: string): Signed[] {
  const ts = String(Math.floor(Date.now() / 1000));
  const out: Signed[] = [];
  for (let k = 0; k < n; k++) {
    const id = ++lastId;
    const body = JSON.stringify({
      id: id.toString(), application_id: APP_ID, type: 2, version: 1, token: `aW50ZXJhY3Rpb246${id}${'x'.repeat(60)}`,
      guild_id: '1200000000000000002', channel_id: '1210000000000000003', locale: 'en-GB', context: 0,
      member: { user: { id: `11000000000000${String(10000 + (k % 50))}`, username: `maker${k % 50}`, global_name: null }, roles: [], nick: null },
      data: { id: '1320000000000000000', name: 'ship', type: 1, options: [{ name: 'product', type: 3, value: `${tag} launch ${k} https://example.com/${k}` }] },
    });
    out.push({ body, ts, sig: edSign(null, Buffer.from(ts + body), secret).toString('hex') });
  }
  return out;
}
