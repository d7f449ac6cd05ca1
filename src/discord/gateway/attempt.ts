// Owns one connection attempt: its socket, whether it RESUMEs or IDENTIFYs, what happened on it
// (socket opened, RESUMED, replay count), its HELLO watchdog and its heartbeat. Once disposed it is
// inert: no handler runs again, so a discarded socket can never touch the shard's current one.
// Does not decide what a frame or a close means (shard.ts) and keeps no session facts (session.ts).
import type { Clock, TimerHandle } from '../../clock.js';
import type { Logger } from '../../log.js';
import { GatewayConnection, type ClosedInfo, type SendBudget, type WebSocketLike } from './connection.js';
import { Heartbeat } from './heartbeat.js';
import type { GatewayPayload } from './opcodes.js';
import { heartbeatFrame } from './payloads.js';

export type AttemptMode = 'resume' | 'identify';

export interface ConnectionAttemptOptions {
  mode: AttemptMode;
  /** The full connect URL, query included. */
  url: string;
  clock: Clock;
  log: Logger;
  openSocket?: (url: string) => WebSocketLike;
  closeTimeoutMs: number;
  helloTimeoutMs: number;
  budget?: SendBudget;
  /** The seq heartbeats carry, read when each beat is sent. */
  seq: () => number | null;
}

/** Called only while the attempt is live; never after dispose(). */
export interface AttemptHandlers {
  opened(): void;
  payload(attempt: ConnectionAttempt, p: GatewayPayload): void;
  /** The socket closed without dispose() having been called (the server or the network closed it). */
  closed(info: ClosedInfo): void;
  helloTimeout(): void;
  /** A beat fell due with the previous one un-ACKed; the heartbeat has stopped. */
  zombie(): void;
  heartbeatAck(latencyMs: number): void;
}

export class ConnectionAttempt {
  readonly mode: AttemptMode;
  private readonly opts: ConnectionAttemptOptions;
  private readonly handlers: AttemptHandlers;
  private readonly conn: GatewayConnection;
  private heartbeat: Heartbeat | undefined;
  private helloTimer: TimerHandle | undefined;
  private disposed = false;
  private _socketOpened = false;
  private _resumed = false;
  private _replayed = 0;

  constructor(opts: ConnectionAttemptOptions, handlers: AttemptHandlers) {
    this.mode = opts.mode;
    this.opts = opts;
    this.handlers = handlers;
    this.conn = new GatewayConnection({
      url: opts.url, clock: opts.clock, log: opts.log, openSocket: opts.openSocket,
      closeTimeoutMs: opts.closeTimeoutMs, budget: opts.budget,
    });
  }

  /** The socket reached the gateway (a RESUME that never got this far was unreachable, not failed). */
  get socketOpened(): boolean { return this._socketOpened; }
  /** RESUMED arrived on this connection. */
  get resumed(): boolean { return this._resumed; }
  /** Dispatches received while resuming, before RESUMED. */
  get replayed(): number { return this._replayed; }
  /** HELLO has been handled: the heartbeat runs (or ran) on this connection. */
  get helloSeen(): boolean { return this.heartbeat !== undefined; }
  get latencyMs(): number | undefined { return this.heartbeat?.latencyMs; }

  /** Opens the socket and arms the HELLO watchdog (docs/gateway.md §1.3: nothing is sent before HELLO). */
  open(): void {
    const { conn, opts } = this;
    conn.on('open', () => {
      if (this.disposed) return;
      this._socketOpened = true;
      this.handlers.opened();
    });
    conn.on('payload', (p: GatewayPayload) => { if (!this.disposed) this.handlers.payload(this, p); });
    conn.on('closed', (info: ClosedInfo) => { if (!this.disposed) this.handlers.closed(info); });
    this.helloTimer = opts.clock.setTimeout(() => {
      this.helloTimer = undefined;
      if (this.disposed) return;
      opts.log.warn('gateway.hello_timeout', { afterMs: opts.helloTimeoutMs });
      this.handlers.helloTimeout();
    }, opts.helloTimeoutMs);
    conn.open();
  }

  /** HELLO: stops the watchdog and starts a fresh heartbeat, never one carried over (docs/gateway.md §3.1). */
  startHeartbeat(intervalMs: number): void {
    if (this.disposed || this.heartbeat) return;
    this.clearHelloTimer();
    this.heartbeat = new Heartbeat({
      intervalMs, clock: this.opts.clock,
      sendBeat: () => { this.sendBeat(); },
      onZombie: () => {
        if (this.disposed) return;
        this.opts.log.warn('gateway.zombie', { intervalMs });
        this.handlers.zombie();
      },
      onAck: (latencyMs) => { if (!this.disposed) this.handlers.heartbeatAck(latencyMs); },
    });
    this.heartbeat.start();
  }

  /** op 11. */
  heartbeatAcked(): void { this.heartbeat?.ack(); }

  /** Server op 1: answer at once, also before HELLO (docs/gateway.md §1.3). */
  heartbeatRequested(): void {
    if (this.heartbeat) this.heartbeat.requested();
    else this.sendBeat();
  }

  noteReplayed(): void { this._replayed++; }
  noteResumed(): void { this._resumed = true; }

  /** Returns false when the frame was dropped (disposed, socket not open, oversize, over budget). */
  send(payload: { op: number; d: unknown }, opts: { priority?: boolean } = {}): boolean {
    if (this.disposed) return false;
    return this.conn.send(payload, opts);
  }

  /**
   * Makes the attempt inert at once (timers cleared, no handler runs again, frames dropped), then
   * closes the socket with `code`; resolves once it is closed. Idempotent.
   */
  dispose(code: number, reason: string): Promise<void> {
    this.disposed = true;
    this.clearHelloTimer();
    this.heartbeat?.stop();
    this.conn.removeAllListeners();
    return this.conn.close(code, reason);
  }

  private sendBeat(): void {
    this.conn.send(heartbeatFrame(this.opts.seq()), { priority: true });
  }

  private clearHelloTimer(): void {
    this.opts.clock.clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
  }
}
