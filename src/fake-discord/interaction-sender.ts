// Owns delivering interactions to the bot's endpoint as Discord does: payload shape, Ed25519 signature
// over timestamp+body (tweetnacl), the POST, the 3 s verdict and endpoint validation. State lives in the registry.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import {
  ApplicationCommandType, ChannelType, InteractionContextType, InteractionType, Locale,
  type APIApplicationCommandInteractionDataOption, type APIInteractionDataResolved, type APIPingInteraction,
  type APIChatInputApplicationCommandGuildInteraction, type APIChatInputApplicationCommandDMInteraction,
  type APIMessageApplicationCommandGuildInteraction,
} from 'discord-api-types/v10';
import type { Logger } from '../log.js';
import type { World } from './world.js';
import { InteractionResult, type InteractionRecord, type InteractionRegistry } from './interactions-state.js';

export interface RunCommandOptions {
  userId: string; name: string; channelId?: string;
  options?: { name: string; type: number; value: string | number | boolean; focused?: boolean }[];
  dm?: boolean; signature?: 'valid' | 'bad'; timestamp?: number;
  /** `member.permissions` as sent (a decimal bit string); default: the member's roles' (World.memberPermissions). */
  permissions?: string;
}
/** A message context-menu command (data.type 3) on message `messageId` of `channelId` (the channel it is run in). */
export interface RunMessageCommandOptions {
  userId: string; name: string; channelId: string; messageId: string; permissions?: string; signature?: 'valid' | 'bad';
}
const APP_PERMISSIONS = '2248473465835073';

export class InteractionSender {
  readonly keys = nacl.sign.keyPair();
  readonly results: InteractionResult[] = [];
  private url: string | undefined;
  private readonly commandIds = new Map<string, string>();

  constructor(private readonly world: World, private readonly registry: InteractionRegistry, private readonly log: Logger,
    private readonly onResult: (r: InteractionResult) => void, url: string | undefined, readonly deadlineMs = 3000) { this.url = url; }

  get publicKeyHex(): string { return Buffer.from(this.keys.publicKey).toString('hex'); }
  setUrl(url: string): void { this.url = url; }

  private newToken(id: string): string {
    // Real tokens are base64("interaction:<id>:<secret>"); "interaction:" is 12 bytes, so the prefix is stable.
    return Buffer.from(`interaction:${id}:${randomBytes(48).toString('base64url')}`).toString('base64url');
  }

  private commandId(name: string): string {
    const registered = [...(this.world.guildCommands.get(this.world.guildId) ?? []), ...this.world.globalCommands]
      .find((c) => c.name === name);
    if (registered && typeof registered.id === 'string') return registered.id;
    let id = this.commandIds.get(name);
    if (!id) { id = this.world.ids.next(); this.commandIds.set(name, id); }
    return id;
  }

  /** Builds an APPLICATION_COMMAND payload in the guild shape (member) or the DM shape (user). */
  buildCommand(opts: RunCommandOptions, id: string, token: string): APIChatInputApplicationCommandGuildInteraction | APIChatInputApplicationCommandDMInteraction {
    const w = this.world;
    const invoker = w.users.get(opts.userId) ?? w.findUser(opts.userId);
    if (!invoker) throw new Error(`unknown user ${opts.userId}`);
    const options = (opts.options ?? []).map((o) => ({ name: o.name, type: o.type, value: o.value, ...(o.focused ? { focused: true } : {}) }) as APIApplicationCommandInteractionDataOption);
    const resolved: APIInteractionDataResolved = {};
    for (const o of opts.options ?? []) {
      if (o.type !== 6) continue;
      const u = w.users.get(String(o.value));
      if (!u) continue;
      (resolved.users ??= {})[u.id] = w.apiUser(u);
      if (!opts.dm) (resolved.members ??= {})[u.id] = { ...w.memberNoUser(u), permissions: w.memberPermissions(u) };
    }
    const data = { id: this.commandId(opts.name), name: opts.name, type: ApplicationCommandType.ChatInput as const,
      ...(options.length ? { options } : {}), ...(resolved.users ? { resolved } : {}), ...(opts.dm ? {} : { guild_id: w.guildId }) };
    const base = { id, application_id: w.applicationId, type: InteractionType.ApplicationCommand as const, token, version: 1 as const,
      app_permissions: APP_PERMISSIONS, locale: Locale.EnglishUS, entitlements: [], attachment_size_limit: 10485760, data };
    if (opts.dm) {
      const dmChannel = opts.channelId ?? `${BigInt(invoker.id) + 1n}`;
      return { ...base, user: w.apiUser(invoker), channel_id: dmChannel,
        channel: { id: dmChannel, type: ChannelType.DM, recipients: [w.apiUser(invoker)], last_message_id: null, flags: 0 as never },
        authorizing_integration_owners: { 0: '0' }, context: InteractionContextType.BotDM };
    }
    const ch = w.channels.get(opts.channelId ?? '') ?? w.findChannel(opts.channelId ?? 'i-shipped')!;
    return { ...base, guild_id: w.guildId, guild_locale: Locale.EnglishUS,
      guild: { id: w.guildId, locale: Locale.EnglishUS, features: [] },
      channel_id: ch.id, channel: { ...ch },
      member: { ...w.member(invoker), permissions: opts.permissions ?? w.memberPermissions(invoker) },
      authorizing_integration_owners: { 0: w.guildId }, context: InteractionContextType.Guild };
  }

