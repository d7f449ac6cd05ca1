// Owns the fake's REST surface under /api/v10: auth, Discord's validation and error bodies, routing
// to the world / interaction registry, rate-limit headers and scripted faults, and request recording.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { World, AllowedMentions } from './world.js';
import type { RateLimits } from './rate-limits.js';
import { routeKey } from './rate-limits.js';
import { DiscordError, tooLong, type InteractionRegistry } from './interactions-state.js';

export interface RecordedRequest {
  method: string; path: string; route: string; query: Record<string, string>; headers: Record<string, string | string[] | undefined>;
  body: unknown; rawBody: string; status: number; responseBody: unknown; at: number;
}
export interface RestContext {
  world: World; limits: RateLimits; registry: InteractionRegistry; log: Logger;
  gatewayUrl: () => string; publicKeyHex: () => string;
  sessionStartLimit: { total: number; remaining: number; reset_after: number; max_concurrency: number };
  record: (r: RecordedRequest) => void;
}
interface Reply { status: number; body?: unknown; headers?: Record<string, string> }
type Handler = (m: RegExpMatchArray, body: Record<string, unknown>, q: URLSearchParams) => Reply;
interface Route { method: string; re: RegExp; auth: boolean; run: Handler }

const SF = '(\\d{16,21})';
const unauthorized = (): Reply => ({ status: 401, body: { message: '401: Unauthorized', code: 0 } });
const err = (e: DiscordError): Reply => ({ status: e.status, body: e.body() });
const formError = (field: string, code: string, message: string) => new DiscordError(400, 50035, 'Invalid Form Body', { [field]: { _errors: [{ code, message }] } });

export class RestServer {
  private readonly routes: Route[];
  constructor(private readonly ctx: RestContext) { this.routes = this.buildRoutes(); }

