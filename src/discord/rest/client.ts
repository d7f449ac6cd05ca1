// Owns ShipTrack's HTTP conversation with Discord's REST API: headers, keep-alive, timeouts,
// per-bucket sequencing, rate-limit waits, bounded retries and the invalid-request guard.
// Does not know any endpoint's meaning (api.ts does) and keeps no state outside the instance.
import { setMaxListeners } from 'node:events';
import { sleep, systemClock, type Clock } from '../../clock.js';
import { ShipTrackError, type ShipTrackErrorCode } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import { BucketBook, InvalidRequestCounter, SlidingWindow, parseRateLimitHeaders } from './buckets.js';
import { parseRoute, type HttpMethod, type ParsedRoute } from './routes.js';
import { classify, type Verdict } from './classify.js';
import { packageVersion } from '../../version.js';
import { SerialQueue } from '../../serial-queue.js';
import { backoffDelay } from '../../backoff.js';
import { nodeHttpTransport, type Transport, type TransportResponse } from './transport.js';

export interface RestClientOptions {
  /** e.g. 'https://discord.com/api/v10', or the fake's apiBase. */
  baseUrl: string;
  token?: string;
  /** Per attempt, covering headers and body (default 15000, as discord.js). */
  timeoutMs?: number;
  clock?: Clock;
  log?: Logger;
  /** How one request is sent (default node:http/https with keep-alive; tests pass a stub). */
  transport?: Transport;
  userAgent?: string;
  /** Retries after a 5xx, network error or timeout (default 3). 4xx are never retried. */
  maxRetries?: number;
  /** Client-side global cap for bot requests (default 50 per second). */
  globalPerSecond?: number;
  /** Refuse to send once this many 401/403/429 were seen in 10 minutes (default 5000; Discord bans at 10,000). */
  invalidRequestLimit?: number;
  /** How many 429s in a row one request may wait out before failing with REST_RATE_LIMITED (default 5). */
  maxRateLimitRetries?: number;
  /** First 5xx/network backoff, at least; doubles per attempt, plus up to as much again of jitter (default 500 ms). */
  retryBaseMs?: number;
  /** Added to every rate-limit wait (default 50 ms, as discord.js). */
  offsetMs?: number;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Default true; false for webhook/interaction-token routes (no Authorization header, no global cap). */
  auth?: boolean;
  signal?: AbortSignal;
  /** X-Audit-Log-Reason. */
  reason?: string;
}

/**
 * Discord requires `DiscordBot (url, version)` (reference.mdx, "User Agent"). Built on the first
 * request, not at import: reading package.json is I/O, and importing a module does none.
 */
function defaultUserAgent(): string {
  return `DiscordBot (https://github.com/shiptrack/shiptrack, ${packageVersion()})`;
}

/** A Discord HTTP error. `route` is a template: ids and tokens never appear in it or in the message. */
export class DiscordApiError extends ShipTrackError {
  readonly status: number;
  readonly discordCode: number | undefined;
  readonly method: string;
  readonly route: string;
  readonly body: unknown;
  constructor(code: ShipTrackErrorCode, init: { status: number; method: string; route: string; body: unknown; detail?: string }) {
    const b = init.body as { code?: unknown; message?: unknown } | null | undefined;
    const discordCode = typeof b?.code === 'number' ? b.code : undefined;
    const msg = typeof b?.message === 'string' ? `: ${b.message}` : '';
    super(code, `${init.method} ${init.route} failed with HTTP ${init.status}${discordCode !== undefined ? ` (Discord code ${discordCode}${msg})` : msg}${init.detail ? `; ${init.detail}` : ''}`);
    this.name = 'DiscordApiError';
    this.status = init.status;
    this.discordCode = discordCode;
    this.method = init.method;
    this.route = init.route;
    this.body = init.body;
  }
}

type Attempt = { kind: 'response'; res: TransportResponse; body: unknown } | { kind: 'failed'; timedOut: boolean; error: Error };

export class RestClient {
  readonly stats = { requests: 0, retries: 0, rateLimited: 0, invalidRequests: 0 };
  readonly #token: string | undefined;
  private readonly baseUrl: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly transport: Transport;
  /** Closes the default transport's keep-alive sockets (nothing for an injected one). */
  private readonly closeTransport: () => void;
  private readonly userAgent: string | undefined;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRateLimitRetries: number;
  private readonly retryBaseMs: number;
  private readonly book: BucketBook;
  private readonly cap: SlidingWindow;
  private readonly invalid: InvalidRequestCounter;
  private readonly queues = new Map<string, SerialQueue>();
  private readonly lifetime = new AbortController();
  /** Set by a 401 on a bot-authenticated request: nothing more is sent with this token. */
  private tokenRejected = false;
  /** Webhook/interaction tokens (hashed major parameters) that answered 401/404: never reused. */
  private readonly deadTokens = new Set<string>();
  private guardAlerted = false;

