// Owns the worker's view of whether #i-shipped is usable: from GUILD_CREATE (sent after every
// READY) and the events that change the guild's channels, roles or the bot's roles, is the channel
// a text channel of the guild where the bot may view, read history and react? A problem is logged
// once per change (again after each READY) and handed to `record` for `shiptrack status`. The
// verdict itself is src/worker/channel-check.ts; the payload parsing is src/worker/payloads.ts.
import type { Logger } from '../log.js';
import { checkChannel } from './channel-check.js';
import { GUILD_EVENTS, applyGuildEvent, asGuildCreate, type GuildSnapshot } from './payloads.js';

export interface ChannelWatchOptions {
  /** DISCORD_GUILD_ID, when set: only that guild is looked at. */
  guildId?: string | undefined;
  /** SHIPPED_CHANNEL_ID. */
  channelId: string;
  /** The bot's user id as far as known before READY (from the token); READY's user.id replaces it. */
  botId: string;
  log: Logger;
  /** The current problem's one-line text with its fix, or null once the channel is usable. */
  record(problem: string | null): void;
}

export class ChannelWatch {
  private botId: string;
  private readonly guilds = new Map<string, GuildSnapshot>();
  /** Guild ids READY announced that have not sent GUILD_CREATE yet (the channel may be in one). */
  private readonly awaited = new Set<string>();
  private reported: string | null | undefined;

  constructor(private readonly o: ChannelWatchOptions) {
    this.botId = o.botId;
  }

  /** One gateway dispatch; anything that is not about the guild is ignored. */
  handle(t: string, d: unknown): void {
    if (t === 'READY') {
      const user = (d as { user?: { id?: unknown } } | null)?.user;
      if (typeof user?.id === 'string') this.botId = user.id;
      this.guilds.clear();
      this.awaited.clear();
      this.reported = undefined;
      const list = (d as { guilds?: unknown } | null)?.guilds;
      for (const x of Array.isArray(list) ? list : []) if (typeof (x as { id?: unknown })?.id === 'string') this.awaited.add((x as { id: string }).id);
      return;
    }
    if (t === 'GUILD_CREATE') {
      const g = asGuildCreate(d, this.botId);
      if (!g) return;
      this.guilds.set(g.id, g);
      this.awaited.delete(g.id);
      this.check();
      return;
    }
    if (t === 'GUILD_DELETE') {
      const id = (d as { id?: unknown } | null)?.id;
      if (typeof id === 'string') { this.guilds.delete(id); this.awaited.delete(id); }
      return;
    }
    if (!GUILD_EVENTS.has(t)) return;
    const ids = d as { guild_id?: unknown; id?: unknown } | null;
    const g = this.guilds.get(typeof ids?.guild_id === 'string' ? ids.guild_id : t === 'GUILD_UPDATE' && typeof ids?.id === 'string' ? ids.id : '');
    if (g && applyGuildEvent(g, t, d, this.botId)) this.check();
  }

  private check(): void {
    const { guildId, channelId, log } = this.o;
    let g: GuildSnapshot | undefined;
    if (guildId) {
      g = this.guilds.get(guildId);
      if (!g) return;
    } else {
      g = [...this.guilds.values()].find((x) => x.channels.has(channelId));
      if (!g && this.awaited.size > 0) return;
    }
    const problem = checkChannel(g, channelId, this.botId);
    const text = problem?.text ?? null;
    if (text !== this.reported) {
      if (problem) {
        log.error('worker.channel_unusable', { channel: channelId, guild: g?.id, reason: problem.reason, missing: problem.missing, hint: problem.hint });
      } else if (this.reported) {
        log.notice('worker.channel_usable', { channel: channelId, guild: g?.id });
      }
      this.reported = text;
    }
    this.o.record(text);
  }
}
