// verify.ts against tweetnacl-made signatures: key building, strict formats, the ±300 s window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import { ShipTrackError } from '../../src/errors.js';
import { createVerifier, publicKeyFromHex } from '../../src/discord/interactions/verify.js';
import { ManualClock } from '../helpers/clock.js';

const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(7));
const pub = Buffer.from(pair.publicKey).toString('hex');
const clock = new ManualClock(Date.UTC(2026, 10, 23, 12, 0, 0));
const ts = String(Math.floor(clock.now() / 1000));
const body = Buffer.from('{"type":1,"note":"é🚀"}');
const sig = (t: string, b: Buffer) => Buffer.from(nacl.sign.detached(Buffer.concat([Buffer.from(t), b]), pair.secretKey)).toString('hex');
const verify = createVerifier(publicKeyFromHex(pub), { clock });

test('publicKeyFromHex: 64 hex chars only, PUBLIC_KEY_INVALID naming DISCORD_PUBLIC_KEY otherwise', () => {
  for (const bad of ['', pub.slice(0, 62), pub + '00', 'zz' + pub.slice(2), ` ${pub.slice(1)}`]) {
    assert.throws(() => publicKeyFromHex(bad), (e: unknown) => e instanceof ShipTrackError && e.code === 'PUBLIC_KEY_INVALID' && /DISCORD_PUBLIC_KEY/.test(e.message), bad);
  }
  assert.equal(publicKeyFromHex(pub.toUpperCase()).asymmetricKeyType, 'ed25519');
});

test('accepts a valid signature over timestamp + raw body', () => {
  assert.deepEqual(verify(sig(ts, body), ts, body), { ok: true });
});

test('each failure has its own reason', () => {
  const s = sig(ts, body);
  assert.deepEqual(verify(undefined, ts, body), { ok: false, reason: 'missing-signature' });
  assert.deepEqual(verify(s, undefined, body), { ok: false, reason: 'missing-timestamp' });
  assert.deepEqual(verify(s.slice(1), ts, body), { ok: false, reason: 'malformed-signature' });
  assert.deepEqual(verify([s, s], ts, body), { ok: false, reason: 'malformed-signature' });
  assert.deepEqual(verify(s, `${ts}.0`, body), { ok: false, reason: 'malformed-timestamp' });
  assert.deepEqual(verify(s, [ts, ts], body), { ok: false, reason: 'malformed-timestamp' });
  assert.deepEqual(verify(s, ts, Buffer.concat([body, Buffer.from(' ')])), { ok: false, reason: 'bad-signature' });
  const old = String(Number(ts) - 301);
  assert.deepEqual(verify(sig(old, body), old, body), { ok: false, reason: 'stale-timestamp' });
  const ahead = String(Number(ts) + 301);
  assert.deepEqual(verify(sig(ahead, body), ahead, body), { ok: false, reason: 'future-timestamp' });
});

test('the window is ±300 s inclusive and follows the injected clock', () => {
  for (const off of [-300, 300]) {
    const t = String(Number(ts) + off);
    assert.deepEqual(verify(sig(t, body), t, body), { ok: true }, `offset ${off}`);
  }
  const c = new ManualClock(clock.now());
  const v = createVerifier(publicKeyFromHex(pub), { clock: c, windowSec: 60 });
  const s = sig(ts, body);
  assert.equal(v(s, ts, body).ok, true);
  c.advance(61_000);
  assert.deepEqual(v(s, ts, body), { ok: false, reason: 'stale-timestamp' });
});

test('a signature from another key fails', () => {
  const other = nacl.sign.keyPair();
  const s = Buffer.from(nacl.sign.detached(Buffer.concat([Buffer.from(ts), body]), other.secretKey)).toString('hex');
  assert.deepEqual(verify(s, ts, body), { ok: false, reason: 'bad-signature' });
});
