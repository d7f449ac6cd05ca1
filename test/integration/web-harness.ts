// Test harness for the interactions web service: starts the real server in-process on
// 127.0.0.1:0 against a test database, signs requests as tweetnacl (an independent Ed25519
// implementation) does (see sign()) and speaks raw HTTP so headers and bodies can be anything.
import http from 'node:http';
import net from 'node:net';
import { createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import type { Clock } from '../../src/clock.js';
import { systemClock } from '../../src/clock.js';
import type { Queryable } from '../../src/db/pool.js';
import { dateToSnowflake } from '../../src/discord/snowflake.js';
import { createLogger } from '../../src/log.js';
import { commandHandlers } from '../../src/commands/index.js';
import type { Reactions } from '../../src/commands/command.js';
import { isTransientDbError } from '../../src/db/transient.js';
import { schemaReadiness } from '../../src/db/migrate.js';
import { createRouter, type EditOriginal, type Router } from '../../src/discord/interactions/router.js';
import { createInteractionServer, INTERACTIONS_PATH, type InteractionServer, type ServerOptions } from '../../src/discord/interactions/server.js';
import { createVerifier, publicKeyFromHex } from '../../src/discord/interactions/verify.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

export const APP_ID = '1300000000000000001';
export const GUILD_ID = '1200000000000000002';
export const CHANNEL_ID = '1210000000000000003';
export const USER_ID = '1100000000000000004';

export interface WebOptions {
  db: Queryable;
  clock?: Clock;
  deferMs?: number;
  editOriginal?: EditOriginal;
  /** Defaults to a fresh key pair generated here. */
  keys?: { publicKeyHex: string; secretKey?: Uint8Array };
  applicationId?: string;
  /** The community's server (DISCORD_GUILD_ID); commands from any other are refused. Defaults to GUILD_ID, the server of commandPayload(). */
  guildId?: string;
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Called with every log line as it is written (wait for an event instead of polling `logs`). */
  onLog?: (line: string) => void;
  /** What /healthz reports as the version (default '0.1.0-test'). */
  version?: string;
  /** The bot's own 🚀 (/unship and the message commands); absent as in a web service without a bot token. */
  reactions?: Reactions;
  /** How long autocomplete may take before an empty answer (router.ts AUTOCOMPLETE_MS by default). */
  autocompleteMs?: number;
  /** The server's resource bounds (docs/interactions.md §1.5); defaults as in production. */
  limits?: Pick<ServerOptions, 'maxConnections' | 'maxBodyMemoryBytes' | 'maxPipelined' | 'socketTimeoutMs' | 'healthTimeoutMs'>;
  /** The newest migration the release under test has: /healthz then checks the schema, as the bin's does. */
  schemaVersion?: number;
  /** The server's extraRoutes (the public site, src/site/routes.ts, as the bin passes it with PUBLIC_SITE on). */
  extraRoutes?: ServerOptions['extraRoutes'];
  /** PUBLIC_SITE_URL as the commands see it (`/site` links to the member's page). */
  publicSiteUrl?: string;
}

export interface Web {
  readonly base: string;
  readonly url: string;
  readonly server: InteractionServer;
  readonly router: Router;
  readonly logs: string[];
  readonly secretKey: Uint8Array;
  readonly publicKeyHex: string;
  readonly clock: Clock;
  close(): Promise<void>;
}

export async function startWeb(o: WebOptions): Promise<Web> {
  const pair = o.keys ? undefined : nacl.sign.keyPair();
  const publicKeyHex = o.keys?.publicKeyHex ?? Buffer.from(pair!.publicKey).toString('hex');
  // With only a public key (the fake Discord's), requests must come from its own signer.
  const secretKey = o.keys?.secretKey ?? pair?.secretKey ?? new Uint8Array(64);
  const clock = o.clock ?? systemClock;
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', write: (line) => { logs.push(line); o.onLog?.(line); } });
  const router = createRouter({
    clock, log, applicationId: o.applicationId ?? APP_ID, deferMs: o.deferMs ?? 1500,
    editOriginal: o.editOriginal ?? (async () => { throw new Error('no follow-up expected in this test'); }),
    commands: commandHandlers({ db: o.db, clock, log, guildId: o.guildId ?? GUILD_ID, reactions: o.reactions, publicSiteUrl: o.publicSiteUrl }), retryable: isTransientDbError,
    ...(o.autocompleteMs !== undefined ? { autocompleteMs: o.autocompleteMs } : {}),
  });
  const server = createInteractionServer({
    verifier: createVerifier(publicKeyFromHex(publicKeyHex), { clock }), router, db: o.db, clock, log, version: o.version ?? '0.1.0-test',
    ...(o.requestTimeoutMs ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
    ...(o.headersTimeoutMs ? { headersTimeoutMs: o.headersTimeoutMs } : {}),
    ...o.limits,
    ...(o.schemaVersion !== undefined ? { readiness: schemaReadiness(o.db, o.schemaVersion) } : {}),
    ...(o.extraRoutes ? { extraRoutes: o.extraRoutes } : {}),
  });
  const addr = await server.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${addr.port}`;
  return { base, url: base + INTERACTIONS_PATH, server, router, logs, secretKey, publicKeyHex, clock, close: () => server.close(2000) };
}

let seq = 0n;
/** A fresh snowflake at the clock's time (unique within the process). */
export function newId(clock: Clock = systemClock): string {
  return (BigInt(dateToSnowflake(new Date(clock.now()))) + (seq++ % 4000n)).toString();
}

/**
 * The signature Discord would send: Ed25519 over timestamp + body with the application's key.
 * tweetnacl (pure JavaScript, independent of the node:crypto code the server verifies with) is the
 * reference signer, but costs about 15 ms a signature here, and the storm and burst tests sign
 * thousands. Ed25519 signatures are deterministic (RFC 8032 section 5.1.6: the same key and message give
 * the same bytes), so most are made with node:crypto from the same 32-byte seed, and tweetnacl
 * re-signs the first few of every key and then one in 16: any difference throws. The server
 * therefore only ever sees signatures that tweetnacl would have made.
 */
export function sign(secretKey: Uint8Array, timestamp: string, body: string | Buffer): string {
  const msg = Buffer.concat([Buffer.from(timestamp, 'utf8'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')]);
  let signer = signers.get(secretKey);
  if (!signer) signers.set(secretKey, signer = { key: privateKeyFromSeed(secretKey), count: 0 });
  // Not a key pair tweetnacl made (a test's deliberately bogus key): tweetnacl signs every message.
  if (!signer.key) return Buffer.from(nacl.sign.detached(msg, secretKey)).toString('hex');
  const fast = cryptoSign(null, msg, signer.key);
  if (signer.count++ < 4 || signer.count % 16 === 0) {
    const reference = Buffer.from(nacl.sign.detached(msg, secretKey));
    if (!reference.equals(fast)) throw new Error('node:crypto and tweetnacl signatures differ for the same key and message');
  }
  return fast.toString('hex');
}

const signers = new WeakMap<Uint8Array, { key: KeyObject | undefined; count: number }>();
/**
 * node:crypto's key for a tweetnacl secret key (seed ‖ public key): PKCS #8 for Ed25519 (RFC 8410
 * section 7) is a fixed 16-byte prefix, then the 32-byte seed. Undefined when the second half is not the
 * public key of the seed, since tweetnacl signs with the half it is given.
 */
function privateKeyFromSeed(secretKey: Uint8Array): KeyObject | undefined {
  const seed = secretKey.subarray(0, 32);
  if (secretKey.length !== 64 || !Buffer.from(nacl.sign.keyPair.fromSeed(seed).secretKey).equals(secretKey)) return undefined;
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

export function nowSec(clock: Clock = systemClock): string {
  return String(Math.floor(clock.now() / 1000));
}

export interface CommandSpec {
  name: string;
  options?: { name: string; type: number; value: unknown }[];
  id?: string;
  dm?: boolean;
  userId?: string;
  username?: string;
  resolved?: unknown;
  token?: string;
  applicationId?: string;
}

/** A guild-shaped (or DM-shaped) APPLICATION_COMMAND payload like docs/interactions.md §2.1. */
export function commandPayload(spec: CommandSpec, clock: Clock = systemClock): Record<string, unknown> {
  const id = spec.id ?? newId(clock);
  const user = { id: spec.userId ?? USER_ID, username: spec.username ?? 'maker', global_name: 'Maker', avatar: null };
  const data = { id: '1320000000000000000', name: spec.name, type: 1, ...(spec.options ? { options: spec.options } : {}), ...(spec.resolved ? { resolved: spec.resolved } : {}) };
  const base = {
    id, application_id: spec.applicationId ?? APP_ID, type: 2, version: 1, token: spec.token ?? `aW50ZXJhY3Rpb246${id}SECRETtoken${'x'.repeat(40)}`,
    locale: 'en-GB', entitlements: [], app_permissions: '562949953601536', data,
  };
  if (spec.dm) return { ...base, channel_id: '1400000000000000000', channel: { id: '1400000000000000000', type: 1 }, user, context: 1, authorizing_integration_owners: { 0: '0' } };
  return {
    ...base, guild_id: GUILD_ID, guild_locale: 'en-US', channel_id: CHANNEL_ID, channel: { id: CHANNEL_ID, type: 0, name: 'launches' },
    member: { user, roles: [], permissions: '2248473465835073', joined_at: '2024-01-01T00:00:00.000000+00:00', nick: null },
    context: 0, authorizing_integration_owners: { 0: GUILD_ID },
  };
}

export interface HttpReply { status: number; headers: http.IncomingHttpHeaders; text: string; json: unknown; ms: number }

// Idle keep-alive sockets are dropped after 2 s, before the server's 5 s keep-alive timeout. Without
// a `timeout` Node's agent ignores the server's `Keep-Alive: timeout=5` hint and may reuse a socket
// the server is closing at that moment: the request meets a reset (ECONNRESET), HTTP/1.1's
// keep-alive race, a client matter. Seen under load in web-endpoint's 200-request case, whose
// first 64 requests took the sockets earlier cases had left idle.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 2000 });
/** Destroys the shared keep-alive agent (call from a file-level after()). */
export function destroyAgent(): void { agent.destroy(); }

export function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: http.Agent | false } = {}): Promise<HttpReply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'POST', headers: init.headers ?? {}, agent: init.agent ?? agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: performance.now() - started });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** POSTs `body` signed with `secretKey` (override any header through `headers`). */
export function signedPost(web: Pick<Web, 'url' | 'secretKey' | 'clock'>, body: string | Buffer, opts: { timestamp?: string; headers?: Record<string, string> } = {}): Promise<HttpReply> {
  const ts = opts.timestamp ?? nowSec(web.clock);
  return request(web.url, {
    body,
    headers: { 'content-type': 'application/json', 'x-signature-ed25519': sign(web.secretKey, ts, body), 'x-signature-timestamp': ts, ...opts.headers },
  });
}

/** Raw bytes over a fresh socket; resolves with what came back (possibly '') once the server closes or `waitMs` passes. */
export function rawExchange(port: number, chunks: (string | Buffer)[], options: { waitMs?: number; endAfter?: boolean } = {}): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const timer = setTimeout(() => { socket.destroy(); resolve({ text, closed }); }, options.waitMs ?? 2000);
    socket.on('data', (d) => { text += d.toString('latin1'); });
    socket.on('error', () => { /* reset by the server: reported through `closed` */ });
    socket.on('close', () => { closed = true; clearTimeout(timer); resolve({ text, closed }); });
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      if (options.endAfter) socket.end();
    });
  });
}

export async function launchCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM launches');
  return Number(rows[0]!.n);
}

/** A file's test database and web server on it: `before(async () => { ({ db, web } = await openWebFixture()); })`. */
export async function openWebFixture(): Promise<{ db: TestDatabase; web: Web }> {
  const db = await createTestDatabase();
  return { db, web: await startWeb({ db: db.pool }) };
}

/** Closes what openWebFixture opened (and the shared keep-alive agent): `after(() => closeWebFixture(web, db))`. */
export async function closeWebFixture(web: Web | undefined, db: TestDatabase | undefined): Promise<void> {
  await web?.close();
  destroyAgent();
  await db?.close();
}

/** A Queryable whose INSERTs wait for `release()` (or fail, when `fail` is set). */
export function gatedDb(inner: Queryable) {
  let open!: () => void;
  let gate = new Promise<void>((r) => { open = r; });
  let reached!: () => void;
  const blocked = new Promise<void>((r) => { reached = r; });
  const state = { fail: false };
  const db: Queryable = {
    async query(text: string, values?: unknown[]) {
      if (/^\s*INSERT/i.test(text)) {
        reached();
        await gate;
        if (state.fail) throw new Error('connection terminated unexpectedly');
      }
      return inner.query(text, values) as never;
    },
  };
  return { db, blocked, state, release: () => open(), reset: () => { gate = new Promise<void>((r) => { open = r; }); } };
}
