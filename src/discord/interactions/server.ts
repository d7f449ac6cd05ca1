// Owns the node:http adapter for the interactions endpoint and /healthz: routing, the body cap,
// raw-body capture, verification before parsing, status mapping, timeouts and graceful close.
// Does not know commands (router.ts) or crypto details (verify.ts).
//
// Status mapping (every thrown value lands in exactly one row):
//   404 unknown path · 405 wrong method (with Allow) · 413 body over the cap (Content-Length or
//   counted) · 401 any header/timestamp/signature failure · 415 verified but not application/json ·
//   400 verified but not JSON / not an interaction of ours / unhandled interaction type ·
//   408 body not received within requestTimeoutMs (Node) · 400 body cut short by the client · 200
//   everything verified and usable, including unknown commands and handler failures (ephemeral text,
//   never a 5xx: docs/interactions.md §2.6).
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
import type { Verifier } from './verify.js';

export const INTERACTIONS_PATH = '/api/discord/interact';
export const HEALTH_PATH = '/healthz';
/** 128 KiB: real payloads are 1–4 KB, the worst case about 11 KB (docs/interactions.md §1.5). */
export const DEFAULT_MAX_BODY_BYTES = 128 * 1024;
/** How long a connection keeps draining a refused body after the answer (nginx's lingering_timeout). */
export const LINGER_MS = 5000;

/** All /healthz needs of the database: `SELECT 1` answers (the bin passes its pg pool). */
export interface HealthCheckDb { query(text: string): Promise<unknown> }

export interface ServerOptions {
  verifier: Verifier;
  router: Router;
  /** Used by /healthz only (SELECT 1). */
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
}

export interface InteractionServer {
  readonly server: http.Server;
  listen(port: number, host: string): Promise<AddressInfo>;
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

/** Collects the raw bytes; rejects with 413 as soon as the count passes `max`. */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
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

function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && /^application\/json\s*(;|$)/i.test(value.trim());
}

export function createInteractionServer(options: ServerOptions): InteractionServer {
  const { verifier, router, log, clock } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let closing = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  async function health(res: http.ServerResponse): Promise<void> {
    const answer = await withTimeout(options.db.query('SELECT 1').then(() => true, () => false), options.healthTimeoutMs ?? 1000, clock);
    const ok = !answer.timedOut && answer.value;
    send(res, ok ? 200 : 503, JSON.stringify({ ok, db: ok ? 'ok' : 'unreachable', version: options.version }));
  }

  async function interact(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBody) throw new HttpError(413, `Content-Length ${declared} is over ${maxBody}`);
    const body = await readBody(req, maxBody);
    const verdict = verifier(req.headers['x-signature-ed25519'], req.headers['x-signature-timestamp'], body);
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

  async function dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === HEALTH_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET');
      return health(res);
    }
    if (path !== INTERACTIONS_PATH) throw new HttpError(404, 'not found');
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    return interact(req, res);
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
    res.on('close', () => { if (--inFlight === 0 && drained) drained(); });
    dispatch(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status >= 500) log.error('http.unexpected_error', { error: describeError(err) });
      else log.debug('http.rejected', { status, reason: describeError(err) });
      const headers: Record<string, string> = {};
      if (status === 405) headers.Allow = (req.url ?? '').split('?')[0] === HEALTH_PATH ? 'GET, HEAD' : 'POST';
      if (status === 413 || status === 400) headers.Connection = 'close';
      answerEarly(req, res, status, err instanceof HttpError ? err.message : 'internal error', headers);
    });
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
