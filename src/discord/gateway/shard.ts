// Owns one shard's lifecycle: the explicit state machine, IDENTIFY/RESUME decisions, dispatch
// ordering and seq persistence, and the single teardown path that picks the next step.
// Does not touch `ws` (connection.ts), hold per-connection state or timers (attempt.ts), count
// failed resumes (session.ts) or interpret events (the worker).
import { EventEmitter } from 'node:events';
import { sleep, systemClock, type Clock, type TimerHandle } from '../../clock.js';
import { silentLogger, type Logger } from '../../log.js';
import { SerialQueue } from '../../serial-queue.js';
import { withTimeout } from '../../timeout.js';
import { ConnectionAttempt, type AttemptMode } from './attempt.js';
import { Backoff } from './backoff.js';
import { closeRule, type CloseRule } from './close-codes.js';
import type { ClosedInfo, SendBudget, WebSocketLike } from './connection.js';
import { DispatchQueue, type Dispatch, type QueuedDispatch } from './dispatch-queue.js';
import { GatewayInfoCache, type GatewayBotInfo } from './gateway-info.js';
import { IdentifyLimiter } from './identify-limiter.js';
import { GatewayOp, LocalCloseCode, gatewayConnectUrl, type GatewayPayload } from './opcodes.js';
import { identifyFrame, resumeFrame } from './payloads.js';
import { GatewaySession, type StoredSession } from './session.js';
import { resolveTiming, type GatewayTiming } from './timing.js';
import { SOCKET_STATES, isLegalTransition, type ShardState } from './shard-state.js';

export type { StoredSession } from './session.js';
export type { Dispatch } from './dispatch-queue.js';
export type { GatewayBotInfo } from './gateway-info.js';
export type { ShardState } from './shard-state.js';
export type { GatewayTiming } from './timing.js';
/** What teardown does next: reconnect and RESUME, reconnect and IDENTIFY, or stay down. */
export type Recover = 'resume' | 'identify' | 'none';

/** Where the shard keeps its session across restarts; the worker implements it on src/db/gateway-state.ts. */
export interface SessionStore { load(): Promise<StoredSession | undefined>; save(s: StoredSession | undefined): Promise<void> }

export interface GatewayShardOptions {
  token: string;
  intents: number;
  getGatewayBot: () => Promise<GatewayBotInfo>;
  sessionStore: SessionStore;
  /** Awaited, strictly in order; seq is persisted only after it resolves (crash → replay on RESUME). */
  onDispatch: (d: Dispatch) => Promise<void>;
  clock?: Clock;
  log?: Logger;
  openSocket?: (url: string) => WebSocketLike;
  identifyProperties?: { os: string; browser: string; device: string };
  largeThreshold?: number;
  shardId?: number;
  shardCount?: number;
  /** Share one between shards in a process so IDENTIFYs are paced together. */
  identifyLimiter?: IdentifyLimiter;
  timing?: GatewayTiming;
  sendBudget?: SendBudget;
}

interface TeardownOptions { code: number; recover: Recover; reason: string; delayMs?: number; fatal?: CloseRule; conflict?: { takeovers: number; windowMs: number } }

/**
 * Events: 'state' (from, to, reason), 'ready' ({sessionId, resumed: false, user}), 'resumed' ({replayed}),
 * 'heartbeatAck' ({latencyMs}), 'fatal' ({code, why}), 'closed' ({code, recover}), 'debug' (message),
 * 'attempt' ({recover, attempt}): a connection attempt begins (after its backoff delay), so a caller
 * can tell a reconnect loop that keeps trying from one that stopped; 'conflict' ({takeovers, windowMs}):
 * another client keeps resuming our session (its RESUME makes the server drop our connection), so the
 * shard stopped for good rather than take it back (timing.ts takeoverLimit).
 */
