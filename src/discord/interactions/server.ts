// Owns the node:http adapter for the interactions endpoint and /healthz: routing, the body cap,
// raw-body capture, verification before parsing, status mapping, timeouts and graceful close.
// Does not know commands (router.ts) or crypto details (verify.ts). Every other path goes to the
// optional extraRoutes the application passes (the public site), else 404.
//
// Status mapping (every thrown value lands in exactly one row):
//   404 unknown path · 405 wrong method (with Allow) · 413 body over the cap (Content-Length or
//   counted) · 401 any header/timestamp/signature failure · 415 verified but not application/json ·
//   400 verified but not JSON / not an interaction of ours / unhandled interaction type ·
//   408 body not received within requestTimeoutMs (Node) · 400 body cut short by the client · 503
//   the request bodies already held in memory (all connections together) leave no room for this
//   one (with Retry-After) · 200 everything verified and usable, including unknown commands and
//   handler failures (ephemeral text, never a 5xx: docs/interactions.md §2.6).
//
// Bounds on what clients can make us hold (docs/interactions.md §1.5): maxConnections (beyond it
// Node closes new connections at once), maxBodyMemoryBytes of request bodies across connections,
// maxPipelined unanswered requests per connection (one more closes it), and socketTimeoutMs of
// silence in both directions (a client that stopped reading our answers) closes the connection.
//
// Closing: an answer given before the body was fully read (413, 408, 400) carries Connection:
// close, and the connection then lingers (lingerAfterAnswer) so the client can read it.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Clock } from '../../clock.js';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { withTimeout } from '../../timeout.js';
import { ephemeral, HttpError, inline } from './respond.js';
import type { Router } from './router.js';
import { createSignatureWatch } from './signature-watch.js';
import type { Verifier } from './verify.js';

export const INTERACTIONS_PATH = '/api/discord/interact';
export const HEALTH_PATH = '/healthz';
/** 128 KiB: real payloads are 1–4 KB, the worst case about 11 KB (docs/interactions.md §1.5). */
export const DEFAULT_MAX_BODY_BYTES = 128 * 1024;
/** How long a connection keeps draining a refused body after the answer (nginx's lingering_timeout). */
export const LINGER_MS = 5000;
/** Concurrent connections (WEB_MAX_CONNECTIONS): Discord's traffic arrives through a reverse proxy that reuses a few. */
export const DEFAULT_MAX_CONNECTIONS = 256;
/** Request bodies held in memory at once, all connections together (WEB_BODY_MEMORY_MB): 64 bodies at the cap. */
export const DEFAULT_MAX_BODY_MEMORY_BYTES = 8 * 1024 * 1024;
/** Requests on one connection still waiting for their answer; HTTP clients and proxies do not pipeline, so this is generous. */
export const DEFAULT_MAX_PIPELINED = 8;
/**
 * A connection on which nothing moves either way for this long is closed: nothing legitimate is
 * that silent (a body must arrive within requestTimeoutMs, every answer takes at most a few
 * seconds), but a client that pipelines and never reads our answers would hold its connection
 * forever once Node stops reading from it (Node's server.timeout; docs/interactions.md §1.5).
 */
export const DEFAULT_SOCKET_TIMEOUT_MS = 15_000;
/** One `http.limit_reached` line per limit per minute at most, with the count since the last. */
const LIMIT_LOG_INTERVAL_MS = 60_000;

/** All /healthz needs of the database: `SELECT 1` answers (the bin passes its pg pool). */
export interface HealthCheckDb { query(text: string): Promise<unknown> }

export interface ServerOptions {
  verifier: Verifier;
  router: Router;
  /** Used by /healthz only (SELECT 1), when there is no `readiness`. */
  db: HealthCheckDb;
  clock: Clock;
  log: Logger;
  version: string;
  maxBodyBytes?: number;
  /** Slow-loris limits (docs/interactions.md §1.5): Node answers 408 / drops the socket when they pass. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  healthTimeoutMs?: number;
  /**
   * What keeps the service from being ready although the database answers: undefined when ready,
   * else the fields /healthz adds to its 503 (the bin passes the schema check, src/db/migrate.ts
   * schemaState). A rejection counts as the database not answering. Without it /healthz only
   * checks that the database answers (SELECT 1).
   */
  readiness?: () => Promise<Record<string, string> | undefined>;
  /**
   * Consulted for every path other than INTERACTIONS_PATH and HEALTH_PATH (the bin passes the
   * public site, src/site/routes.ts, when PUBLIC_SITE is on): resolves true when it answered the
   * request, false to let the server answer 404. Absent, every other path gets 404. A rejection is
   * a 500 like any unexpected error.
   */
  extraRoutes?: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;
  /** Resource bounds (docs/interactions.md §1.5); the defaults are the DEFAULT_* constants above. */
  maxConnections?: number;
  maxBodyMemoryBytes?: number;
  maxPipelined?: number;
  socketTimeoutMs?: number;
}

