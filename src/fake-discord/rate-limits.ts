// Owns the fake REST API's rate limiting: per-route buckets keyed by route + major parameter, the
// X-RateLimit-* headers, and scripted answers (429 / 5xx / delay / drop). Knows nothing about routes' effects.
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';

export interface ScriptRule {
  method?: string; path?: RegExp; status: number; times?: number; body?: unknown; headers?: Record<string, string>;
  retryAfterSec?: number; global?: boolean; delayMs?: number;
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
    const headers: Record<string, string> = { ...rule.headers };
    let body = rule.body;
    if (rule.status === 429) {
      const retry = rule.retryAfterSec ?? 1;
      headers['retry-after'] ??= String(Math.ceil(retry));
      headers['x-ratelimit-scope'] ??= rule.global ? 'global' : 'user';
      if (rule.global) headers['x-ratelimit-global'] ??= 'true';
      body ??= { message: 'You are being rate limited.', retry_after: retry, global: !!rule.global };
    } else if (rule.status >= 500) body ??= { message: `${rule.status}: Server Error`, code: 0 };
    const passThrough = rule.passThrough ?? false;
    return { status: rule.status, body, headers, delayMs: rule.delayMs ?? 0, passThrough, drop: rule.status === 0 };
  }

  /**
   * Counts one request against its bucket. Returns the headers to send and, when the bucket was
   * already empty, the 429 to answer instead (scope `user`, as for an ignored per-route limit).
   */
  consume(method: string, path: string): { headers: Record<string, string>; limited?: { retryAfterSec: number } } {
    const { route, major } = routeKey(method, path);
    const def = this.defs.get(route) ?? FALLBACK;
    const key = `${route}|${major}`;
    const now = this.clock.now();
    let st = this.states.get(key);
    if (!st || now >= st.resetAt) { st = { remaining: def.limit, resetAt: now + def.resetAfterMs }; this.states.set(key, st); }
    const bucket = createHash('sha1').update(route).digest('hex').slice(0, 32);
    const resetAfter = Math.max(0, st.resetAt - now) / 1000;
    const limited = st.remaining <= 0;
    if (!limited) st.remaining--;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(def.limit), 'x-ratelimit-remaining': String(st.remaining),
      'x-ratelimit-reset': (st.resetAt / 1000).toFixed(3), 'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': bucket,
    };
    if (!limited) return { headers };
    headers['retry-after'] = String(Math.ceil(resetAfter));
    headers['x-ratelimit-scope'] = 'user';
    return { headers, limited: { retryAfterSec: Number(resetAfter.toFixed(3)) } };
  }
}