  constructor(options: RestClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger;
    // Every request in flight listens on the lifetime signal until it ends, and requests on separate
    // buckets (each interaction token is one) run at once: hundreds are normal, not a leak, so Node's
    // warning past 10 listeners (a raw line on stderr) is off for this signal.
    setMaxListeners(0, this.lifetime.signal);
    if (options.transport) {
      this.transport = options.transport;
      this.closeTransport = () => {};
    } else {
      const t = nodeHttpTransport();
      this.transport = t.send;
      this.closeTransport = t.destroy;
    }
    this.userAgent = options.userAgent;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRateLimitRetries = options.maxRateLimitRetries ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 500;
    const offset = options.offsetMs ?? 50;
    this.book = new BucketBook(this.clock, offset);
    // The window carries the offset too, so latency jitter cannot squeeze 51 arrivals into 1 s.
    this.cap = new SlidingWindow(this.clock, options.globalPerSecond ?? 50, 1000 + offset);
    this.invalid = new InvalidRequestCounter(this.clock, options.invalidRequestLimit ?? 5000);
  }

  /** Sends one request, waiting out rate limits; resolves with the parsed JSON body (204 → undefined). */
  request<T = unknown>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    const route = parseRoute(method, path);
    const auth = opts.auth ?? true;
    try {
      this.assertUsable(route, auth);
    } catch (err) {
      return Promise.reject(err);
    }
    // One request in flight per bucket (discord.js's SequentialHandler, without the sublimit queue).
    const key = this.book.keyFor(route.template, route.majorParameter);
    const queue = this.queues.get(key) ?? new SerialQueue();
    this.queues.set(key, queue);
    const result = queue.add(() => this.run<T>(method, path, route, auth, opts));
    // An idle bucket's queue is forgotten, so the map holds only buckets with work in hand.
    void queue.idle.then(() => { if (queue.pending === 0 && this.queues.get(key) === queue) this.queues.delete(key); });
    return result;
  }

  /** Aborts waits and in-flight requests and closes keep-alive sockets; the process can then exit. */
  destroy(): void {
    if (!this.lifetime.signal.aborted) {
      this.lifetime.abort(new ShipTrackError('REST_CLIENT_DESTROYED', 'REST client destroyed; request not sent'));
    }
    this.queues.clear();
    this.closeTransport();
  }

  private assertUsable(route: ParsedRoute, auth: boolean): void {
    if (this.lifetime.signal.aborted) throw this.lifetime.signal.reason;
    if (auth && this.#token === undefined) throw new ShipTrackError('CONFIG_INVALID', `${route.template} needs a bot token and none is configured; not sent`);
    if (auth && this.tokenRejected) throw new ShipTrackError('REST_TOKEN_REJECTED', `the bot token was rejected with 401 earlier; ${route.template} not sent`);
    if (!auth && this.deadTokens.has(route.majorParameter)) throw new ShipTrackError('REST_TOKEN_REJECTED', `this webhook/interaction token answered 401/404 earlier; ${route.template} not sent`);
  }

  private async run<T>(method: HttpMethod, path: string, route: ParsedRoute, auth: boolean, opts: RequestOptions): Promise<T> {
    const linked = opts.signal ? linkAbort([this.lifetime.signal, opts.signal]) : undefined;
    try {
      return await this.attempts<T>(method, path, route, auth, opts, linked?.signal ?? this.lifetime.signal);
    } finally {
      linked?.release();
    }
  }

  /** Sends until the answer is final: waits out 429s, backs off after 5xx and network failures. */
  private async attempts<T>(method: HttpMethod, path: string, route: ParsedRoute, auth: boolean, opts: RequestOptions, signal: AbortSignal): Promise<T> {
    const exempt = route.interaction || !auth;
    let failures = 0;
    let limited = 0;
    for (;;) {
      const attempt = await this.sendWhenAllowed(method, path, route, auth, exempt, opts, signal);
      if (attempt.kind === 'failed') {
        if (failures >= this.maxRetries) throw this.transportError(route, attempt, failures + 1);
        failures++;
        await this.backoff(route, failures, attempt.timedOut ? 'timeout' : errorCode(attempt.error), signal);
        continue;
      }
      const { res, body } = attempt;
      const bucketKey = this.book.update(route.template, route.majorParameter, parseRateLimitHeaders((h) => res.headers.get(h)));
      const verdict = classify(res.status, res.headers, body);
      const apiError = (code: ShipTrackErrorCode, detail?: string) =>
        new DiscordApiError(code, { status: res.status, method, route: route.pathTemplate, body, ...(detail ? { detail } : {}) });
      switch (verdict.kind) {
        case 'ok':
          return verdict.value as T;
        case 'retry-after':
          this.rateLimited(route, res.status, verdict, limited + 1);
          if (limited >= this.maxRateLimitRetries) throw apiError('REST_RATE_LIMITED', `still rate limited after ${limited} retries`);
          limited++;
          if (verdict.global) this.book.pauseGlobal(verdict.ms);
          // An exempt route ignores the global pause, so it also waits on its own bucket.
          if (!verdict.global || exempt) this.book.block(bucketKey, verdict.ms);
          continue;
        case 'back-off':
          if (failures >= this.maxRetries) throw apiError('REST_HTTP_ERROR', `gave up after ${failures + 1} attempts`);
          failures++;
          await this.backoff(route, failures, res.status, signal);
          continue;
        case 'fail':
          this.failed(route, auth, res.status, verdict.invalid, body);
          throw apiError('REST_HTTP_ERROR');
      }
    }
  }

  /** One send, once the token, the guard, the buckets and the global cap allow it. */
  private async sendWhenAllowed(method: HttpMethod, path: string, route: ParsedRoute, auth: boolean, exempt: boolean, opts: RequestOptions, signal: AbortSignal): Promise<Attempt> {
    this.assertUsable(route, auth);
    await this.waitTurn(route, exempt, signal);
    this.assertUsable(route, auth);
    this.checkGuard(route);
    if (!exempt) this.cap.record();
    this.stats.requests++;
    return this.send(method, path, route, auth, opts, signal);
  }

  private transportError(route: ParsedRoute, attempt: Extract<Attempt, { kind: 'failed' }>, attempts: number): ShipTrackError {
    const code = attempt.timedOut ? 'REST_TIMEOUT' : 'REST_NETWORK_ERROR';
    const what = attempt.timedOut ? `timed out after ${this.timeoutMs} ms` : `failed (${errorCode(attempt.error)})`;
    return new ShipTrackError(code, `${route.template} ${what} on all ${attempts} attempts; not retried further`, { cause: attempt.error });
  }

  private rateLimited(route: ParsedRoute, status: number, verdict: Extract<Verdict, { kind: 'retry-after' }>, attempt: number): void {
    if (verdict.invalid) this.countInvalid(route, status);
    this.stats.rateLimited++;
    this.log.warn('rest.rate_limited', {
      route: route.template, retry_after: verdict.ms / 1000, scope: verdict.scope,
      bucket: this.book.hashOf(route.template), attempt,
    });
  }

  /** A final 4xx: counts it, and remembers a rejected bot token or a dead webhook/interaction token. */
  private failed(route: ParsedRoute, auth: boolean, status: number, invalid: boolean, body: unknown): void {
    if (invalid) this.countInvalid(route, status);
    if (status === 401 && auth) {
      this.tokenRejected = true;
      this.log.error('rest.token_rejected', { route: route.template, status: 401, action: 'no further bot requests' });
    }
    if (!auth && (status === 401 || status === 404) && route.majorParameter !== 'global') {
      this.deadTokens.add(route.majorParameter);
    }
    const b = body as { code?: unknown; errors?: unknown } | undefined;
    this.log.warn('rest.request_failed', { route: route.template, status, code: b?.code, errors: b?.errors });
  }

  /** Sleeps until the global pause, the bucket and the 50/s cap all allow a send. */
  private async waitTurn(route: ParsedRoute, exempt: boolean, signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = this.book.keyFor(route.template, route.majorParameter);
      const bucket = this.book.bucketWaitMs(key);
      const global = exempt ? 0 : this.book.globalPauseMs();
      const cap = exempt ? 0 : this.cap.waitMs();
      const wait = Math.max(bucket, global, cap);
      if (wait <= 0) return;
      this.log.debug('rest.waiting', { route: route.template, ms: wait, reason: wait === global ? 'global' : wait === bucket ? 'bucket' : 'cap' });
      await sleep(wait, this.clock, signal);
    }
  }

  private checkGuard(route: ParsedRoute): void {
    if (!this.invalid.tripped()) { this.guardAlerted = false; return; }
    const count = this.invalid.count();
    if (!this.guardAlerted) {
      this.guardAlerted = true;
      this.log.error('rest.invalid_request_guard', { count, limit: this.invalid.limit, window_s: this.invalid.windowMs / 1000, retry_in_s: Math.ceil(this.invalid.msUntilBelowLimit() / 1000) });
    }
    throw new ShipTrackError('REST_INVALID_REQUEST_GUARD',
      `${count} invalid requests (401/403/429) in the last 10 minutes reached the limit of ${this.invalid.limit}; ${route.template} not sent, to stay clear of Discord's 10,000 IP ban`);
  }

  private countInvalid(route: ParsedRoute, status: number): void {
    this.stats.invalidRequests++;
    const n = this.invalid.record();
    const step = Math.max(1, Math.floor(this.invalid.limit / 10));
    if (n % step === 0) this.log.warn('rest.invalid_requests', { count: n, limit: this.invalid.limit, last_route: route.template, last_status: status });
  }

  private async backoff(route: ParsedRoute, attempt: number, why: number | string, signal: AbortSignal): Promise<void> {
    this.stats.retries++;
    // retryBaseMs is the floor of the first delay: equal jitter draws from [cap/2, cap).
    const ms = backoffDelay(attempt, { baseMs: 2 * this.retryBaseMs }, () => this.clock.random());
    this.log.warn('rest.retry', { route: route.template, attempt, of: this.maxRetries, ...(typeof why === 'number' ? { status: why } : { error: why }), delay_ms: ms });
    await sleep(ms, this.clock, signal);
  }

  private async send(method: HttpMethod, path: string, route: ParsedRoute, auth: boolean, opts: RequestOptions, signal: AbortSignal): Promise<Attempt> {
    const url = this.url(path, opts.query);
    const headers: Record<string, string> = { 'User-Agent': this.userAgent ?? defaultUserAgent(), 'Content-Type': 'application/json' };
    if (auth) headers.Authorization = `Bot ${this.#token}`;
    if (opts.reason) headers['X-Audit-Log-Reason'] = encodeURIComponent(opts.reason);
    const timeout = new AbortController();
    const timer = this.clock.setTimeout(() => timeout.abort(), this.timeoutMs);
    const linked = linkAbort([timeout.signal, signal]);
    try {
      // A redirect is not followed: it comes back as a 3xx, which classify fails like any other
      // unexpected answer (Discord's API does not redirect).
      const res = await this.transport(url, {
        method, headers, body: opts.body === undefined ? null : JSON.stringify(opts.body), signal: linked.signal,
      });
      const text = await res.text();
      return { kind: 'response', res, body: parseBody(text, res.headers.get('content-type')) };
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      // Error messages may carry the full URL (webhook tokens included): keep only the template.
      return { kind: 'failed', timedOut: timeout.signal.aborted, error: sanitize(err, url, route) };
    } finally {
      this.clock.clearTimeout(timer);
      linked.release();
    }
  }

  private url(path: string, query: RequestOptions['query']): string {
    let url = this.baseUrl + (path.startsWith('/') ? path : `/${path}`);
    if (query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
      const s = qs.toString();
      if (s) url += (url.includes('?') ? '&' : '?') + s;
    }
    return url;
  }
}

