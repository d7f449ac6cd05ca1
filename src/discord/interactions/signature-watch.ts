// Owns the one warning a misconfigured endpoint gets. A wrong DISCORD_PUBLIC_KEY (well-formed, but
// another application's) makes every request from Discord fail verification with a fresh timestamp
// and a signature that does not match; a server clock that is off makes every one of them stale or
// from the future. Each request alone is only a debug line (the internet sends junk too), so this
// counts, per window, the failures that look like Discord's own traffic against the requests that
// verified, and warns once per window when those failures dominate. Requests with missing or
// malformed signature headers are not counted: that is scanners, not Discord.

import type { Clock } from '../../clock.js';
import type { Logger } from '../../log.js';
import type { VerifyResult } from './verify.js';

/** How long one window of counts lasts (and so how often the warning can repeat). */
export const SIGNATURE_WATCH_WINDOW_MS = 10 * 60_000;
/** Failures of one kind a window needs before they can be called dominant. */
export const SIGNATURE_WATCH_MIN_FAILURES = 10;
/** Failures dominate when they are at least this many times the requests that verified. */
const DOMINANCE = 4;

type Kind = 'signature' | 'clock';

const CAUSE: Record<Kind, string> = {
  signature: "DISCORD_PUBLIC_KEY does not match the application's public key (Developer Portal, General Information)",
  clock: "this server's clock is off by more than the 5 minutes a signature timestamp may differ (check timedatectl / NTP)",
};

export interface SignatureWatch {
  record(result: VerifyResult): void;
}

export function createSignatureWatch(options: { clock: Clock; log: Logger; windowMs?: number; minFailures?: number }): SignatureWatch {
  const { clock, log } = options;
  const windowMs = options.windowMs ?? SIGNATURE_WATCH_WINDOW_MS;
  const minFailures = options.minFailures ?? SIGNATURE_WATCH_MIN_FAILURES;
  let start = clock.now();
  let verified = 0;
  const failed: Record<Kind, number> = { signature: 0, clock: 0 };
  const warned: Record<Kind, boolean> = { signature: false, clock: false };

  return {
    record(result) {
      const now = clock.now();
      if (now - start >= windowMs) {
        start = now;
        verified = 0;
        failed.signature = failed.clock = 0;
        warned.signature = warned.clock = false;
      }
      if (result.ok) { verified++; return; }
      const kind: Kind | undefined = result.reason === 'bad-signature' ? 'signature'
        : result.reason === 'stale-timestamp' || result.reason === 'future-timestamp' ? 'clock' : undefined;
      if (!kind) return;
      failed[kind]++;
      if (warned[kind] || failed[kind] < minFailures || failed[kind] < DOMINANCE * verified) return;
      warned[kind] = true;
      log.warn('interaction.signatures_failing', {
        reason: kind === 'signature' ? 'bad-signature' : 'timestamp-out-of-window',
        failed: failed[kind], verified, window_s: Math.round(windowMs / 1000), likely_cause: CAUSE[kind],
      });
    },
  };
}
