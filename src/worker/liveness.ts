// Owns the worker's own-health verdict that gates the systemd watchdog (issue 13: liveness is not
// Discord's availability). The process is healthy while its event loop runs (the verdict is asked
// from a timer, so a wedged loop never asks), its database answers (a status write succeeded
// recently) and its gateway makes progress: heartbeats ACKed while connected, connection attempts
// being made per the reconnect backoff while Discord is out of reach. A Discord outage of any
// length is therefore no reason for a restart; a reconnect loop that stopped trying, or a database
// that stopped answering, is. Does not send anything to systemd (src/systemd/notify.ts does).
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';

export interface LivenessOptions {
  clock: Clock;
  log: Logger;
  /** Unhealthy once no database round trip succeeded for this long. */
  dbStaleMs: number;
  /** Unhealthy once the gateway made no progress (ACK, READY/RESUMED, connection attempt) for this long. */
  gatewayStallMs: number;
}

export class Liveness {
  private dbOkAt: number;
  private gatewayProgressAt: number;
  private withheld: string | undefined;

  constructor(private readonly o: LivenessOptions) {
    const now = o.clock.now();
    this.dbOkAt = now;
    this.gatewayProgressAt = now;
  }

  /** A database round trip succeeded (the worker_status write). */
  dbAnswered(): void { this.dbOkAt = this.o.clock.now(); }

  /** The gateway did something a live reconnect loop does: a heartbeat ACK, READY/RESUMED, a connection attempt. */
  gatewayProgressed(): void { this.gatewayProgressAt = this.o.clock.now(); }

  /**
   * The gateway waits, by design, until `untilMs` (the daily IDENTIFY quota is used up and resets
   * then): progress is not expected before it, and the stall limit counts from it.
   */
  gatewayWaitsUntil(untilMs: number): void { this.gatewayProgressAt = Math.max(this.gatewayProgressAt, untilMs); }

  /** Why the process is not healthy now, or undefined when it is. */
  problem(): string | undefined {
    const now = this.o.clock.now();
    if (now - this.dbOkAt > this.o.dbStaleMs) return `database has not answered for ${now - this.dbOkAt} ms`;
    if (now - this.gatewayProgressAt > this.o.gatewayStallMs) return `gateway reconnect loop made no progress for ${now - this.gatewayProgressAt} ms`;
    return undefined;
  }

  /** The verdict for one watchdog tick; logs watchdog.withheld / watchdog.resumed once per episode. */
  check(): boolean {
    const problem = this.problem();
    if (problem !== undefined && this.withheld === undefined) {
      this.o.log.warn('watchdog.withheld', { reason: problem, hint: 'systemd restarts the worker after WatchdogSec= unless this recovers' });
    } else if (problem === undefined && this.withheld !== undefined) {
      this.o.log.info('watchdog.resumed', { after: this.withheld });
    }
    this.withheld = problem;
    return problem === undefined;
  }
}
