// Owns the cached GET /gateway/bot answer: the URL for new sessions and the session-start quota.
// Does not call REST itself (it is given a fetcher) and does not pace IDENTIFY (identify-limiter.ts).
import type { Clock } from '../../clock.js';
import type { Logger } from '../../log.js';
import type { SessionStartLimit } from './identify-limiter.js';

export interface GatewayBotInfo { url: string; shards: number; session_start_limit: SessionStartLimit }

export class GatewayInfoCache {
  private cached: { info: GatewayBotInfo; at: number } | undefined;

  constructor(
    private readonly fetch: () => Promise<GatewayBotInfo>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly ttlMs: number,
  ) {}

  /** Forget the numbers (after a quota reset) so the next get() asks Discord again. */
  invalidate(): void { this.cached = undefined; }

  /** Fresh or cached info; a failed fetch falls back to a stale copy if there is one. */
  async get(): Promise<GatewayBotInfo> {
    const cached = this.cached;
    if (cached && this.clock.now() - cached.at < this.ttlMs) return cached.info;
    try {
      const info = await this.fetch();
      // Copy the limit: the limiter counts IDENTIFYs against it locally.
      const copy = { ...info, session_start_limit: { ...info.session_start_limit } };
      this.cached = { info: copy, at: this.clock.now() };
      const l = copy.session_start_limit;
      this.log.info('gateway.bot_info', { shards: info.shards, remaining: l.remaining, total: l.total, resetAfterMs: l.reset_after, maxConcurrency: l.max_concurrency });
      return copy;
    } catch (err) {
      if (!cached) throw err;
      this.log.warn('gateway.bot_info_stale', { err });
      return cached.info;
    }
  }
}
