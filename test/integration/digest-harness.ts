// Shared fixture for the digest tests: a test DB + the fake Discord, the digest run either in this
// process (run(): src/digest/main.ts, what the bin runs, given the env and capturing its output) or
// as the real `node <compiled tree>/bin/digest.js` child (start(), runProcess(): for exit codes of
// the process itself, signals, crashes), launch seeding, log parsing, and a way to notice
// (synchronously, in the fake) the moment a given request arrives. Not a test file itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import type { TestContext } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from '../../src/fake-discord/index.js';
import { insertLaunch, launchesBetween } from '../../src/db/launches.js';
import { buildDigest } from '../../src/digest/build.js';
import { toDigestLaunch } from '../../src/digest/run.js';
import { digestMain } from '../../src/digest/main.js';
import type { DigestWindow } from '../../src/digest/window.js';
import { binArgs } from '../helpers/bin.js';
import { REPO } from '../helpers/repo.js';

export { REPO };

/** Monday 30 Nov 2026 (ISO W49), 09:00:30 UTC: the timer's run for [23 Nov 09:00, 30 Nov 09:00). */
export const ON_TIME = '2026-11-30T09:00:30Z';
export const WINDOW: DigestWindow = { start: new Date('2026-11-23T09:00:00Z'), end: new Date('2026-11-30T09:00:00Z'), isoWeek: '2026-W49' };
export const USERS = ['100000000000000001', '100000000000000002', '100000000000000003', '100000000000000004'];

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Spawn to exit, ms. */
  ms: number;
  /** Parsed log lines: event name plus key=value fields. */
  events: { event: string; fields: Record<string, string> }[];
}

export interface DigestProc { child: ChildProcess; done: Promise<ProcResult>; onEvent(event: string, fn: (f: Record<string, string>) => void): void }

export function parseLine(line: string): { event: string; fields: Record<string, string> } | undefined {
  const m = /^(?:<\d>)?(\S+)(.*)$/.exec(line.trim());
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  const re = /(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (let f = re.exec(m[2]!); f; f = re.exec(m[2]!)) fields[f[1]!] = f[2]!.startsWith('"') ? JSON.parse(f[2]!) as string : f[2]!;
  return { event: m[1]!, fields };
}

export class DigestEnv {
  private seeded = 0;
  constructor(readonly db: TestDatabase, readonly fake: FakeDiscord) {}

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'test',
      DATABASE_URL: this.db.url,
      DISCORD_BOT_TOKEN: this.fake.botToken,
      DISCORD_API_BASE: this.fake.apiBase,
      ANNOUNCEMENTS_CHANNEL_ID: this.fake.channels.announcements,
      DISCORD_REST_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'info',
      // Present but empty, so a developer's .env cannot switch these on under the test.
      LLM_API_URL: '', LLM_MODEL: '', DIGEST_QUIET_WEEK: 'false',
      ...extra,
    };
  }

  /** Starts the real bin as a child. Lines are parsed as they arrive so tests can react to them. */
  start(args: string[], extraEnv: Record<string, string> = {}): DigestProc {
    const t0 = Date.now();
    const child = spawn(process.execPath, binArgs('digest', ...args), { cwd: REPO, env: this.env(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const events: ProcResult['events'] = [];
    const listeners: { event: string; fn: (f: Record<string, string>) => void }[] = [];
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const e = parseLine(line);
        if (!e) continue;
        events.push(e);
        for (const l of listeners) if (l.event === e.event) l.fn(e.fields);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const done = new Promise<ProcResult>((resolve) => {
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - t0, events }));
    });
    return { child, done, onEvent: (event, fn) => listeners.push({ event, fn }) };
  }

  /** The bin's run in this process (src/digest/main.ts), with its output and exit code as the child's would be. */
  async run(args: string[], extraEnv: Record<string, string> = {}): Promise<ProcResult> {
    const t0 = Date.now();
    let stdout = '';
    let stderr = '';
    const code = await digestMain(args, {
      env: this.env(extraEnv),
      stdout: (text) => { stdout += text; },
      stderr: (text) => { stderr += text; },
      onSignal: () => () => {},
    });
    const events = stdout.split('\n').map(parseLine).filter((e) => e !== undefined);
    return { code, signal: null, stdout, stderr, ms: Date.now() - t0, events };
  }

  /** The real bin as a child process, to its exit: for what only a process shows (exit by itself, signals). */
  runProcess(args: string[], extraEnv: Record<string, string> = {}): Promise<ProcResult> {
    return this.start(args, extraEnv).done;
  }

  /** Successful message creates to the announcements channel, in arrival order. */
  posts(): RecordedRequest[] {
    return this.fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${this.fake.channels.announcements}/messages`);
  }

  bodies(): { content: string; nonce: string; enforce_nonce: boolean; allowed_mentions: unknown; flags: number }[] {
    return this.posts().filter((r) => r.status === 200).map((r) => r.body as never);
  }

  /** `n` launches spread over the window; message ids continue across calls, so seeds never collide. */
  async seed(n: number, opts: { window?: DigestWindow; text?: (i: number) => string } = {}): Promise<void> {
    const first = this.seeded;
    this.seeded += n;
    const w = opts.window ?? WINDOW;
    const span = w.end.getTime() - w.start.getTime();
    for (let i = 0; i < n; i++) {
      await insertLaunch(this.db.pool, {
        source: 'channel', guildId: this.fake.guildId, channelId: this.fake.channels.shipped,
        userId: USERS[i % USERS.length]!, userName: `maker${i % USERS.length}`,
        content: opts.text?.(i) ?? `Launched product number ${i} today: a tool that does one thing well, with a long enough description to fill the line nicely https://p${i}.example.com`,
        urls: [`https://p${i}.example.com`],
        messageId: String(1_300_000_000_000_000_000n + BigInt(first + i)),
        createdAt: new Date(w.start.getTime() + Math.floor((span * (i + 0.5)) / n)),
      });
    }
  }

  /** What the builder makes of the DB's launches: the exact texts the process must post. */
  async expectedParts(window: DigestWindow = WINDOW, opts: { theme?: string; quietWeek?: boolean } = {}): Promise<string[]> {
    const rows = await launchesBetween(this.db.pool, window.start, window.end);
    return buildDigest(rows.map(toDigestLaunch), window, opts).parts;
  }

  async digestRow(window: DigestWindow = WINDOW): Promise<Record<string, unknown> | undefined> {
    const { rows } = await this.db.pool.query(
      `SELECT status, launch_count, claimed_by, lease_until, iso_week FROM digests WHERE window_start = $1`, [window.start]);
    return rows[0];
  }

  async partRows(window: DigestWindow = WINDOW): Promise<{ part_no: number; nonce: string; message_id: string | null }[]> {
    const { rows } = await this.db.pool.query(
      'SELECT part_no, nonce, message_id::text FROM digest_parts WHERE window_start = $1 ORDER BY part_no', [window.start]);
    return rows;
  }

  /** Simulates the lease running out (a SIGKILLed run never renews it): the next run may take over. */
  async expireLease(window: DigestWindow = WINDOW): Promise<void> {
    await this.db.pool.query(`UPDATE digests SET lease_until = now() - interval '1 second' WHERE window_start = $1`, [window.start]);
  }

  async reset(): Promise<void> {
    await this.db.pool.query('TRUNCATE digest_parts, digests, launches, bot_token_checks');
  }
}

