// Test helper (not a test file): a scripted WebSocketLike and a GatewayShard harness on a
// ManualClock, so shard behaviour can be driven frame by frame without a network.
import { EventEmitter } from 'node:events';
import { GatewayShard, type Dispatch, type GatewayShardOptions, type StoredSession } from '../../src/discord/gateway/shard.js';
import type { WebSocketLike } from '../../src/discord/gateway/connection.js';
import { silentLogger } from '../../src/log.js';
import { ManualClock } from '../helpers/clock.js';

export class ScriptedSocket extends EventEmitter implements WebSocketLike {
  readyState = 0;
  readonly sent: { op: number; d: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly closeCalls: number[] = [];
  terminated = false;
  /** When false, close() sends nothing back (a peer that never finishes the handshake). */
  echoClose = true;
  constructor(readonly url: string) { super(); }
  send(data: string): void { this.sent.push(JSON.parse(data)); }
  close(code?: number): void {
    this.closeCalls.push(code ?? 1005);
    if (this.readyState === 3) return;
    this.readyState = 2;
    if (this.echoClose) queueMicrotask(() => this.serverClose(code ?? 1005));
  }
  terminate(): void { this.terminated = true; this.serverClose(1006); }
  // ---- driven by tests ----
  accept(): void { this.readyState = 1; this.emit('open'); }
  deliver(op: number, d: unknown = null, s: number | null = null, t: string | null = null): void {
    this.emit('message', Buffer.from(JSON.stringify({ op, d, s, t })));
  }
  hello(intervalMs = 1000): void { this.accept(); this.deliver(10, { heartbeat_interval: intervalMs }); }
  serverClose(code: number): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close', code, Buffer.from(''));
  }
  ops(): number[] { return this.sent.map((f) => f.op); }
}

export const GATEWAY_URL = 'wss://gateway.test';
export const RESUME_URL = 'wss://resume.test';

export function shardHarness(over: Partial<GatewayShardOptions> & { stored?: StoredSession } = {}) {
  const clock = new ManualClock();
  const sockets: ScriptedSocket[] = [];
  const saved: (StoredSession | undefined)[] = [];
  const dispatches: Dispatch[] = [];
  const states: string[] = [];
  let stored = over.stored;
  let gatewayBotCalls = 0;
  const shard = new GatewayShard({
    token: 'test-token', intents: 33281,
    getGatewayBot: async () => { gatewayBotCalls++; return { url: GATEWAY_URL, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 1000, max_concurrency: 1 } }; },
    sessionStore: { load: async () => stored, save: async (s) => { saved.push(s); stored = s; } },
    onDispatch: async (d) => { dispatches.push(d); },
    clock, log: silentLogger,
    openSocket: (url) => { const s = new ScriptedSocket(url); sockets.push(s); return s; },
    ...over,
  });
  shard.on('state', (from: string, to: string) => states.push(`${from}→${to}`));
  const last = () => sockets[sockets.length - 1]!;
  return {
    clock, sockets, saved, dispatches, states, shard, last,
    get stored() { return stored; },
    get gatewayBotCalls() { return gatewayBotCalls; },
    /** Let promise continuations (store, REST, dispatch queue) run. */
    flush: () => clock.tick(0),
    /** Flush, then move time forward (timers registered by pending continuations are included). */
    step: async (ms: number) => { await clock.tick(0); await clock.tick(ms); },
    /** Delivers READY on the current socket. */
    ready: (s = 1, sessionId = 'sess-1') => last().deliver(0, { session_id: sessionId, resume_gateway_url: RESUME_URL, user: { id: '42', username: 'bot' } }, s, 'READY'),
  };
}
