// Owns the fake REST API's per-route rate limiting: buckets keyed by route + major parameter, the
// X-RateLimit-* headers, and scripted answers (429 / 5xx / delay / drop) with the headers real 429s
// carry. The global 50/s limit is global-rate-limit.ts. Knows nothing about routes' effects.
// Headers and 429 bodies: https://discord.com/developers/docs/topics/rate-limits
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';

export interface ScriptRule {
  method?: string; path?: RegExp; status: number; times?: number; body?: unknown; headers?: Record<string, string>;
  retryAfterSec?: number; global?: boolean; delayMs?: number;
  /** A 429's X-RateLimit-Scope: `user` (default), `shared` (per resource) or `global` (same as `global: true`). */
  scope?: 'user' | 'shared' | 'global';
  /** The optional `code` of a 429 body ("An error code for some limits"). */
  code?: number;
  /** After delayMs, serve the request normally instead of answering `status` (a pure delay). */
  passThrough?: boolean;
}
export interface ScriptedAnswer { status: number; body: unknown; headers: Record<string, string>; delayMs: number; passThrough: boolean; drop: boolean }

interface BucketDef { limit: number; resetAfterMs: number }
interface BucketState { remaining: number; resetAt: number }

const DEFAULT_BUCKETS: Record<string, BucketDef> = {
  'POST /channels/:id/messages': { limit: 5, resetAfterMs: 5000 },
  'PUT /channels/:id/messages/:id/reactions/:reaction/@me': { limit: 1, resetAfterMs: 250 },
  'DELETE /channels/:id/messages/:id/reactions/:reaction/@me': { limit: 1, resetAfterMs: 250 },
  'POST /webhooks/:id/:token': { limit: 5, resetAfterMs: 2000 },
  'PATCH /webhooks/:id/:token/messages/@original': { limit: 5, resetAfterMs: 2000 },
};
const FALLBACK: BucketDef = { limit: 50, resetAfterMs: 1000 };

/** `PUT /channels/:id/messages/:id/reactions/:reaction/@me` and the major parameter (`channel:123`). */
export function routeKey(method: string, path: string): { route: string; major: string } {
  const parts = path.split('/').filter(Boolean);
  let major = 'global';
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const seg = parts[i]!;
    const prev = out[out.length - 1];
    if (prev === 'reactions') { out.push(':reaction'); if (parts[i + 1] !== undefined && parts[i + 1] !== '@me') { out.push(':id'); i++; } continue; }
    if (/^\d{16,21}$/.test(seg)) {
      if (major === 'global' && (prev === 'channels' || prev === 'guilds' || prev === 'webhooks')) major = `${prev}:${seg}`;
      out.push(':id');
      continue;
    }
    if ((prev === ':id' && out[out.length - 2] === 'webhooks') || (prev === ':id' && out[out.length - 2] === 'interactions')) {
      if (out[out.length - 2] === 'webhooks') major += `:${seg.slice(0, 8)}`;
      out.push(':token');
      continue;
    }
    out.push(seg);
  }
  return { route: `${method.toUpperCase()} /${out.join('/')}`, major };
}

export class RateLimits {
  private defs = new Map<string, BucketDef>(Object.entries(DEFAULT_BUCKETS));
  private states = new Map<string, BucketState>();
  private scripts: (ScriptRule & { left: number })[] = [];

  constructor(private readonly clock: Clock) {}

  setBucket(route: string, limit: number, resetAfterSec: number): void {
    this.defs.set(route, { limit, resetAfterMs: Math.round(resetAfterSec * 1000) });
    for (const key of [...this.states.keys()]) if (key.startsWith(`${route}|`)) this.states.delete(key);
  }
  script(rule: ScriptRule): void { this.scripts.push({ ...rule, left: rule.times ?? 1 }); }
  clearScripts(): void { this.scripts = []; }