  async runCommand(opts: RunCommandOptions): Promise<InteractionResult> {
    const id = this.world.ids.next();
    const token = this.newToken(id);
    const payload = this.buildCommand(opts, id, token);
    const invokerId = 'member' in payload ? payload.member.user.id : payload.user.id;
    const rec = this.newRecord(id, token, InteractionType.ApplicationCommand, invokerId, payload.channel_id!, !opts.dm, opts.name);
    return this.deliver(rec, payload, opts.signature ?? 'valid', opts.timestamp);
  }

  /**
   * An APPLICATION_COMMAND_AUTOCOMPLETE interaction (type 4) as Discord sends one per keystroke:
   * the command's options so far, the one being typed with `focused: true` (its value is the text
   * typed, always a string). The answer must be type 8 within the deadline.
   */
  async autocomplete(opts: RunCommandOptions): Promise<InteractionResult> {
    const id = this.world.ids.next();
    const token = this.newToken(id);
    const payload = { ...this.buildCommand(opts, id, token), type: InteractionType.ApplicationCommandAutocomplete };
    const invokerId = 'member' in payload ? payload.member.user.id : payload.user.id;
    const rec = this.newRecord(id, token, InteractionType.ApplicationCommandAutocomplete, invokerId, payload.channel_id!, !opts.dm, opts.name);
    return this.deliver(rec, payload, opts.signature ?? 'valid', opts.timestamp);
  }

  /**
   * A MESSAGE command (right-click a message → Apps): `data.type` 3, `data.target_id` the message's
   * id and `data.resolved.messages[target_id]` the message as REST serialises it; the invoker's
   * `member.permissions` are their roles' unless `permissions` is given.
   */
  buildMessageCommand(opts: RunMessageCommandOptions, id: string, token: string): APIMessageApplicationCommandGuildInteraction {
    const w = this.world;
    const invoker = w.users.get(opts.userId) ?? w.findUser(opts.userId);
    if (!invoker) throw new Error(`unknown user ${opts.userId}`);
    const ch = w.channels.get(opts.channelId);
    if (!ch) throw new Error(`unknown channel ${opts.channelId}`);
    const msg = w.getMessage(opts.channelId, opts.messageId);
    if (!msg) throw new Error(`unknown message ${opts.messageId} in channel ${opts.channelId}`);
    const data = { id: this.commandId(opts.name), name: opts.name, type: ApplicationCommandType.Message as const, target_id: msg.id,
      resolved: { messages: { [msg.id]: w.present(msg) } }, guild_id: w.guildId };
    return { id, application_id: w.applicationId, type: InteractionType.ApplicationCommand, token, version: 1,
      app_permissions: APP_PERMISSIONS, locale: Locale.EnglishUS, entitlements: [], attachment_size_limit: 10485760, data,
      guild_id: w.guildId, guild_locale: Locale.EnglishUS, guild: { id: w.guildId, locale: Locale.EnglishUS, features: [] },
      channel_id: ch.id, channel: { ...ch },
      member: { ...w.member(invoker), permissions: opts.permissions ?? w.memberPermissions(invoker) },
      authorizing_integration_owners: { 0: w.guildId }, context: InteractionContextType.Guild };
  }

