// Owns one HTTP exchange with Discord's REST API on node:http/node:https: send the request on a
// keep-alive socket, read the whole answer as text, give up when the signal aborts. Knows nothing
// of rate limits, retries or routes (client.ts does).
//
// Why not fetch: a 🚀 or a message is a tiny request whose cost is mostly the client library's own.
// Profiled in the worker benchmark (test/bench/worker-ingest.ts), node-fetch's Request/Response/
// Headers objects and stream plumbing were about a fifth of the worker's busy time; node:http with
// a keep-alive agent does the same exchange with a plain headers object and one Buffer concat.
import http from 'node:http';
import https from 'node:https';
import type { HeaderReader } from './classify.js';

export interface TransportRequest {
  method: string;
  headers: Record<string, string>;
  /** The JSON text, or null for none. */
  body: string | null;
  signal: AbortSignal;
}

/** What the client reads of an answer (fetch's Response fits it too, so tests may pass a fetch stub). */
export interface TransportResponse {
  status: number;
  headers: HeaderReader;
  text(): Promise<string>;
}

export type Transport = (url: string, init: TransportRequest) => Promise<TransportResponse>;

/** node:http/https with one keep-alive agent per protocol; `destroy()` closes the idle sockets. */
export function nodeHttpTransport(): { send: Transport; destroy(): void } {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const send: Transport = (url, init) => new Promise<TransportResponse>((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== null) headers['Content-Length'] = Buffer.byteLength(init.body);
    const req = (secure ? https : http).request(target, {
      method: init.method, headers, agent: secure ? agents.https : agents.http, signal: init.signal,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject); // an abort or a reset mid-body
      res.on('end', () => {
        // A body cut short (the socket closed before Content-Length was reached) is a failure,
        // not an answer: Node marks it incomplete rather than erroring.
        if (!res.complete) { reject(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' })); return; }
        const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: headerReader(res.headers), text: () => Promise.resolve(text) });
      });
    });
    req.on('error', reject);
    req.end(init.body ?? undefined);
  });
  return { send, destroy: () => { agents.http.destroy(); agents.https.destroy(); } };
}

/** Node lower-cases header names; a repeated header (never one Discord's limits use) reads as its values joined. */
function headerReader(h: http.IncomingHttpHeaders): HeaderReader {
  return {
    get: (name) => {
      const v = h[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
    has: (name) => h[name.toLowerCase()] !== undefined,
  };
}
