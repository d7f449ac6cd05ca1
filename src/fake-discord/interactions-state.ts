// Owns what the fake knows about each interaction it sent: token, 3 s deadline, 15 min token lifetime,
// the initial response (inline or /callback), @original and follow-ups. Does not sign or send anything.
import { performance } from 'node:perf_hooks';
import { InteractionType, MessageFlags, MessageType, type APIMessage } from 'discord-api-types/v10';
import type { World } from './world.js';

export const TOKEN_LIFETIME_MS = 15 * 60_000;

export class DiscordError extends Error {
  constructor(readonly status: number, readonly code: number, message: string, readonly errors?: unknown) { super(message); }
  body(): Record<string, unknown> {
    return this.errors === undefined ? { message: this.message, code: this.code } : { message: this.message, code: this.code, errors: this.errors };
  }
}
export const unknownWebhook = () => new DiscordError(404, 10015, 'Unknown Webhook');
export const unknownInteraction = () => new DiscordError(404, 10062, 'Unknown interaction');

export interface InteractionRecord {
  id: string; token: string; type: InteractionType; name?: string; userId: string;
  channelId: string; inGuild: boolean; createdAt: number; createdReal: number; deadlineMs: number;
  acknowledged: boolean; ackType?: number; ackVia?: 'inline' | 'callback';
  original?: APIMessage; ephemeral: boolean; followups: APIMessage[];
  /** An autocomplete interaction's answer (type 8). */
  choices?: { name: string; value: string | number }[];
  /** What the endpoint answered and how long it took; filled in by the sender. */
  result?: InteractionResult;
}

/** One interaction the sender delivered; `original`/`followups` stay live as the bot edits them. */
export class InteractionResult {
  status = 0; body: unknown = undefined; rawBody = ''; contentType = ''; latencyMs = 0; late = false; error?: string;
  constructor(private readonly rec: InteractionRecord) {}
  get id(): string { return this.rec.id; }
  get token(): string { return this.rec.token; }
  get name(): string | undefined { return this.rec.name; }
  get original(): APIMessage | undefined { return this.rec.original; }
  get followups(): APIMessage[] { return this.rec.followups; }
  get acknowledged(): boolean { return this.rec.acknowledged; }
  /** The choices an autocomplete interaction was answered with (undefined until answered with type 8). */
  get choices(): { name: string; value: string | number }[] | undefined { return this.rec.choices; }
  /** Whether the answer (inline type 4, or a deferral) is visible to the invoker only. */
  get ephemeral(): boolean { return this.rec.ephemeral; }
  /** Discord's verdict as the user would see it. */
  get outcome(): 'ok' | 'did-not-respond' | 'failed' {
    if (this.late || this.status === 0) return 'did-not-respond';
    return this.rec.acknowledged || this.status === 202 ? 'ok' : 'failed';
  }
  toJSON(): Record<string, unknown> {
    return { id: this.id, name: this.name, status: this.status, body: this.body, contentType: this.contentType, latencyMs: this.latencyMs,
      late: this.late, error: this.error, outcome: this.outcome, original: this.original, followups: this.followups,
      ...(this.rec.choices ? { choices: this.rec.choices } : {}), ephemeral: this.rec.ephemeral };
  }
}

export class InteractionRegistry {
  private readonly byId = new Map<string, InteractionRecord>();
  private readonly byToken = new Map<string, InteractionRecord>();

  constructor(private readonly world: World) {}

  add(rec: InteractionRecord): void { this.byId.set(rec.id, rec); this.byToken.set(rec.token, rec); }
  get(id: string): InteractionRecord | undefined { return this.byId.get(id); }

  private deadlinePassed(rec: InteractionRecord): boolean {
    return performance.now() - rec.createdReal > rec.deadlineMs || this.world.clock.now() - rec.createdAt > rec.deadlineMs;
  }

  /** POST /interactions/{id}/{token}/callback semantics. */
  callback(id: string, token: string, body: unknown): APIMessage | undefined {
    const rec = this.byId.get(id);
    if (!rec || rec.token !== token || this.deadlinePassed(rec) && !rec.acknowledged) throw unknownInteraction();
    if (rec.acknowledged) throw new DiscordError(400, 40060, 'Interaction has already been acknowledged.');
    return this.acknowledge(rec, body, 'callback');
  }

