// Owns one WebSocket to the gateway: opening it, JSON framing, the per-connection send budget,
// and closing it within a bounded time. The ONLY importer of `ws`. Does not know about
// sessions, heartbeats or recovery; it reports 'open', 'payload' and exactly one 'closed'.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../../clock.js';
import { silentLogger, type Logger } from '../../log.js';
import { MAX_CLIENT_PAYLOAD_BYTES, type GatewayPayload } from './opcodes.js';

/** The narrow surface of `ws` we use; tests may inject their own. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: string, listener: (...args: any[]) => void): unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
  removeAllListeners(event?: string): unknown;
}

const OPEN = 1;
const CLOSED = 3;

export function openWebSocket(url: string): WebSocketLike {
  // handshakeTimeout bounds a TCP/TLS/HTTP upgrade that never completes.
  return new WebSocket(url, { handshakeTimeout: 30_000, perMessageDeflate: false });
}

export interface SendBudget { /** Non-priority sends allowed per window. */ limit: number; /** Hard cap incl. priority. */ hardLimit: number; windowMs: number }
/** Discord allows 120 per 60 s per connection; keep 5 for heartbeats/identify/resume like discord.js. */
export const DEFAULT_SEND_BUDGET: SendBudget = { limit: 115, hardLimit: 120, windowMs: 60_000 };

export interface ConnectionOptions {
  url: string;
  clock: Clock;
  log?: Logger;
  openSocket?: (url: string) => WebSocketLike;
  /** If the close handshake has not finished after this long, terminate the TCP socket. */
  closeTimeoutMs?: number;
  budget?: SendBudget;
}

export interface ClosedInfo { code: number; reason: string; byUs: boolean }

/**
 * Events: 'open' (), 'payload' (GatewayPayload), 'closed' (ClosedInfo), once; 'error' is never emitted.
 */
export class GatewayConnection extends EventEmitter {
  readonly url: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly openSocket: (url: string) => WebSocketLike;
  private readonly closeTimeoutMs: number;
  private readonly budget: SendBudget;
  private ws: WebSocketLike | undefined;
  private readonly sentAt: number[] = [];
  private readonly queue: string[] = [];
  private drainTimer: TimerHandle | undefined;
  private closeTimer: TimerHandle | undefined;
  private forceTimer: TimerHandle | undefined;
  private closing: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private closedInfo: ClosedInfo | undefined;
  private closeRequestedByUs = false;
  /** Frames actually written, for stats and tests. */
  sentCount = 0;

  constructor(opts: ConnectionOptions) {
    super();
    this.url = opts.url;
    this.clock = opts.clock;
    this.log = opts.log ?? silentLogger;
    this.openSocket = opts.openSocket ?? openWebSocket;
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 3000;
    this.budget = opts.budget ?? DEFAULT_SEND_BUDGET;
  }

  get isOpen(): boolean { return this.ws?.readyState === OPEN && !this.closing; }
  get isClosed(): boolean { return this.closedInfo !== undefined; }
  get queued(): number { return this.queue.length; }

  open(): void {
    if (this.ws || this.closedInfo) throw new Error('GatewayConnection.open() called twice');
    let ws: WebSocketLike;
    try {
      ws = this.openSocket(this.url);
    } catch (err) {
      this.log.warn('gateway.socket_open_failed', { err });
      queueMicrotask(() => this.finish(1006, 'open failed'));
      return;
    }
    this.ws = ws;
    ws.on('open', () => { if (!this.closing) this.emit('open'); });
    ws.on('message', (data: unknown) => this.onMessage(data));
    // Always listen for 'error': an unhandled one crashes the process (discord.js#7964). ws emits 'close' after it.
    ws.on('error', (err: Error) => this.log.warn('gateway.socket_error', { err }));
    ws.on('close', (code: number, reason: Buffer | string) => this.finish(code, String(reason ?? '')));
  }