/**
 * A signal that aborts, with the source's reason, when any of `sources` aborts, until `release()`.
 * Like AbortSignal.any, except that nothing stays registered on the sources afterwards: Node keeps
 * every AbortSignal.any result attached to its sources for as long as they live, which on the
 * client's lifetime signal grew the heap by about 60 bytes per request
 * (test/unit/rest-signal-heap.test.ts).
 */
function linkAbort(sources: readonly AbortSignal[]): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const already = sources.find((s) => s.aborted);
  if (already) {
    controller.abort(already.reason);
    return { signal: controller.signal, release: () => {} };
  }
  const offs = sources.map((source) => {
    const onAbort = () => controller.abort(source.reason);
    source.addEventListener('abort', onAbort, { once: true });
    return () => source.removeEventListener('abort', onAbort);
  });
  return { signal: controller.signal, release: () => { for (const off of offs) off(); } };
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === '') return undefined;
  if (contentType?.includes('json')) {
    try { return JSON.parse(text); } catch { return text; }
  }
  return text;
}

function errorCode(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err.name;
}

function sanitize(err: unknown, url: string, route: ParsedRoute): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  const path = new URL(url).pathname;
  const safe = new Error(e.message.split(url).join(route.template).split(path).join(route.pathTemplate));
  safe.name = e.name;
  const code = (e as { code?: unknown }).code;
  if (code !== undefined) (safe as { code?: unknown }).code = code;
  return safe;
}