/** What the server holds now, and how often each bound refused something (tests, diagnostics). */
export interface ServerStats {
  connections: number;
  /** Bytes of request bodies held (Content-Length reserved up front, chunked bodies as they arrive). */
  bodyMemoryBytes: number;
  /** Connections closed at once because maxConnections were open. */
  refusedConnections: number;
  /** Requests answered 503 because maxBodyMemoryBytes was reached. */
  refusedBodies: number;
  /** Connections closed for pipelining more than maxPipelined unanswered requests. */
  pipelineClosed: number;
  /** Connections closed after socketTimeoutMs without traffic. */
  timedOut: number;
}

export interface InteractionServer {
  readonly server: http.Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  stats(): ServerStats;
  /** Stops accepting, lets in-flight requests and deferred follow-ups finish (up to drainMs), closes sockets. */
  close(drainMs?: number): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.writableEnded) return; // already answered (clientError got there first)
  if (res.headersSent) { res.destroy(); return; }
  const isJson = body.startsWith('{');
  res.writeHead(status, {
    'Content-Type': isJson ? 'application/json' : 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * The bytes of request bodies held across all connections. A request reserves its Content-Length
 * before reading (or each chunk of a chunked body as it arrives) and gives it all back once
 * answered; a reservation that does not fit is refused, and the request gets 503.
 */
class BodyMemory {
  used = 0;
  constructor(readonly max: number) {}
  lease(): BodyLease {
    return new BodyLease(this);
  }
}

/** One request's share of BodyMemory: what it took, given back all at once. */
class BodyLease {
  held = 0;
  constructor(private readonly memory: BodyMemory) {}
  take(n: number): boolean {
    if (this.memory.used + n > this.memory.max) return false;
    this.memory.used += n;
    this.held += n;
    return true;
  }
  release(): void {
    this.memory.used -= this.held;
    this.held = 0;
  }
}

function busy(): HttpError {
  return new HttpError(503, 'too many request bodies in memory; try again');
}

/** Collects the raw bytes; rejects with 413 as soon as the count passes `max`, 503 when `lease` has no room. */
function readBody(req: http.IncomingMessage, max: number, lease: BodyLease): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | undefined, body?: Buffer) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (err) reject(err); else resolve(body!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) { finish(new HttpError(413, `body larger than ${max} bytes`)); return; }
      // A declared Content-Length was reserved whole; a chunked body reserves as it grows.
      if (size > lease.held && !lease.take(size - lease.held)) { finish(busy()); return; }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish(undefined, Buffer.concat(chunks, size)));
    req.on('error', (err) => finish(new HttpError(400, `body not received: ${err.message}`)));
    req.on('close', () => { if (!req.complete) finish(new HttpError(400, 'client went away before sending the whole body')); });
  });
}

/**
 * Makes the close after an answer to a request whose body is still arriving a lingering one. Node
 * closes a `Connection: close` socket as soon as the answer is written (socket.destroySoon(), called
 * when the response finishes); whatever the client sends after that is answered by the kernel with
 * RST, and a client that writes its whole body before reading (curl, most HTTP libraries) gets
 * EPIPE or ECONNRESET instead of the answer. Instead: FIN once the answer is flushed, then keep
 * reading and discarding (the request is already being dumped) until the client closes its side
 * or `lingerMs` pass, like Apache's and nginx's lingering close.
 */
function lingerAfterAnswer(socket: Socket, clock: Clock, lingerMs: number): void {
  const closeNow = socket.destroySoon.bind(socket);
  socket.destroySoon = () => {
    if (socket.readableEnded) { closeNow(); return; } // the client already finished sending
    socket.end();
    const destroyFlushed = () => { if (socket.writableFinished) socket.destroy(); else socket.once('finish', () => socket.destroy()); };
    const timer = clock.setTimeout(destroyFlushed, lingerMs);
    socket.once('close', () => clock.clearTimeout(timer));
    socket.once('end', destroyFlushed);
  };
}

