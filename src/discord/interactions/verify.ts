// Owns authenticating an interaction request: Ed25519 (node:crypto) over timestamp + raw body bytes,
// strict header formats and a freshness window (docs/interactions.md §1.2, §1.4). Does not parse JSON,
// read sockets or decide HTTP statuses beyond "authentic or not" (server.ts maps that to 401).

import { createPublicKey, verify as edVerify, type KeyObject } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { ShipTrackError } from '../../errors.js';

// SEQUENCE{ SEQUENCE{ OID 1.3.101.112 (Ed25519) }, BIT STRING{ 0 unused bits, <32-byte key> } }.
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
// Buffer.from(s, 'hex') silently stops at the first bad character, so formats are checked first.
const PUBLIC_KEY_HEX = /^[0-9a-fA-F]{64}$/;
const TIMESTAMP = /^\d{1,12}$/;

/** Discord documents no window; ±300 s is ShipTrack's choice (docs/interactions.md §1.4). */
export const DEFAULT_TIMESTAMP_WINDOW_SEC = 300;

/**
 * Builds the verification key once, at start-up. Throws PUBLIC_KEY_INVALID (the bin exits 78)
 * when `hex` is not exactly 64 hex characters or OpenSSL refuses the key.
 */
export function publicKeyFromHex(hex: string): KeyObject {
  if (!PUBLIC_KEY_HEX.test(hex)) {
    throw new ShipTrackError('PUBLIC_KEY_INVALID', `DISCORD_PUBLIC_KEY must be the application's public key: 64 hex characters (32 bytes), got ${hex.length} characters${/^[0-9a-fA-F]*$/.test(hex) ? '' : ' with non-hex characters'}`);
  }
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
  } catch (err) {
    throw new ShipTrackError('PUBLIC_KEY_INVALID', `DISCORD_PUBLIC_KEY is not a usable Ed25519 public key: ${(err as Error).message}`, { cause: err });
  }
}

export type VerifyFailure =
  | 'missing-signature' | 'missing-timestamp' | 'malformed-signature' | 'malformed-timestamp'
  | 'stale-timestamp' | 'future-timestamp' | 'bad-signature';

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure };

export interface VerifierOptions {
  clock: Clock;
  /** Accept timestamps within ±windowSec of clock.now() (default 300). */
  windowSec?: number;
}

export type Verifier = (signature: string | string[] | undefined, timestamp: string | string[] | undefined, body: Buffer) => VerifyResult;

/**
 * Returns a synchronous verifier (no await to forget, docs/interactions.md §1.2). Header values come straight from
 * `req.headers`; a repeated header (array) is treated as malformed.
 */
export function createVerifier(key: KeyObject, options: VerifierOptions): Verifier {
  const windowMs = (options.windowSec ?? DEFAULT_TIMESTAMP_WINDOW_SEC) * 1000;
  const clock = options.clock;
  return (signature, timestamp, body) => {
    if (signature === undefined) return { ok: false, reason: 'missing-signature' };
    if (timestamp === undefined) return { ok: false, reason: 'missing-timestamp' };
    if (typeof signature !== 'string' || signature.length !== 128) return { ok: false, reason: 'malformed-signature' };
    // Hex decoding stops at the first character that is not hex, so 64 bytes means 128 hex digits
    // (Node's Buffer docs on 'hex'): the check and the decoding in one pass.
    const sig = Buffer.from(signature, 'hex');
    if (sig.length !== 64) return { ok: false, reason: 'malformed-signature' };
    if (typeof timestamp !== 'string' || !TIMESTAMP.test(timestamp)) return { ok: false, reason: 'malformed-timestamp' };
    const skew = Number(timestamp) * 1000 - clock.now();
    if (skew < -windowMs) return { ok: false, reason: 'stale-timestamp' };
    if (skew > windowMs) return { ok: false, reason: 'future-timestamp' };
    const message = Buffer.concat([Buffer.from(timestamp, 'utf8'), body]);
    const valid = edVerify(null, message, key, sig);
    return valid ? { ok: true } : { ok: false, reason: 'bad-signature' };
  };
}
