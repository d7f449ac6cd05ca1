// Owns the shard's tunable timings and their defaults (from docs/gateway.md). Pure data; tests shrink them.

export interface GatewayTiming {
  /** No HELLO this long after connecting → close resumable and reconnect (30 s). */
  helloTimeoutMs?: number;
  /** Close-handshake budget before terminate(); ws alone would wait 30 s (3 s). */
  closeTimeoutMs?: number;
  /** Reconnect backoff: first delay ~base, doubling, capped at max (1 s → 60 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** op 9 wait, uniform in [min, max) (1-5 s, the pre-2022 docs' rule that libraries keep). */
  invalidSessionMinMs?: number;
  invalidSessionMaxMs?: number;
  /** How long a /gateway/bot answer is reused (10 min). */
  gatewayInfoTtlMs?: number;
  /**
   * Session takeover: a RESUMEd connection that the server drops, and whose session the next RESUME
   * gets back at once, is what another client resuming the same session does to us (Discord closes
   * the older connection). This many such drops within takeoverWindowMs mean another process is
   * resuming our session: the shard stops and emits 'conflict' instead of flapping (8 in 60 s).
   */
  takeoverLimit?: number;
  takeoverWindowMs?: number;
  /** During stop(): time for the handler in hand and for the final save, each (500 ms; with the 3 s close budget stop() stays < 5 s). */
  stopGraceMs?: number;
  /**
   * Session saves while events flow: at most one per this many ms, carrying the last processed seq
   * (0, the default: one save after every processed event). A new session, a forgotten one and the
   * save at stop() are written at once. Only for an application whose handling is idempotent: a
   * crash loses up to this much of the saved seq, and the RESUME replays those events again.
   */
  sessionSaveMs?: number;
}

export function resolveTiming(t: GatewayTiming = {}): Required<GatewayTiming> {
  return {
    helloTimeoutMs: t.helloTimeoutMs ?? 30_000,
    closeTimeoutMs: t.closeTimeoutMs ?? 3000,
    backoffBaseMs: t.backoffBaseMs ?? 1000,
    backoffMaxMs: t.backoffMaxMs ?? 60_000,
    invalidSessionMinMs: t.invalidSessionMinMs ?? 1000,
    invalidSessionMaxMs: t.invalidSessionMaxMs ?? 5000,
    gatewayInfoTtlMs: t.gatewayInfoTtlMs ?? 600_000,
    stopGraceMs: t.stopGraceMs ?? 500,
    takeoverLimit: t.takeoverLimit ?? 8,
    takeoverWindowMs: t.takeoverWindowMs ?? 60_000,
    sessionSaveMs: t.sessionSaveMs ?? 0,
  };
}
