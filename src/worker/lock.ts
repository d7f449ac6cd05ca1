// Owns "only one worker holds the gateway": a session-level Postgres advisory lock taken on a
// dedicated pg.Client (not the pool — a pooled connection could be recycled and silently drop
// the lock), a standby loop while another worker holds it, and loss detection (client 'error'/
// 'end', or a periodic SELECT 1 that fails or hangs). Does not stop anything itself: it tells
// its owner through onLost, and the owner stops processing (src/worker/app.ts).

import pg from 'pg';
import { sleep, type Clock, type TimerHandle } from '../clock.js';
import { describeError } from '../errors.js';
import { withTimeout } from '../timeout.js';
import type { Logger } from '../log.js';

/** Fixed, arbitrary key for "the ShipTrack gateway"; every worker of one database uses it. */
export const GATEWAY_LOCK_KEY = '23456812749137515';

export interface GatewayLockOptions {
  url: string;
  clock: Clock;
  log: Logger;
  /** Standby: how often to try again (default 3000 ms). */
  retryMs?: number;
  /** Held: how often to check the lock connection with SELECT 1 (default 5000 ms). */
  checkMs?: number;
  /** A check that takes longer than this counts as lost (default 3000 ms). */
  checkTimeoutMs?: number;
  key?: string;
  signal?: AbortSignal;
  /** Called once when the first attempt finds the lock taken (the bin tells systemd). */
  onStandby?: () => void;
  /** Called after every attempt while waiting, so the bin can ping the systemd watchdog. */
  onAttempt?: () => void;
}

export interface GatewayLock {
  readonly lost: boolean;
  /** `cb` runs once, synchronously from the event that revealed the loss. */
  onLost(cb: (reason: string) => void): void;
  /** Unlocks (best effort) and closes the connection; no onLost afterwards. */
  release(): Promise<void>;
}

/** Resolves once this process holds the lock; rejects only with the signal's reason. */
export async function acquireGatewayLock(o: GatewayLockOptions): Promise<GatewayLock> {
  const key = o.key ?? GATEWAY_LOCK_KEY;
  const retryMs = o.retryMs ?? 3000;
  let client: pg.Client | undefined;
  let standby = false;
  const drop = () => { const c = client; client = undefined; c?.removeAllListeners('error'); c?.on('error', () => {}); void c?.end().catch(() => {}); };
  for (;;) {
    if (o.signal?.aborted) { drop(); throw o.signal.reason; }
    try {
      if (!client) {
        client = new pg.Client({ connectionString: o.url, keepAlive: true, connectionTimeoutMillis: 5000, application_name: 'shiptrack-worker-lock' });
        client.on('error', (err) => o.log.warn('lock.connection_error', { state: 'standby', error: describeError(err) }));
        await client.connect();
      }
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
      if (r.rows[0]?.ok) {
        const held = new HeldLock(client, key, o);
        client = undefined;
        o.log.notice('lock.acquired', { key, after_standby: standby });
        return held;
      }
      if (!standby) {
        standby = true;
        o.log.notice('worker.standby', { key, retry_ms: retryMs, reason: 'another worker holds the gateway lock' });
        o.onStandby?.();
      }
    } catch (err) {
      o.log.warn('lock.attempt_failed', { retry_ms: retryMs, error: describeError(err) });
      drop();
    }
    o.onAttempt?.();
    try { await sleep(retryMs, o.clock, o.signal); } catch (err) { drop(); throw err; }
  }
}

class HeldLock implements GatewayLock {
  lost = false;
  private released = false;
  private readonly callbacks: Array<(reason: string) => void> = [];
  private readonly timer: TimerHandle;
  private checking = false;

  constructor(private readonly client: pg.Client, private readonly key: string, private readonly o: GatewayLockOptions) {
    client.removeAllListeners('error');
    client.on('error', (err) => this.fail(`lock connection error: ${describeError(err)}`));
    client.on('end', () => this.fail('lock connection ended'));
    this.timer = o.clock.setInterval(() => void this.check(), o.checkMs ?? 5000);
  }

  onLost(cb: (reason: string) => void): void {
    if (this.lost) cb('lock already lost');
    else this.callbacks.push(cb);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.o.clock.clearInterval(this.timer);
    this.client.removeAllListeners('end');
    this.client.removeAllListeners('error');
    this.client.on('error', () => {});
    if (!this.lost) {
      await withTimeout(this.client.query('SELECT pg_advisory_unlock($1::bigint)', [this.key]), 1000, this.o.clock).catch(() => {});
    }
    // Ending the session releases the lock in any case.
    await withTimeout(this.client.end(), 1000, this.o.clock).catch(() => {});
    this.o.log.info('lock.released', { key: this.key });
  }

  private async check(): Promise<void> {
    if (this.checking || this.lost || this.released) return;
    this.checking = true;
    try {
      const ms = this.o.checkTimeoutMs ?? 3000;
      const answer = await withTimeout(this.client.query('SELECT 1'), ms, this.o.clock);
      if (answer.timedOut) throw new Error(`no answer within ${ms} ms`);
    } catch (err) {
      this.fail(`lock connection check failed: ${describeError(err)}`);
    } finally {
      this.checking = false;
    }
  }

  private fail(reason: string): void {
    if (this.lost || this.released) return;
    this.lost = true;
    this.o.clock.clearInterval(this.timer);
    this.o.log.error('lock.lost', { key: this.key, reason });
    for (const cb of this.callbacks.splice(0)) {
      try { cb(reason); } catch (err) { this.o.log.error('lock.lost_callback_failed', { error: describeError(err) }); }
    }
    this.client.removeAllListeners('end');
    this.client.on('error', () => {});
    void this.client.end().catch(() => {});
  }
}