  /** Records the initial response (type 1/4/5) and materialises the original message. */
  acknowledge(rec: InteractionRecord, body: unknown, via: 'inline' | 'callback'): APIMessage | undefined {
    const b = (body ?? {}) as { type?: unknown; data?: { content?: unknown; flags?: unknown; allowed_mentions?: unknown } };
    const type = typeof b.type === 'number' ? b.type : NaN;
    // PING takes PONG; AUTOCOMPLETE only APPLICATION_COMMAND_AUTOCOMPLETE_RESULT (8), with at most 25 choices.
    const allowed = rec.type === InteractionType.Ping ? [1] : rec.type === InteractionType.ApplicationCommandAutocomplete ? [8] : [4, 5];
    if (!allowed.includes(type)) throw new DiscordError(400, 50035, 'Invalid Form Body', { type: { _errors: [{ code: 'BASE_TYPE_CHOICES', message: `Value must be one of {${allowed.join(', ')}}.` }] } });
    if (type === 8) {
      const choices = (b.data as { choices?: unknown } | undefined)?.choices;
      const list = Array.isArray(choices) ? choices as { name?: unknown; value?: unknown }[] : undefined;
      const bad = !list || list.length > 25 || list.some((c) => typeof c?.name !== 'string' || c.name.length < 1 || c.name.length > 100
        || (typeof c.value === 'string' && c.value.length > 100) || (typeof c.value !== 'string' && typeof c.value !== 'number'));
      if (bad) throw new DiscordError(400, 50035, 'Invalid Form Body', { data: { choices: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length, each name 1-100.' }] } } });
      rec.acknowledged = true; rec.ackType = type; rec.ackVia = via;
      rec.choices = list!.map((c) => ({ name: String(c.name), value: c.value as string | number }));
      return undefined;
    }
    rec.acknowledged = true; rec.ackType = type; rec.ackVia = via;
    if (type === 1) return undefined;
    const flags = typeof b.data?.flags === 'number' ? b.data.flags : 0;
    rec.ephemeral = (flags & MessageFlags.Ephemeral) !== 0;
    const content = type === 4 && typeof b.data?.content === 'string' ? b.data.content : '';
    if (type === 4 && content.length > 2000) throw tooLong();
    const msgFlags = type === 5 ? (flags & MessageFlags.Ephemeral) | MessageFlags.Loading : flags;
    rec.original = this.makeMessage(rec, content, msgFlags, b.data?.allowed_mentions);
    return rec.original;
  }

  private makeMessage(rec: InteractionRecord, content: string, flags: number, allowedMentions: unknown): APIMessage {
    const w = this.world;
    const invoker = w.users.get(rec.userId)!;
    const extra: Partial<APIMessage> = {
      application_id: w.applicationId,
      interaction_metadata: { id: rec.id, type: InteractionType.ApplicationCommand, user: w.apiUser(invoker),
        authorizing_integration_owners: rec.inGuild ? { 0: w.guildId } : { 0: '0' } },
      interaction: { id: rec.id, type: rec.type, name: rec.name ?? '', user: w.apiUser(invoker) },
    };
    const am = allowedMentions as { parse?: string[] } | undefined;
    const stored = rec.inGuild && (flags & MessageFlags.Ephemeral) === 0 && w.channels.has(rec.channelId);
    if (stored) {
      const msg = w.createMessage({ channelId: rec.channelId, authorId: w.botUserId, content, flags, webhookId: w.applicationId,
        type: MessageType.ChatInputCommand, extra, allowedMentions: am ?? { parse: ['users'] } });
      w.sentMeta.set(msg.id, { allowedMentions: am, flags });
      return msg;
    }
    // Ephemeral and DM responses never appear in a guild channel's history or on the gateway.
    return { id: w.ids.next(), channel_id: rec.channelId, author: w.apiUser(w.users.get(w.botUserId)!), content,
      timestamp: new Date(w.clock.now()).toISOString(), edited_timestamp: null, tts: false, mention_everyone: false,
      mentions: [], mention_roles: [], attachments: [], embeds: [], components: [], pinned: false,
      type: MessageType.ChatInputCommand, flags: flags as MessageFlags, webhook_id: w.applicationId, ...extra };
  }

  /** Resolves a webhook-route token: unknown, expired (15 min by the clock) or never acknowledged → 10015. */
  private byWebhook(appId: string, token: string): InteractionRecord {
    const rec = this.byToken.get(token);
    if (!rec || appId !== this.world.applicationId) throw unknownWebhook();
    if (this.world.clock.now() - rec.createdAt > TOKEN_LIFETIME_MS) throw unknownWebhook();
    if (!rec.acknowledged) throw unknownWebhook();
    return rec;
  }

  followup(appId: string, token: string, body: Record<string, unknown>): APIMessage {
    const rec = this.byWebhook(appId, token);
    const content = typeof body.content === 'string' ? body.content : '';
    if (content.length > 2000) throw tooLong();
    if (!content && !Array.isArray(body.embeds)) throw new DiscordError(400, 50006, 'Cannot send an empty message');
    const flags = typeof body.flags === 'number' ? body.flags : 0;
    const msg = this.makeMessage(rec, content, flags, body.allowed_mentions);
    rec.followups.push(msg);
    return msg;
  }

  getOriginal(appId: string, token: string): APIMessage {
    const rec = this.byWebhook(appId, token);
    if (!rec.original) throw new DiscordError(404, 10008, 'Unknown Message');
    return rec.original;
  }

  /** PATCH @original (or a follow-up by id): fills a deferred reply and clears the LOADING flag. */
  editMessage(appId: string, token: string, messageId: string, body: Record<string, unknown>): APIMessage {
    const rec = this.byWebhook(appId, token);
    const target = messageId === '@original' ? rec.original : rec.followups.find((m) => m.id === messageId);
    if (!target) throw new DiscordError(404, 10008, 'Unknown Message');
    if (typeof body.content === 'string' && body.content.length > 2000) throw tooLong();
    const flags = ((target.flags ?? 0) & ~MessageFlags.Loading) as MessageFlags;
    if (body.allowed_mentions !== undefined) this.world.sentMeta.set(target.id, { allowedMentions: body.allowed_mentions as { parse?: string[] }, flags });
    const stored = this.world.getMessage(target.channel_id, target.id);
    if (stored) {
      const edited = this.world.editMessage(target.channel_id, target.id, { content: typeof body.content === 'string' ? body.content : undefined, flags });
      if (messageId === '@original') rec.original = edited;
      return edited;
    }
    if (typeof body.content === 'string') target.content = body.content;
    target.flags = flags;
    target.edited_timestamp = new Date(this.world.clock.now()).toISOString();
    return target;
  }

  deleteOriginal(appId: string, token: string): void {
    const rec = this.byWebhook(appId, token);
    if (!rec.original) throw new DiscordError(404, 10008, 'Unknown Message');
    this.world.deleteMessage(rec.original.channel_id, rec.original.id);
    rec.original = undefined;
  }
}

export function tooLong(field = 'content', max = 2000): DiscordError {
  return new DiscordError(400, 50035, 'Invalid Form Body', { [field]: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` }] } });
}
