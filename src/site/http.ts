// Owns the site's HTTP semantics for an already rendered answer: strong ETags per encoding,
// Last-Modified, 304 for If-None-Match / If-Modified-Since (RFC 9110 §13.1–13.2: If-None-Match
// wins), HEAD without a body, gzip or brotli when Accept-Encoding asks (node:zlib, computed once
// per rendered page), and the security headers every site answer carries. Does not render or route.

import { createHash } from 'node:crypto';
import type http from 'node:http';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';

/**
 * No scripts, no frames, nothing from elsewhere: styles from /site.css only (so no inline style
 * anywhere), images only inline SVG (which needs no img-src) (MDN, Content-Security-Policy).
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'X-Frame-Options': 'DENY',
};

/** Bodies smaller than this are sent as they are: compressing them saves nothing. */
const COMPRESS_MIN_BYTES = 512;

export type Encoding = 'br' | 'gzip';

export interface Rendered {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
  /** The hash the ETags are made of (one per encoding: "h", "h-br", "h-gz"). */
  readonly hash: string;
  readonly lastModified: Date;
  readonly cacheControl: string;
  /** Compressed bodies, made the first time a client asks for them. */
  encoded: Partial<Record<Encoding, Buffer>>;
}

/** A rendered answer; `previous` (the same page rendered before) keeps its Last-Modified when nothing changed. */
export function rendered(status: number, contentType: string, body: string | Buffer, o: { cacheControl: string; now: Date; previous?: Rendered | undefined }): Rendered {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const hash = createHash('sha256').update(bytes).digest('base64url').slice(0, 27);
  const same = o.previous && o.previous.hash === hash && o.previous.status === status;
  // HTTP dates have whole seconds: round down so If-Modified-Since compares exactly.
  const lastModified = same ? o.previous!.lastModified : new Date(Math.floor(o.now.getTime() / 1000) * 1000);
  return { status, contentType, body: bytes, hash, lastModified, cacheControl: o.cacheControl, encoded: same ? o.previous!.encoded : {} };
}

/** The coding to answer with for `accept` (an Accept-Encoding value): br, then gzip, honouring q=0 (RFC 9110 §12.5.3). */
export function negotiateEncoding(accept: string | undefined): Encoding | undefined {
  if (!accept) return undefined;
  const q = new Map<string, number>();
  for (const item of accept.split(',')) {
    const [name, ...params] = item.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const wildcard = q.get('*');
  const weight = (name: string) => q.get(name) ?? wildcard ?? 0;
  if (weight('br') > 0 && weight('br') >= weight('gzip')) return 'br';
  if (weight('gzip') > 0) return 'gzip';
  if (weight('br') > 0) return 'br';
  return undefined;
}

export function etagFor(hash: string, encoding: Encoding | undefined): string {
  return `"${hash}${encoding === 'br' ? '-br' : encoding === 'gzip' ? '-gz' : ''}"`;
}

/**
 * Whether a conditional GET/HEAD may be answered 304. If-None-Match (weak comparison, any of a
 * list, `*`) decides when present; else If-Modified-Since against Last-Modified (whole seconds).
 * Any encoding's ETag of the same content matches, as each names the same content.
 */
export function notModified(headers: http.IncomingHttpHeaders, hash: string, lastModified: Date): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) {
    return inm.split(',').some((raw) => {
      const tag = raw.trim();
      if (tag === '*') return true;
      const m = /^(?:W\/)?"([^"]*)"$/.exec(tag);
      return m !== null && m[1]!.replace(/-(br|gz)$/, '') === hash;
    });
  }
  const ims = headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
}

function encode(r: Rendered, encoding: Encoding): Buffer {
  let body = r.encoded[encoding];
  if (!body) {
    body = encoding === 'br'
      ? brotliCompressSync(r.body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: r.body.length } })
      : gzipSync(r.body, { level: 6 });
    r.encoded[encoding] = body;
  }
  return body;
}

/** Answers `req` with `r`: 304 when the client's copy is current (200 answers only), HEAD without a body. */
export function sendRendered(req: http.IncomingMessage, res: http.ServerResponse, r: Rendered, extra: Record<string, string> = {}): void {
  const wanted = r.body.length >= COMPRESS_MIN_BYTES ? negotiateEncoding(req.headers['accept-encoding']) : undefined;
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'Content-Type': r.contentType,
    'Cache-Control': r.cacheControl,
    Vary: 'Accept-Encoding',
    ...extra,
  };
  if (r.status === 200) {
    headers.ETag = etagFor(r.hash, wanted);
    headers['Last-Modified'] = r.lastModified.toUTCString();
    if (notModified(req.headers, r.hash, r.lastModified)) {
      delete headers['Content-Type'];
      res.writeHead(304, headers);
      res.end();
      return;
    }
  }
  const body = wanted ? encode(r, wanted) : r.body;
  if (wanted) headers['Content-Encoding'] = wanted;
  headers['Content-Length'] = String(body.length);
  res.writeHead(r.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