  async runMessageCommand(opts: RunMessageCommandOptions): Promise<InteractionResult> {
    const id = this.world.ids.next();
    const token = this.newToken(id);
    const payload = this.buildMessageCommand(opts, id, token);
    const rec = this.newRecord(id, token, InteractionType.ApplicationCommand, payload.member.user.id, payload.channel_id, true, opts.name);
    return this.deliver(rec, payload, opts.signature ?? 'valid');
  }

  async sendPing(signature: 'valid' | 'bad' = 'valid'): Promise<InteractionResult> {
    const id = this.world.ids.next();
    const token = this.newToken(id);
    const payload: APIPingInteraction = { id, application_id: this.world.applicationId, type: InteractionType.Ping, token, version: 1,
      app_permissions: '0', entitlements: [], authorizing_integration_owners: {}, attachment_size_limit: 10485760 };
    const rec = this.newRecord(id, token, InteractionType.Ping, this.world.botUserId, '', false);
    return this.deliver(rec, payload, signature);
  }

  /** What the Developer Portal does when the URL is saved: a valid PING must PONG, a bad signature must 401. */
  async validateEndpoint(): Promise<{ ok: boolean; details: string[] }> {
    const details: string[] = [];
    const good = await this.sendPing('valid');
    const pong = good.status === 200 && /^application\/json/.test(good.contentType) && (good.body as { type?: unknown })?.type === 1;
    details.push(pong ? 'valid PING answered 200 {"type":1}' : `valid PING: expected 200 {"type":1}, got ${good.status} ${good.rawBody.slice(0, 100)}`);
    const bad = await this.sendPing('bad');
    const rejected = bad.status === 401;
    details.push(rejected ? 'bad signature answered 401' : `bad signature: expected 401, got ${bad.status}`);
    return { ok: pong && rejected && !good.late, details };
  }

  private newRecord(id: string, token: string, type: InteractionType, userId: string, channelId: string, inGuild: boolean, name?: string): InteractionRecord {
    const rec: InteractionRecord = { id, token, type, name, userId, channelId, inGuild, createdAt: this.world.clock.now(),
      createdReal: performance.now(), deadlineMs: this.deadlineMs, acknowledged: false, ephemeral: false, followups: [] };
    this.registry.add(rec);
    return rec;
  }

  private async deliver(rec: InteractionRecord, payload: unknown, signature: 'valid' | 'bad', timestampSec?: number): Promise<InteractionResult> {
    const result = new InteractionResult(rec);
    rec.result = result;
    this.results.push(result);
    if (!this.url) { result.error = 'no interaction URL configured'; this.onResult(result); return result; }
    const body = JSON.stringify(payload);
    const ts = String(timestampSec ?? Math.floor(this.world.clock.now() / 1000));
    const sig = nacl.sign.detached(Buffer.from(ts + body), this.keys.secretKey);
    if (signature === 'bad') sig[0] = sig[0]! ^ 0xff;
    const started = performance.now();
    try {
      const res = await post(this.url, body, { 'x-signature-ed25519': Buffer.from(sig).toString('hex'), 'x-signature-timestamp': ts }, this.deadlineMs + 5000);
      result.latencyMs = performance.now() - started;
      result.status = res.status; result.rawBody = res.body; result.contentType = res.contentType;
      try { result.body = res.body ? JSON.parse(res.body) : undefined; } catch { result.body = undefined; }
      result.late = result.latencyMs > this.deadlineMs;
      const jsonOk = /^application\/json/i.test(res.contentType);
      if (!result.late && res.status === 200 && jsonOk && result.body !== undefined && !rec.acknowledged && signature === 'valid') {
        try { this.registry.acknowledge(rec, result.body, 'inline'); } catch (err) { result.error = `invalid response: ${(err as Error).message}`; }
      }
    } catch (err) {
      result.latencyMs = performance.now() - started;
      result.late = true;
      result.error = (err as Error).message;
    }
    this.log.debug('fake_discord.interaction', { id: rec.id, name: rec.name, status: result.status, latency_ms: Math.round(result.latencyMs), late: result.late });
    this.onResult(result);
    return result;
  }
}

function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body),
      'user-agent': 'Discord-Interactions/1.0 (+https://discord.com)', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: String(res.headers['content-type'] ?? '') }); });
      res.on('error', (e) => { clearTimeout(timer); reject(e); });
    });
    // Real time on purpose: Discord's 3 s budget is wall-clock network time, not simulated time.
    const timer = setTimeout(() => req.destroy(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.end(body);
  });
}