/**
 * Requests on a connection whose answer is not finished yet: a property of the socket itself, set
 * when it connects. A WeakMap lookup costs a hash of the socket four times per request (issue 14).
 */
const UNANSWERED = Symbol('unanswered');
type CountedSocket = Socket & { [UNANSWERED]: number };

function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && /^application\/json\s*(;|$)/i.test(value.trim());
}

export function createInteractionServer(options: ServerOptions): InteractionServer {
  const { verifier, router, log, clock } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxPipelined = options.maxPipelined ?? DEFAULT_MAX_PIPELINED;
  const bodyMemory = new BodyMemory(options.maxBodyMemoryBytes ?? DEFAULT_MAX_BODY_MEMORY_BYTES);
  const counts = { connections: 0, refusedConnections: 0, refusedBodies: 0, pipelineClosed: 0, timedOut: 0 };
  const limitLog = new Map<string, { at: number; count: number }>();
  const signatures = createSignatureWatch({ clock, log });
  let closing = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  async function health(res: http.ServerResponse): Promise<void> {
    const probe = options.readiness ? options.readiness() : options.db.query('SELECT 1').then(() => undefined);
    const answer = await withTimeout(probe.then((notReady) => ({ notReady }), () => undefined), options.healthTimeoutMs ?? 1000, clock);
    const state = answer.timedOut ? undefined : answer.value;
    if (!state) {
      send(res, 503, JSON.stringify({ ok: false, db: 'unreachable', version: options.version }));
    } else if (!state.notReady) {
      send(res, 200, JSON.stringify({ ok: true, db: 'ok', version: options.version }));
    } else {
      send(res, 503, JSON.stringify({ ok: false, db: 'ok', ...state.notReady, version: options.version }));
    }
  }

  /**
   * Counts a refusal by one of the bounds; logs at most one warning per bound per minute, with
   * how many refusals it covers, so a flood cannot flood the journal too.
   */
  function limitReached(limit: 'connections' | 'body_memory' | 'pipelined', max: number): void {
    const now = clock.now();
    const entry = limitLog.get(limit) ?? { at: -Infinity, count: 0 };
    entry.count++;
    limitLog.set(limit, entry);
    if (now - entry.at < LIMIT_LOG_INTERVAL_MS) return;
    log.warn('http.limit_reached', { limit, max, refused: entry.count, connections: counts.connections, body_memory_bytes: bodyMemory.used });
    entry.at = now;
    entry.count = 0;
  }

  /** `lease` is the request's share of body memory, given back by its 'close' listener once the answer is out (the body is referenced until the handler has answered). */
  async function interact(req: http.IncomingMessage, res: http.ServerResponse, lease: BodyLease): Promise<void> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBody) throw new HttpError(413, `Content-Length ${declared} is over ${maxBody}`);
    if (Number.isFinite(declared) && declared > 0 && !lease.take(declared)) throw busy();
    const body = await readBody(req, maxBody, lease);
    const verdict = verifier(req.headers['x-signature-ed25519'], req.headers['x-signature-timestamp'], body);
    signatures.record(verdict);
    if (!verdict.ok) {
      log.debug('interaction.rejected', { status: 401, reason: verdict.reason });
      send(res, 401, 'invalid request signature');
      return;
    }
    // Only now is the body trusted enough to look at (docs/interactions.md §1.2: order of checks).
    if (!isJsonContentType(req.headers['content-type'])) throw new HttpError(415, 'content type must be application/json');
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpError(400, 'body is not valid JSON');
    }
    let answer;
    try {
      answer = await router.handle(payload);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      // A verified interaction never gets a 5xx: Discord would show "interaction failed" (docs/interactions.md §2.6).
      log.error('interaction.unexpected_error', { error: describeError(err) });
      answer = inline(ephemeral('⚠️ Sorry, something went wrong in ShipTrack. Nothing was changed; please try again.'));
    }
    send(res, 200, JSON.stringify(answer));
  }

  async function dispatch(req: http.IncomingMessage, res: http.ServerResponse, lease: BodyLease): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === HEALTH_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET');
      return health(res);
    }
    if (path !== INTERACTIONS_PATH) {
      if (options.extraRoutes && await options.extraRoutes(req, res)) return;
      throw new HttpError(404, 'not found');
    }
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    return interact(req, res, lease);
  }

  const server = http.createServer({
    headersTimeout: options.headersTimeoutMs ?? 5000,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 5000,
    maxHeaderSize: 16 * 1024,
    // Node checks the two timeouts above only this often (default 30 s, which would triple them).
    connectionsCheckingInterval: 1000,
  }, (req, res) => {
    inFlight++;
    if (closing) res.setHeader('Connection', 'close');
    const socket = req.socket;
    const waiting = ++(socket as CountedSocket)[UNANSWERED];
    // One listener per request for all of its bookkeeping (issue 14): the answer is out or the
    // connection gone, so it no longer waits, holds no body memory and is no longer in flight.
    const lease = bodyMemory.lease();
    res.once('close', () => {
      (socket as CountedSocket)[UNANSWERED]--;
      lease.release();
      if (--inFlight === 0 && drained) drained();
    });
    if (waiting > maxPipelined) {
      // Answers go out in request order, so this one would queue behind the others: close instead.
      // Node may already have parsed more requests from the same read: those find it destroyed.
      if (socket.destroyed) return;
      counts.pipelineClosed++;
      log.debug('http.rejected', { status: 0, reason: `more than ${maxPipelined} pipelined requests unanswered; connection closed` });
      limitReached('pipelined', maxPipelined);
      socket.destroy();
      return;
    }
    dispatch(req, res, lease).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 503) {
        counts.refusedBodies++;
        limitReached('body_memory', bodyMemory.max);
      } else if (status >= 500) log.error('http.unexpected_error', { error: describeError(err) });
      if (status < 500) log.debug('http.rejected', { status, reason: describeError(err) });
      const headers: Record<string, string> = {};
      if (status === 405) headers.Allow = (req.url ?? '').split('?')[0] === HEALTH_PATH ? 'GET, HEAD' : 'POST';
      if (status === 503) headers['Retry-After'] = '1';
      if (status === 413 || status === 400 || status === 503) headers.Connection = 'close';
      answerEarly(req, res, status, err instanceof HttpError ? err.message : 'internal error', headers);
    });
  });

  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  // Node's http.Server destroys a socket on 'timeout' when nobody listens for it on the server.
  server.timeout = options.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS;
  server.on('connection', (socket: Socket) => {
    (socket as CountedSocket)[UNANSWERED] = 0;
    counts.connections++;
    socket.once('close', () => { counts.connections--; });
    socket.on('timeout', () => {
      // Idle keep-alive connections time out too (keepAliveTimeoutMs): only count a stalled one.
      if ((socket as CountedSocket)[UNANSWERED] === 0 && socket.writableLength === 0) return;
      counts.timedOut++;
      log.debug('http.rejected', { status: 0, reason: `no traffic for ${server.timeout} ms (answers not being read?); connection closed` });
    });
  });
  // Emitted when Node refuses a connection at maxConnections (nodejs.org net.Server 'drop').
  server.on('drop', () => {
    counts.refusedConnections++;
    limitReached('connections', server.maxConnections);
  });

  /** send(), plus a lingering close when the answer goes out before the whole body came in. */
  function answerEarly(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: string, headers: Record<string, string>): void {
    if (headers.Connection === 'close' && !req.complete && !res.writableEnded) lingerAfterAnswer(req.socket, clock, LINGER_MS);
    send(res, status, body, headers);
  }

  // A client error (bad request line, header overflow, a body that stops arriving or is cut short)
  // must never crash or hang us, and gets its status whenever nothing was answered yet.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const code = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    // Headers were complete: the request is in the handler, reading its body. Answer through its
    // response, so the handler's own answer (once the socket closes) cannot follow a raw one.
    const pending = (socket as { _httpMessage?: http.ServerResponse | null })._httpMessage;
    if (pending && !pending.headersSent) {
      log.debug('http.rejected', { status: code, reason: err.code ?? err.message });
      answerEarly(pending.req, pending, code, code === 408 ? 'request body not received in time' : 'request body cut short', { Connection: 'close' });
    } else if (socket.writable && !pending) {
      socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else {
      socket.destroy();
    }
  });

  return {
    server,
    stats() {
      return { ...counts, bodyMemoryBytes: bodyMemory.used };
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close(drainMs = 10_000) {
      closing = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const requestsDone = inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => { drained = r; });
      // The router abandons follow-ups still retrying at the deadline (and says how many).
      await Promise.all([withTimeout(requestsDone, drainMs, clock), router.idle(drainMs)]);
      server.closeAllConnections();
      await closed;
    },
  };
}