  /**
   * Sends a payload. Priority frames (heartbeat, identify, resume) bypass the queue but still count
   * toward the 120/60 s hard cap; others queue once `budget.limit` sends happened in the last window.
   * Returns false if the frame was dropped (socket not open, oversize, or hard cap reached).
   */
  send(payload: GatewayPayload | { op: number; d: unknown }, opts: { priority?: boolean } = {}): boolean {
    const text = JSON.stringify(payload);
    if (Buffer.byteLength(text) > MAX_CLIENT_PAYLOAD_BYTES) {
      this.log.error('gateway.payload_too_large', { op: payload.op, bytes: Buffer.byteLength(text) });
      return false;
    }
    if (!this.isOpen) {
      this.log.debug('gateway.send_dropped', { op: payload.op, reason: 'socket not open' });
      return false;
    }
    if (opts.priority) {
      if (this.usedInWindow() >= this.budget.hardLimit) {
        this.log.error('gateway.send_hard_cap', { op: payload.op });
        return false;
      }
      this.write(text);
      return true;
    }
    if (this.queue.length === 0 && this.usedInWindow() < this.budget.limit) this.write(text);
    else { this.queue.push(text); this.scheduleDrain(); }
    return true;
  }

  /**
   * Starts the close handshake with `code` and resolves once the socket is fully closed. If the peer
   * never answers, the TCP socket is terminated after closeTimeoutMs (ws would wait 30 s).
   * After it resolves no listener remains on the underlying socket.
   */
  close(code: number, reason = ''): Promise<void> {
    if (this.closing) return this.closing;
    if (this.closedInfo) return (this.closing = Promise.resolve());
    this.closing = new Promise<void>((resolve) => { this.resolveClosed = resolve; });
    this.closeRequestedByUs = true;
    this.clearQueue();
    const ws = this.ws;
    if (!ws || ws.readyState === CLOSED) {
      this.finish(code, reason);
      return this.closing;
    }
    try {
      ws.close(code, reason);
    } catch (err) {
      this.log.debug('gateway.close_threw', { err });
      ws.terminate();
    }
    this.closeTimer = this.clock.setTimeout(() => {
      this.closeTimer = undefined;
      this.log.warn('gateway.close_timeout', { afterMs: this.closeTimeoutMs, action: 'terminate' });
      ws.terminate();
      // A broken transport might never report 'close'; do not let that wedge the shard.
      if (!this.closedInfo) this.forceTimer = this.clock.setTimeout(() => this.finish(1006, 'terminated'), 1000);
    }, this.closeTimeoutMs);
    return this.closing;
  }

  private onMessage(data: unknown): void {
    if (this.closing || this.closedInfo) return;
    let payload: GatewayPayload;
    try {
      const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8')
        : Array.isArray(data) ? Buffer.concat(data as Buffer[]).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      payload = JSON.parse(text) as GatewayPayload;
    } catch (err) {
      this.log.warn('gateway.bad_frame', { err });
      return;
    }
    if (typeof payload !== 'object' || payload === null || typeof payload.op !== 'number') {
      this.log.warn('gateway.bad_frame', { reason: 'no op' });
      return;
    }
    this.emit('payload', payload);
  }

  private finish(code: number, reason: string): void {
    if (this.closedInfo) return;
    this.closedInfo = { code, reason, byUs: this.closeRequestedByUs };
    this.clock.clearTimeout(this.closeTimer);
    this.clock.clearTimeout(this.forceTimer);
    this.clearQueue();
    if (this.ws) {
      this.ws.removeAllListeners();
      // Keep a no-op 'error' listener: a late error on a discarded socket must not crash the process.
      this.ws.on('error', () => {});
    }
    this.resolveClosed?.();
    this.emit('closed', this.closedInfo);
  }

  private usedInWindow(): number {
    const cutoff = this.clock.now() - this.budget.windowMs;
    while (this.sentAt.length > 0 && this.sentAt[0]! <= cutoff) this.sentAt.shift();
    return this.sentAt.length;
  }

  private write(text: string): void {
    this.sentAt.push(this.clock.now());
    this.sentCount++;
    this.ws!.send(text);
  }

  private scheduleDrain(): void {
    if (this.drainTimer !== undefined) return;
    this.usedInWindow();
    const oldest = this.sentAt[0];
    const waitMs = oldest === undefined ? 0 : Math.max(0, oldest + this.budget.windowMs - this.clock.now() + 1);
    this.drainTimer = this.clock.setTimeout(() => {
      this.drainTimer = undefined;
      while (this.queue.length > 0 && this.isOpen && this.usedInWindow() < this.budget.limit) this.write(this.queue.shift()!);
      if (this.queue.length > 0 && this.isOpen) this.scheduleDrain();
    }, waitMs);
  }

  private clearQueue(): void {
    if (this.queue.length > 0) this.log.debug('gateway.send_queue_dropped', { frames: this.queue.length });
    this.queue.length = 0;
    this.clock.clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
  }
}