  async handle(req: IncomingMessage, res: ServerResponse, subPath: string, search: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    const q = new URLSearchParams(search);
    const { route } = routeKey(method, subPath);
    const rec: RecordedRequest = { method, path: subPath, route, query: Object.fromEntries(q), headers: { ...req.headers }, body: undefined,
      rawBody: raw, status: 0, responseBody: undefined, at: this.ctx.world.clock.now() };
    try { rec.body = raw ? JSON.parse(raw) : undefined; } catch { rec.body = raw; }

    const scripted = this.ctx.limits.takeScript(method, `/api/v10${subPath}`, subPath);
    if (scripted?.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
    if (scripted?.drop) { rec.status = 0; this.ctx.record(rec); req.socket.destroy(); return; }
    let reply: Reply;
    if (scripted && !scripted.passThrough) reply = { status: scripted.status, body: scripted.body, headers: scripted.headers };
    else reply = this.dispatch(method, subPath, raw, q, req);

    rec.status = reply.status; rec.responseBody = reply.body;
    const headers: Record<string, string> = { 'via': '1.1 fake-discord', ...reply.headers };
    if (reply.body !== undefined) headers['content-type'] = 'application/json';
    res.writeHead(reply.status, headers);
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
    this.ctx.record(rec);
  }

  private dispatch(method: string, path: string, raw: string, q: URLSearchParams, req: IncomingMessage): Reply {
    const candidates = this.routes.filter((r) => r.re.test(path));
    if (!candidates.length) return { status: 404, body: { message: '404: Not Found', code: 0 } };
    const route = candidates.find((r) => r.method === method);
    if (!route) return { status: 405, body: { message: '405: Method Not Allowed', code: 0 } };
    if (route.auth && req.headers.authorization !== `Bot ${this.ctx.world.botToken}`) return unauthorized();
    let body: Record<string, unknown> = {};
    if (raw.length && method !== 'GET') {
      if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? ''))) return err(new DiscordError(400, 50035, 'Invalid Form Body'));
      try { body = JSON.parse(raw) as Record<string, unknown>; } catch { return err(new DiscordError(400, 50109, 'The request body contains invalid JSON.')); }
      if (body === null || typeof body !== 'object') return err(new DiscordError(400, 50109, 'The request body contains invalid JSON.'));
    }
    // Interaction callbacks are exempt from rate limits (and carry no headers); everything else counts.
    const counted = !path.startsWith('/interactions/');
    const rl = counted ? this.ctx.limits.consume(method, path) : { headers: {} as Record<string, string> };
    if (rl.limited) {
      return { status: 429, headers: rl.headers, body: { message: 'You are being rate limited.', retry_after: rl.limited.retryAfterSec, global: false } };
    }
    try {
      const out = route.run(path.match(route.re)!, body, q);
      return { ...out, headers: { ...rl.headers, ...out.headers } };
    } catch (e) {
      if (e instanceof DiscordError) return { ...err(e), headers: rl.headers };
      this.ctx.log.error('fake_discord.rest_error', { path, err: e });
      return { status: 500, body: { message: '500: Internal Server Error', code: 0 }, headers: rl.headers };
    }
  }

  private buildRoutes(): Route[] {
    const w = this.ctx.world;
    const reg = this.ctx.registry;
    const channel = (id: string) => { const c = w.channels.get(id); if (!c) throw new DiscordError(404, 10003, 'Unknown Channel'); return c; };
    const message = (c: string, m: string) => { channel(c); const msg = w.getMessage(c, m); if (!msg) throw new DiscordError(404, 10008, 'Unknown Message'); return msg; };
    const emoji = (enc: string) => {
      let e: string;
      try { e = decodeURIComponent(enc); } catch { throw new DiscordError(400, 10014, 'Unknown Emoji'); }
      // A raw shortcode or an empty name is what Discord rejects as 10014.
      if (!e || /^:\w+:$/.test(e) || /^[\x20-\x7e]+$/.test(e) && !/^\w+:\d{17,20}$/.test(e)) throw new DiscordError(400, 10014, 'Unknown Emoji');
      return e;
    };
    const r = (method: string, pattern: string, run: Handler, auth = true): Route => ({ method, re: new RegExp(`^${pattern}$`), auth, run });
    const ok = (body: unknown, status = 200): Reply => ({ status, body });
    const app = (id: string) => { if (id !== w.applicationId) throw new DiscordError(404, 10002, 'Unknown Application'); };
    const guild = (id: string) => { if (id !== w.guildId) throw new DiscordError(404, 10004, 'Unknown Guild'); };
    const commandsPut = (list: Record<string, unknown>[], body: unknown): Reply => {
      if (!Array.isArray(body)) throw formError('_root', 'BASE_TYPE_ARRAY', 'Must be an array.');
      const next = (body as Record<string, unknown>[]).map((c, i) => validateCommand(c, i, list, w.ids.next.bind(w.ids), w.applicationId));
      list.splice(0, list.length, ...next);
      return ok(list);
    };
    return [
      r('GET', '/gateway', () => ok({ url: this.ctx.gatewayUrl() }), false),
      r('GET', '/gateway/bot', () => ok({ url: this.ctx.gatewayUrl(), shards: 1, session_start_limit: { ...this.ctx.sessionStartLimit } })),
      r('GET', '/users/@me', () => ok(w.apiUser(w.users.get(w.botUserId)!))),
      r('GET', '/applications/@me', () => ok({ id: w.applicationId, name: 'ShipTrack', verify_key: this.ctx.publicKeyHex(), bot: w.apiUser(w.users.get(w.botUserId)!), flags: 0 })),
      r('GET', `/channels/${SF}`, (m) => ok(channel(m[1]!))),
      r('GET', `/channels/${SF}/messages`, (m, _b, q) => {
        channel(m[1]!);
        const limit = q.has('limit') ? Number(q.get('limit')) : 50;
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw formError('limit', 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 100.');
        const given = ['before', 'after', 'around'].filter((k) => q.has(k));
        const pick = (k: string) => (given[0] === k ? q.get(k)! : undefined); // Discord honours only one of them
        return ok(w.listMessages(m[1]!, { before: pick('before'), after: pick('after'), around: pick('around'), limit }));
      }),
      r('GET', `/channels/${SF}/messages/${SF}`, (m) => ok(message(m[1]!, m[2]!))),
      r('POST', `/channels/${SF}/messages`, (m, b) => this.createMessage(m[1]!, b)),
      r('PATCH', `/channels/${SF}/messages/${SF}`, (m, b) => {
        const msg = message(m[1]!, m[2]!);
        if (msg.author.id !== w.botUserId) throw new DiscordError(403, 50005, 'Cannot edit a message authored by another user');
        if (typeof b.content === 'string' && b.content.length > 2000) throw tooLong();
        return ok(w.editMessage(m[1]!, m[2]!, { content: typeof b.content === 'string' ? b.content : undefined, flags: typeof b.flags === 'number' ? b.flags : undefined }));
      }),
      r('DELETE', `/channels/${SF}/messages/${SF}`, (m) => { message(m[1]!, m[2]!); w.deleteMessage(m[1]!, m[2]!); return { status: 204 }; }),
      r('PUT', `/channels/${SF}/messages/${SF}/reactions/([^/]+)/@me`, (m) => {
        message(m[1]!, m[2]!);
        const e = emoji(m[3]!);
        w.reactionPutLog.push({ channelId: m[1]!, messageId: m[2]!, emoji: e, at: w.clock.now() });
        w.addReaction(m[1]!, m[2]!, e, w.botUserId);
        return { status: 204 };
      }),
      r('DELETE', `/channels/${SF}/messages/${SF}/reactions/([^/]+)/@me`, (m) => { message(m[1]!, m[2]!); w.removeReaction(m[1]!, m[2]!, emoji(m[3]!), w.botUserId); return { status: 204 }; }),
      r('GET', `/applications/${SF}/commands`, (m) => { app(m[1]!); return ok(w.globalCommands); }),
      r('PUT', `/applications/${SF}/commands`, (m, b) => { app(m[1]!); return commandsPut(w.globalCommands, b); }),
      r('GET', `/applications/${SF}/guilds/${SF}/commands`, (m) => { app(m[1]!); guild(m[2]!); return ok(w.guildCommands.get(m[2]!) ?? []); }),
      r('PUT', `/applications/${SF}/guilds/${SF}/commands`, (m, b) => {
        app(m[1]!); guild(m[2]!);
        const list = w.guildCommands.get(m[2]!) ?? [];
        w.guildCommands.set(m[2]!, list);
        return commandsPut(list, b);
      }),
      r('POST', `/interactions/${SF}/([^/]+)/callback`, (m, b, q) => {
        const msg = reg.callback(m[1]!, m[2]!, b);
        if (q.get('with_response') !== 'true') return { status: 204 };
        return ok({ interaction: { id: m[1]!, type: 2, activity_instance_id: null, response_message_id: msg?.id ?? null, response_message_loading: ((msg?.flags ?? 0) & 128) !== 0, response_message_ephemeral: ((msg?.flags ?? 0) & 64) !== 0 }, resource: msg ? { type: b.type, message: msg } : undefined });
      }, false),
      r('POST', `/webhooks/${SF}/([^/]+)`, (m, b) => ok(reg.followup(m[1]!, m[2]!, b)), false),
      r('GET', `/webhooks/${SF}/([^/]+)/messages/@original`, (m) => ok(reg.getOriginal(m[1]!, m[2]!)), false),
      r('PATCH', `/webhooks/${SF}/([^/]+)/messages/(@original|\\d{16,21})`, (m, b) => ok(reg.editMessage(m[1]!, m[2]!, m[3]!, b)), false),
      r('DELETE', `/webhooks/${SF}/([^/]+)/messages/@original`, (m) => { reg.deleteOriginal(m[1]!, m[2]!); return { status: 204 }; }, false),
    ];
  }

  private createMessage(channelId: string, b: Record<string, unknown>): Reply {
    const w = this.ctx.world;
    if (!w.channels.has(channelId)) throw new DiscordError(404, 10003, 'Unknown Channel');
    const content = b.content === undefined || b.content === null ? '' : b.content;
    if (typeof content !== 'string') throw formError('content', 'BASE_TYPE_STRING', 'Could not interpret input as a string.');
    if (content.length > 2000) throw tooLong();
    const hasOther = (Array.isArray(b.embeds) && b.embeds.length > 0) || Array.isArray(b.sticker_ids) || Array.isArray(b.components) && b.components.length > 0 || b.poll !== undefined;
    if (!content.trim() && !hasOther) throw new DiscordError(400, 50006, 'Cannot send an empty message');
    if (Array.isArray(b.embeds) && b.embeds.length > 10) throw formError('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    const nonce = b.nonce as string | number | undefined;
    if (nonce !== undefined && nonce !== null) {
      if (typeof nonce === 'string' && nonce.length > 25) throw formError('nonce', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      if (typeof nonce !== 'string' && typeof nonce !== 'number') throw formError('nonce', 'BASE_TYPE_STRING', 'Could not interpret input as a string.');
    }
    const enforce = b.enforce_nonce === true;
    if (enforce && nonce === undefined) throw formError('enforce_nonce', 'NONCE_REQUIRED', 'A nonce is required when enforce_nonce is true.');
    if (enforce && nonce !== undefined) {
      const earlier = w.findByNonce(w.botUserId, nonce);
      if (earlier) return { status: 200, body: earlier };
    }
    const am = b.allowed_mentions as AllowedMentions | undefined;
    if (am?.parse && ((am.parse.includes('users') && am.users) || (am.parse.includes('roles') && am.roles))) {
      throw formError('allowed_mentions', 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', 'parse:["users"] and users: [ids...] are mutually exclusive.');
    }
    const flags = typeof b.flags === 'number' ? b.flags : 0;
    const settable = 4 | 4096 | 8192 | 32768;
    if (flags & ~settable) throw formError('flags', 'MESSAGE_FLAGS_INVALID', 'Invalid flags.');
    const msg = w.createMessage({ channelId, authorId: w.botUserId, content, nonce: nonce ?? undefined, enforceNonce: enforce, allowedMentions: am, flags,
      extra: Array.isArray(b.embeds) ? { embeds: b.embeds as never } : {} });
    w.botMessageIds.add(msg.id);
    w.sentMeta.set(msg.id, { allowedMentions: am, flags, nonce: nonce ?? undefined, enforceNonce: enforce });
    return { status: 200, body: msg };
  }
}

function validateCommand(c: Record<string, unknown>, i: number, existing: Record<string, unknown>[], nextId: () => string, appId: string): Record<string, unknown> {
  const name = c.name;
  if (typeof name !== 'string' || !/^[-_'\p{L}\p{N}]{1,32}$/u.test(name) || name !== name.toLowerCase()) {
    throw new DiscordError(400, 50035, 'Invalid Form Body', { [i]: { name: { _errors: [{ code: 'APPLICATION_COMMAND_INVALID_NAME', message: 'Command name is invalid' }] } } });
  }
  const type = typeof c.type === 'number' ? c.type : 1;
  if (type === 1 && (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 100)) {
    throw new DiscordError(400, 50035, 'Invalid Form Body', { [i]: { description: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }] } } });
  }
  const prev = existing.find((e) => e.name === name && (e.type ?? 1) === type);
  return { ...c, id: prev?.id ?? nextId(), application_id: appId, type, version: nextId(), default_member_permissions: c.default_member_permissions ?? null, nsfw: c.nsfw ?? false };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