  /** Consumes the first matching script rule, if any, and builds its answer. */
  takeScript(method: string, fullPath: string, subPath: string): ScriptedAnswer | undefined {
    const rule = this.scripts.find((r) => (!r.method || r.method.toUpperCase() === method) && (!r.path || r.path.test(subPath) || r.path.test(fullPath)));
    if (!rule) return undefined;
    if (--rule.left <= 0) this.scripts.splice(this.scripts.indexOf(rule), 1);
    let headers: Record<string, string> = { ...rule.headers };
    let body = rule.body;
    if (rule.status === 429) {
      const retry = rule.retryAfterSec ?? 1;
      const scope = rule.global ? 'global' : rule.scope ?? 'user';
      const built = scope === 'global' ? globalLimited(retry) : this.routeLimited(method, subPath, retry, scope);
      headers = { ...built.headers, ...headers };
      body ??= rule.code === undefined ? built.body : { ...built.body, code: rule.code };
    } else if (rule.status >= 500) body ??= { message: `${rule.status}: Server Error`, code: 0 };
    const passThrough = rule.passThrough ?? false;
    return { status: rule.status, body, headers, delayMs: rule.delayMs ?? 0, passThrough, drop: rule.status === 0 };
  }

  /**
   * Counts one request against its bucket. Returns the headers to send and, when the bucket was
   * already empty, the 429 to answer instead (scope `user`, as for an ignored per-route limit).
   */
  consume(method: string, path: string): { headers: Record<string, string>; limited?: { retryAfterSec: number } } {
    const { route, st } = this.state(method, path);
    const def = this.def(route);
    const limited = st.remaining <= 0;
    if (!limited) st.remaining--;
    const headers = this.bucketHeaders(route, def.limit, st.remaining, st.resetAt);
    if (!limited) return { headers };
    const resetAfter = Math.max(0, st.resetAt - this.clock.now()) / 1000;
    headers['retry-after'] = String(Math.ceil(resetAfter));
    headers['x-ratelimit-scope'] = 'user';
    return { headers, limited: { retryAfterSec: Number(resetAfter.toFixed(3)) } };
  }

  /**
   * A scripted per-route 429 with the headers a real one carries: the route's bucket and limit,
   * `Remaining: 0` and a reset `retry` seconds away for `user`; the bucket's current state for
   * `shared` (a per-resource limit that does not drain the caller's bucket).
   */
  private routeLimited(method: string, path: string, retrySec: number, scope: 'user' | 'shared'): { headers: Record<string, string>; body: Record<string, unknown> } {
    const { route, st } = this.state(method, path);
    const limit = this.def(route).limit;
    const headers = scope === 'user'
      ? this.bucketHeaders(route, limit, 0, this.clock.now() + retrySec * 1000)
      : this.bucketHeaders(route, limit, st.remaining, st.resetAt);
    headers['retry-after'] = String(Math.ceil(retrySec));
    headers['x-ratelimit-scope'] = scope;
    const message = scope === 'shared' ? 'The resource is being rate limited.' : 'You are being rate limited.';
    return { headers, body: { message, retry_after: retrySec, global: false } };
  }

  private def(route: string): BucketDef { return this.defs.get(route) ?? FALLBACK; }

  /** The bucket's live state, starting a new window when the old one has reset. */
  private state(method: string, path: string): { route: string; st: BucketState } {
    const { route, major } = routeKey(method, path);
    const key = `${route}|${major}`;
    const now = this.clock.now();
    let st = this.states.get(key);
    if (!st || now >= st.resetAt) { st = { remaining: this.def(route).limit, resetAt: now + this.def(route).resetAfterMs }; this.states.set(key, st); }
    return { route, st };
  }

  private bucketHeaders(route: string, limit: number, remaining: number, resetAt: number): Record<string, string> {
    const resetAfter = Math.max(0, resetAt - this.clock.now()) / 1000;
    return {
      'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': (resetAt / 1000).toFixed(3), 'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': createHash('sha1').update(route).digest('hex').slice(0, 32),
    };
  }
}

/**
 * A global 429 as Discord's docs show it: `Retry-After`, `X-RateLimit-Global: true`,
 * `X-RateLimit-Scope: global` and no per-route headers.
 * https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit
 */
export function globalLimited(retrySec: number): { headers: Record<string, string>; body: Record<string, unknown> } {
  return {
    headers: { 'retry-after': String(Math.ceil(retrySec)), 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' },
    body: { message: 'You are being rate limited.', retry_after: retrySec, global: true },
  };
}