export class GatewayShard extends EventEmitter {
  private readonly opts: GatewayShardOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly timing: Required<GatewayTiming>;
  private readonly session = new GatewaySession();
  private readonly backoff: Backoff;
  private readonly limiter: IdentifyLimiter;
  private _state: ShardState = 'idle';
  private run: AbortController | undefined;
  private stopping = false;
  /** The live connection attempt; set in 'connecting' and cleared by teardown, which disposes it. */
  private current: ConnectionAttempt | undefined;
  private tearingDown: Promise<void> | undefined;
  private readonly gateway: GatewayInfoCache;
  private readonly queue: DispatchQueue;
  private persistedSeq: number | null = null;
  /** Every session save, one at a time in call order, so a late write never overwrites a newer one. */
  private readonly saves = new SerialQueue();
  /** A coalesced save waiting for its time (timing.sessionSaveMs). */
  private saveTimer: TimerHandle | undefined;
  /** The session id of the last save queued: a seq of the same session may be coalesced, a new session is saved at once. */
  private savedSessionId: string | undefined;
  /** When RESUMEd connections were dropped by the server, within takeoverWindowMs. */
  private takeovers: number[] = [];
  /** The READY user (the bot itself). */
  user: { id: string; username?: string } | undefined;

  constructor(opts: GatewayShardOptions) {
    super();
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.log ?? silentLogger).child({ shard: opts.shardId ?? 0 });
    this.timing = resolveTiming(opts.timing);
    this.backoff = new Backoff({ baseMs: this.timing.backoffBaseMs, maxMs: this.timing.backoffMaxMs, clock: this.clock });
    this.limiter = opts.identifyLimiter ?? new IdentifyLimiter({ clock: this.clock, log: this.log });
    this.gateway = new GatewayInfoCache(opts.getGatewayBot, this.clock, this.log, this.timing.gatewayInfoTtlMs);
    this.queue = new DispatchQueue(opts.onDispatch, (item) => this.markProcessed(item), this.log);
  }

  get state(): ShardState { return this._state; }
  get sessionId(): string | undefined { return this.session.sessionId; }
  /** Latest received seq (what heartbeats carry). */
  get seq(): number | null { return this.session.seq; }
  get latencyMs(): number | undefined { return this.current?.latencyMs; }

  /** Loads the stored session: RESUME on its URL if present, else /gateway/bot then IDENTIFY. */
  async start(): Promise<void> {
    if (this.run || this._state !== 'idle') throw new Error(`GatewayShard.start() in state ${this._state}`);
    this.run = new AbortController();
    this.stopping = false;
    const stored = await this.opts.sessionStore.load();
    if (stored) {
      this.session.restore(stored);
      this.persistedSeq = stored.seq;
      this.savedSessionId = stored.sessionId;
      this.log.info('gateway.session_restored', { seq: stored.seq });
    }
    this.transition('waiting', stored ? 'start with stored session' : 'start');
    void this.nextAttempt(stored ? 'resume' : 'identify', 0);
  }

  /** Closes (4200 and keeps the session when resumable, else 1000 and forgets it), clears every timer. */
  async stop(opts: { resumable?: boolean } = {}): Promise<void> {
    const resumable = opts.resumable ?? true;
    this.stopping = true;
    this.run?.abort();
    const code = resumable ? LocalCloseCode.Resumable : LocalCloseCode.Invalidate;
    if (SOCKET_STATES.includes(this._state)) await this.teardown({ code, recover: 'none', reason: 'stop' });
    else if (this.tearingDown) await this.tearingDown;
    if (this._state === 'waiting') this.transition('idle', 'stop');
    // Let the handler finish the event in hand; queued ones are replayed by the next RESUME.
    this.queue.clear();
    await this.bounded(this.queue.idle, this.timing.stopGraceMs);
    this.clock.clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (resumable) {
      const stored = this.session.toStored(this.persistedSeq);
      if (stored) this.save(stored);
    } else {
      this.session.clear();
      this.persistedSeq = null;
      this.save(undefined);
    }
    await this.bounded(this.saves.idle, this.timing.stopGraceMs);
    this.run = undefined;
  }

  /** An application frame (presence etc.); goes through the 115/60 s budget. */
  send(op: number, d: unknown): boolean {
    return this.current?.send({ op, d }) ?? false;
  }

  private transition(to: ShardState, reason: string): void {
    const from = this._state;
    if (!isLegalTransition(from, to)) throw new Error(`illegal gateway state change ${from}→${to} (${reason})`);
    this._state = to;
    this.log.info('gateway.state', { change: `${from}→${to}`, reason });
    this.emit('state', from, to, reason);
  }

  /** Runs in 'waiting': sleeps, paces IDENTIFY, then opens exactly one socket. */
  private async nextAttempt(recover: AttemptMode, delayMs: number): Promise<void> {
    const signal = this.run?.signal;
    if (!signal) return;
    try {
      if (delayMs > 0) await sleep(delayMs, this.clock, signal);
      this.emit('attempt', { recover, attempt: this.backoff.attempts });
      let mode = recover;
      let url: string;
      if (mode === 'resume' && this.session.canResume()) url = await this.resumeUrl();
      else { mode = 'identify'; url = await this.prepareIdentify(signal); }
      if (signal.aborted || this._state !== 'waiting') return;
      this.connect(mode, url);
    } catch (err) {
      if (signal.aborted || this._state !== 'waiting') return;
      const retryMs = this.backoff.next();
      this.log.warn('gateway.attempt_failed', { err, retryMs });
      void this.nextAttempt(recover, retryMs);
    }
  }

  /** resume_gateway_url, unless it keeps refusing connections: then the /gateway/bot URL. */
  private async resumeUrl(): Promise<string> {
    if (!this.session.resumeUrlSuspect) return this.session.resumeUrl!;
    const url = (await this.gateway.get()).url;
    this.log.warn('gateway.resume_url_unreachable', { attempts: this.session.consecutiveUnreachableResumes, fallback: 'gateway/bot url' });
    return url;
  }

  private async prepareIdentify(signal: AbortSignal): Promise<string> {
    for (;;) {
      const info = await this.gateway.get();
      signal.throwIfAborted();
      const verdict = await this.limiter.acquire(info.session_start_limit, this.opts.shardId ?? 0, signal);
      if (verdict === 'go') return info.url;
      this.gateway.invalidate(); // quota reset: fetch fresh numbers before identifying
    }
  }

  /** Starts a new attempt; its handlers run only until teardown disposes it, so none needs a "still current?" check. */
  private connect(mode: AttemptMode, url: string): void {
    this.transition('connecting', mode);
    const recoverAfter = (reason: string) => () => {
      void this.teardown({ code: LocalCloseCode.Resumable, recover: this.session.reconnectAs(), reason });
    };
    this.current = new ConnectionAttempt({
      mode, url: gatewayConnectUrl(url), clock: this.clock, log: this.log, openSocket: this.opts.openSocket,
      closeTimeoutMs: this.timing.closeTimeoutMs, helloTimeoutMs: this.timing.helloTimeoutMs,
      budget: this.opts.sendBudget, seq: () => this.session.seq,
    }, {
      opened: () => { this.emit('debug', `socket open ${mode}`); },
      payload: (a, p) => this.onPayload(a, p),
      closed: (info) => this.onSocketClosed(info),
      helloTimeout: recoverAfter('hello timeout'),
      zombie: recoverAfter('zombie: heartbeat not acked'),
      heartbeatAck: (latencyMs) => { this.emit('heartbeatAck', { latencyMs }); },
    });
    this.current.open();
  }

  private onPayload(a: ConnectionAttempt, p: GatewayPayload): void {
    switch (p.op) {
      case GatewayOp.Hello: return this.onHello(a, p.d);
      case GatewayOp.HeartbeatAck: a.heartbeatAcked(); return;
      case GatewayOp.Heartbeat: a.heartbeatRequested(); return;
      case GatewayOp.Reconnect:
        this.log.info('gateway.reconnect_requested');
        void this.teardown({ code: LocalCloseCode.Resumable, recover: this.session.reconnectAs(), reason: 'op 7 reconnect' });
        return;
      case GatewayOp.InvalidSession: return this.onInvalidSession(p.d === true);
      case GatewayOp.Dispatch: return this.onDispatchFrame(a, p);
      default: this.log.debug('gateway.unknown_op', { op: p.op });
    }
  }

  private onHello(a: ConnectionAttempt, d: { heartbeat_interval?: unknown } | null): void {
    if (this._state !== 'connecting' || a.helloSeen) { this.log.warn('gateway.unexpected_hello', { state: this._state }); return; }
    const intervalMs = Number(d?.heartbeat_interval);
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
      void this.teardown({ code: LocalCloseCode.Resumable, recover: this.session.reconnectAs(), reason: 'bad hello' });
      return;
    }
    a.startHeartbeat(intervalMs);
    if (a.mode === 'resume') {
      if (!this.session.canResume()) {
        void this.teardown({ code: LocalCloseCode.Resumable, recover: 'identify', reason: 'session lost while connecting' });
        return;
      }
      this.transition('resuming', 'hello');
      this.log.info('gateway.resume', { seq: this.session.seq });
      a.send(resumeFrame(this.opts.token, this.session.sessionId!, this.session.seq), { priority: true });
    } else {
      this.transition('identifying', 'hello');
      this.log.info('gateway.identify', { intents: this.opts.intents });
      const o = this.opts;
      const shard: [number, number] | undefined = o.shardCount !== undefined ? [o.shardId ?? 0, o.shardCount] : undefined;
      a.send(identifyFrame({ token: o.token, intents: o.intents, properties: o.identifyProperties, largeThreshold: o.largeThreshold, shard }), { priority: true });
    }
  }

  private onInvalidSession(resumable: boolean): void {
    const { invalidSessionMinMs: min, invalidSessionMaxMs: max } = this.timing;
    const delayMs = Math.floor(min + (max - min) * this.clock.random());
    if (resumable && this.session.sessionId !== undefined) {
      this.log.warn('gateway.invalid_session', { resumable, delayMs });
      void this.teardown({ code: LocalCloseCode.Resumable, recover: 'resume', reason: 'op 9 resumable', delayMs });
      return;
    }
    this.log.warn('gateway.invalid_session', { resumable, delayMs });
    this.forgetSession();
    void this.teardown({ code: LocalCloseCode.Invalidate, recover: 'identify', reason: 'op 9 not resumable', delayMs });
  }

  private onDispatchFrame(a: ConnectionAttempt, p: GatewayPayload): void {
    this.session.observe(p.s);
    const t = p.t ?? '';
    if (t === 'READY') {
      const d = p.d as { session_id: string; resume_gateway_url: string; user: { id: string; username?: string } };
      this.session.startNew(d.session_id, d.resume_gateway_url, p.s);
      this.persistedSeq = null;
      this.user = d.user;
      this.backoff.reset();
      if (this._state === 'identifying' || this._state === 'resuming') this.transition('ready', 'READY');
      this.log.info('gateway.ready', { userId: d.user?.id });
      this.emit('ready', { sessionId: d.session_id, resumed: false, user: d.user });
    } else if (t === 'RESUMED') {
      this.session.resumed();
      a.noteResumed();
      this.backoff.reset();
      if (this._state === 'resuming') this.transition('ready', 'RESUMED');
      this.log.info('gateway.resumed', { replayed: a.replayed, seq: this.session.seq });
      this.emit('resumed', { replayed: a.replayed });
    } else if (this._state === 'resuming') {
      a.noteReplayed();
    }
    this.queue.push({ t, s: p.s ?? this.session.seq ?? 0, d: p.d, sessionId: this.session.sessionId });
  }

  /** Persist seq after the handler ran, only for the current session and only forward. */
  private markProcessed(item: QueuedDispatch): void {
    if (item.sessionId === undefined || item.sessionId !== this.session.sessionId) return;
    if (this.persistedSeq !== null && item.s <= this.persistedSeq) return;
    this.persistedSeq = item.s;
    const stored = this.session.toStored(item.s);
    if (!stored) return;
    if (this.timing.sessionSaveMs <= 0 || stored.sessionId !== this.savedSessionId) { this.save(stored); return; }
    // Coalesced: the save, when its time comes, carries the last seq processed by then.
    this.saveTimer ??= this.clock.setTimeout(() => {
      this.saveTimer = undefined;
      const latest = this.session.toStored(this.persistedSeq);
      if (latest && !this.stopping) this.save(latest);
    }, this.timing.sessionSaveMs);
  }

  /** Queues a save now; it supersedes a coalesced one still waiting. */
  private save(s: StoredSession | undefined): void {
    this.clock.clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.savedSessionId = s?.sessionId;
    const store = this.opts.sessionStore;
    void this.saves.add(() => store.save(s)).catch((err: unknown) => {
      this.log.warn('gateway.session_save_failed', { err });
    });
  }

  private forgetSession(): void {
    this.session.clear();
    this.persistedSeq = null;
    this.save(undefined);
  }

  private onSocketClosed(info: ClosedInfo): void {
    const rule = closeRule(info.code);
    const fields = { code: info.code, action: rule.action, why: rule.why, reason: info.reason || undefined };
    if (rule.action === 'fatal') {
      this.log.error('gateway.fatal_close', fields);
      void this.teardown({ code: info.code, recover: 'none', reason: `close ${info.code}`, fatal: rule });
      return;
    }
    if (rule.bug) this.log.error('gateway.closed_by_server', fields);
    else this.log.warn('gateway.closed_by_server', fields);
    if (rule.action === 'resume' && this.current?.resumed && this.noteTakeover()) {
      const { takeoverLimit: n, takeoverWindowMs: windowMs } = this.timing;
      void this.teardown({ code: info.code, recover: 'none', reason: `session taken over ${n} times in ${windowMs} ms`, conflict: { takeovers: n, windowMs } });
      return;
    }
    if (rule.action === 'reconnect') this.forgetSession();
    const recover = rule.action === 'reconnect' ? 'identify' : this.session.reconnectAs();
    void this.teardown({ code: info.code, recover, reason: `close ${info.code}`, delayMs: rule.minDelayMs });
  }

  /**
   * A RESUMEd connection was dropped by the server: counts it, true once takeoverLimit such drops
   * fell within takeoverWindowMs. One successful RESUME followed by a drop is an ordinary network
   * blip; a steady rhythm of them is another client resuming the same session (two installations
   * on one bot token, e.g. a restored backup): each RESUME moves the session to the newer
   * connection and the server closes the older one, so both would take it back forever.
   */
  private noteTakeover(): boolean {
    const now = this.clock.now();
    this.takeovers = this.takeovers.filter((t) => now - t < this.timing.takeoverWindowMs);
    this.takeovers.push(now);
    this.log.info('gateway.resumed_connection_dropped', { within_window: this.takeovers.length, limit: this.timing.takeoverLimit });
    return this.takeovers.length >= this.timing.takeoverLimit;
  }

  /** The only place that disposes a connection attempt (its socket and timers) and decides what happens next. */
  private teardown(o: TeardownOptions): Promise<void> {
    if (this.tearingDown) return this.tearingDown;
    if (!SOCKET_STATES.includes(this._state)) return Promise.resolve();
    this.tearingDown = this.runTeardown(o).finally(() => { this.tearingDown = undefined; });
    return this.tearingDown;
  }

  private async runTeardown(o: TeardownOptions): Promise<void> {
    this.transition('closing', o.reason);
    const attempt = this.current;
    this.current = undefined;
    if (attempt?.mode === 'resume') {
      const outcome = this.session.resumeAttemptEnded(attempt);
      if (outcome === 'given-up') {
        this.log.warn('gateway.resume_given_up', { reason: o.reason });
        this.forgetSession();
      } else if (outcome === 'failed') {
        this.log.info('gateway.resume_failed', { consecutive: this.session.consecutiveFailedResumes, reason: o.reason });
      }
    }
    if (attempt) await attempt.dispose(o.code, o.reason);
    const recover: Recover = this.stopping ? 'none' : o.recover;
    this.emit('closed', { code: o.code, recover });
    if (recover === 'none') {
      this.transition('idle', o.reason);
      if (o.fatal) {
        this.run?.abort();
        this.run = undefined;
        this.forgetSession();
        this.emit('fatal', { code: o.code, why: o.fatal.why });
      } else if (o.conflict) {
        // Stay down: resuming again would only take the session back from the other client.
        this.run?.abort();
        this.run = undefined;
        this.emit('conflict', o.conflict);
      }
      return;
    }
    this.transition('waiting', o.reason);
    const delayMs = Math.max(this.backoff.next(), o.delayMs ?? 0);
    this.log.info('gateway.reconnect_scheduled', { recover, delayMs, attempt: this.backoff.attempts });
    void this.nextAttempt(recover, delayMs);
  }

  /** Waits for `p` to settle, but no longer than `ms`: stop() finishes either way. */
  private async bounded(p: Promise<unknown>, ms: number): Promise<void> {
    await withTimeout(p.catch(() => undefined), ms, this.clock);
  }
}
