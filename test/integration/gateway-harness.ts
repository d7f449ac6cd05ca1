// Test helper (not a test file): a GatewayShard wired to the fake Discord over real sockets, with
// an in-memory session store, recorded dispatches/log lines, and a client-side one-socket check.
import { EventEmitter } from 'node:events';
import type { TestContext } from 'node:test';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '../../src/fake-discord/index.js';
import { RestClient } from '../../src/discord/rest/client.js';
import { getGatewayBot } from '../../src/discord/rest/api.js';
import { GatewayShard, type Dispatch, type GatewayShardOptions, type StoredSession } from '../../src/discord/gateway/shard.js';
import { IdentifyLimiter } from '../../src/discord/gateway/identify-limiter.js';
import { openWebSocket, type WebSocketLike } from '../../src/discord/gateway/connection.js';
import { systemClock } from '../../src/clock.js';
import { createLogger } from '../../src/log.js';

export interface Frame { op: number; d: any; s: number | null; t: string | null } // eslint-disable-line @typescript-eslint/no-explicit-any

/** Resolves with the first emission of `name` whose args satisfy `pred`; rejects after `ms`. */
export function waitFor<T = unknown>(em: EventEmitter, name: string, pred: (...args: any[]) => boolean = () => true, ms = 8000): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { em.off(name, on); reject(new Error(`timed out waiting for '${name}'`)); }, ms);
    const on = (...args: unknown[]) => {
      if (!pred(...args)) return;
      clearTimeout(timer); em.off(name, on); resolve(args[0] as T);
    };
    em.on(name, on);
  });
}

/** Emits 'save' (value) after each save. */
export class MemoryStore extends EventEmitter {
  value: StoredSession | undefined;
  saves: (StoredSession | undefined)[] = [];
  async load() { return this.value; }
  async save(s: StoredSession | undefined) { this.saves.push(s); this.value = s; this.emit('save', s); }
  /** Resolves once the stored seq is `seq` (now or after a later save). */
  async seqReaches(seq: number): Promise<void> {
    if (this.value?.seq === seq) return;
    await waitFor(this, 'save', (v?: StoredSession) => v?.seq === seq, 3000);
  }
}

export interface Rig {
  fake: FakeDiscord; shard: GatewayShard; store: MemoryStore; dispatches: Dispatch[]; states: string[]; logs: string[];
  /** Frames the fake received, per connection, in order. */
  frames(connIndex?: number): Frame[];
  conns(): ReturnType<FakeDiscord['gateway']['connectionLog']>;
  /** Next client→fake frame with this op (optionally matching pred). */
  nextFrame(op: number, pred?: (f: Frame) => boolean, ms?: number): Promise<Frame>;
  makeShard(over?: Partial<GatewayShardOptions>): GatewayShard;
  maxLiveSockets: number;
  sockets: WebSocketLike[];
}

export const FAST_IDENTIFY_SPACING_MS = 50;
export const FAST_TIMING = { backoffBaseMs: 50, backoffMaxMs: 400, invalidSessionMinMs: 50, invalidSessionMaxMs: 100, closeTimeoutMs: 500, stopGraceMs: 500 };

export async function rig(t: TestContext, fakeOpts: FakeDiscordOptions = {}, over: Partial<GatewayShardOptions> = {}): Promise<Rig> {
  // The shards here pace IDENTIFYs 50 ms apart (FAST_IDENTIFY_SPACING_MS); the fake enforces half
  // that, so pacing is still checked without waiting out Discord's 5 s (gateway §4.5 does that).
  const fake = await startFakeDiscord({ heartbeatIntervalMs: 250, identifyWindowMs: FAST_IDENTIFY_SPACING_MS / 2, ...fakeOpts });
  const rest = new RestClient({ baseUrl: fake.apiBase, token: fake.botToken });
  const store = new MemoryStore();
  const dispatches: Dispatch[] = [];
  const states: string[] = [];
  const logs: string[] = [];
  const shards: GatewayShard[] = [];
  const sockets: WebSocketLike[] = [];
  let live = 0;
  const r: Rig = {
    fake, store, dispatches, states, logs, sockets, maxLiveSockets: 0,
    shard: undefined as unknown as GatewayShard,
    conns: () => fake.gateway.connectionLog(),
    frames: (i = -1) => { const log = fake.gateway.connectionLog(); return (log.at(i)?.received ?? []) as Frame[]; },
    nextFrame: (op, pred = () => true, ms) => waitFor<{ frame: Frame }>(fake.events, 'gateway-frame', (e: { frame: Frame }) => e.frame.op === op && pred(e.frame), ms).then((e) => e.frame),
    makeShard: (o = {}) => {
      const log = createLogger({ level: 'debug', secrets: [fake.botToken], write: (l) => logs.push(l) });
      const shard = new GatewayShard({
        token: fake.botToken, intents: 33281, getGatewayBot: () => getGatewayBot(rest), sessionStore: store,
        onDispatch: async (d) => { dispatches.push(d); },
        log,
        identifyLimiter: new IdentifyLimiter({ clock: systemClock, spacingMs: FAST_IDENTIFY_SPACING_MS, log }),
        timing: FAST_TIMING,
        openSocket: (url) => {
          const ws = openWebSocket(url);
          sockets.push(ws);
          live++;
          r.maxLiveSockets = Math.max(r.maxLiveSockets, live);
          ws.on('close', () => { live--; });
          return ws;
        },
        ...o,
      });
      shard.on('state', (from: string, to: string) => states.push(`${from}→${to}`));
      shards.push(shard);
      return shard;
    },
  };
  t.after(async () => {
    for (const s of shards) await s.stop();
    rest.destroy();
    await fake.close();
  });
  r.shard = r.makeShard(over);
  return r;
}

/** Starts the rig's shard and waits for READY. */
export async function startReady(r: Rig): Promise<void> {
  const ready = waitFor(r.shard, 'ready');
  await r.shard.start();
  await ready;
}