/** One DB for the file (PGlite start-up is the slow part); a fresh fake Discord per test. */
export async function openDb(): Promise<TestDatabase> {
  return createTestDatabase();
}

export async function digestEnv(t: TestContext, db: TestDatabase): Promise<DigestEnv> {
  const fake = await startFakeDiscord();
  t.after(() => fake.close());
  const env = new DigestEnv(db, fake);
  await env.reset();
  return env;
}

/**
 * A path pattern for fake.rest.script whose test() also tells us, synchronously inside the fake,
 * that the request has arrived (the fake's 'request' event fires only after its scripted delay).
 * Matches only the `nth` .. `nth + count - 1` (1-based) requests to exactly `path` from now on.
 */
export function arrivalTripwire(path: string, nth: number, onArrive: () => void = () => {}, count = 1): RegExp {
  let seen = 0;
  const exact = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return new (class extends RegExp {
    override test(s: string): boolean {
      if (!exact.test(s)) return false; // the full /api/v10 path is tried too; count only the sub-path
      seen++;
      if (seen < nth || seen >= nth + count) return false;
      onArrive();
      return true;
    }
  })(exact.source);
}

export function messagesPath(env: DigestEnv): string {
  return `/channels/${env.fake.channels.announcements}/messages`;
}

export interface FakeLlm { url: string; requests: { headers: IncomingHttpHeaders; body: unknown }[]; events: EventEmitter; close(): Promise<void> }

/** An OpenAI-compatible chat-completions stand-in on 127.0.0.1; `handle` decides each answer. */
export async function startFakeLlm(t: TestContext, handle: (res: ServerResponse, n: number) => void): Promise<FakeLlm> {
  const requests: FakeLlm['requests'] = [];
  const events = new EventEmitter();
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8').on('data', (c: string) => { raw += c; }).on('end', () => {
      requests.push({ headers: req.headers, body: JSON.parse(raw) as unknown });
      handle(res, requests.length);
      events.emit('request', requests.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = async () => { server.closeAllConnections(); await new Promise<void>((r) => server.close(() => r())); };
  t.after(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`, requests, events, close };
}

export function completion(content: string): string {
  return JSON.stringify({ id: 'c1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
}

export function nonceFor(window: DigestWindow, n: number): string {
  return `dg${Math.floor(window.start.getTime() / 1000).toString(36)}p${n}`;
}

export function eventsNamed(r: ProcResult, name: string): Record<string, string>[] {
  return r.events.filter((e) => e.event === name).map((e) => e.fields);
}

/** `p`, or a clear failure after `ms` (a broken build must fail the test, not hang it). */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `nonce:status` of each recorded message POST, for asserting exactly what Discord received. */
export const nonces = (rs: RecordedRequest[]) => rs.map((r) => `${(r.body as { nonce: string }).nonce}:${r.status}`);
/** The nonce of part `n` of the test window. */
export const partNonceOf = (n: number) => nonceFor(WINDOW, n);

/**
 * Starts a run that is SIGKILLed the moment its POST of part `part` reaches the fake; the fake then
 * answers that POST with `reply` (to a dead socket), after `delayMs`. With `passThrough`, Discord
 * (the fake) stores the message although the run never learns its id.
 */
export function startKilledAtPart(env: DigestEnv, part: number, reply: { status: number; passThrough?: boolean; delayMs?: number },
  args: string[], extraEnv: Record<string, string> = {}): DigestProc {
  let proc: DigestProc | undefined;
  env.fake.rest.script({ method: 'POST', path: arrivalTripwire(messagesPath(env), part, () => proc!.child.kill('SIGKILL')), delayMs: 200, ...reply });
  proc = env.start(args, extraEnv);
  return proc;
}
