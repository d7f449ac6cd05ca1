// Owns the fake's REST surface under /api/v10: auth, Discord's validation and error bodies, routing
// to the world / interaction registry, the global and per-route rate limits and scripted faults, and
// request recording. Message creation is rest-messages.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIApplication } from 'discord-api-types/v10';
import type { Logger } from '../log.js';
import type { World } from './world.js';
import type { RateLimits } from './rate-limits.js';
import { routeKey } from './rate-limits.js';
import { exemptFromGlobalLimit, type GlobalRateLimit } from './global-rate-limit.js';
import { DiscordError, tooLong, type InteractionRegistry } from './interactions-state.js';
import { apiGuild } from './guild-payload.js';
import { createBotMessage, formError } from './rest-messages.js';

export interface RecordedRequest {
  method: string; path: string; route: string; query: Record<string, string>; headers: Record<string, string | string[] | undefined>;
  body: unknown; rawBody: string; status: number; responseBody: unknown; at: number;
}
export interface RestContext {
  world: World; limits: RateLimits; globalLimit: GlobalRateLimit; registry: InteractionRegistry; log: Logger;
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
    // The global limit comes before any per-route limit; interaction endpoints are not bound to it.
    const globally = exemptFromGlobalLimit(path, this.ctx.world.applicationId) ? undefined : this.ctx.globalLimit.take();
    if (globally) return globally;
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
    const user = (id: string) => { const u = w.users.get(id); if (!u) throw new DiscordError(404, 10013, 'Unknown User'); return u; };
    // Every world user is a member of the one guild.
    const member = (id: string) => { const u = w.users.get(id); if (!u) throw new DiscordError(404, 10007, 'Unknown Member'); return u; };
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
      // `flags` is World.applicationFlags, the same value READY carries.
      r('GET', '/applications/@me', () => ok({ id: w.applicationId, name: 'ShipTrack', icon: null, description: '', summary: '', bot_public: false,
        bot_require_code_grant: false, verify_key: this.ctx.publicKeyHex(), team: null, bot: w.apiUser(w.users.get(w.botUserId)!),
        flags: w.applicationFlags, flags_new: String(w.applicationFlags) } satisfies APIApplication)),
      r('GET', `/users/${SF}`, (m) => ok(w.apiUser(user(m[1]!)))),
      r('GET', `/guilds/${SF}`, (m) => { guild(m[1]!); return ok(apiGuild(w)); }),
      // Get Guild Channels: every channel of the guild (no threads); Get Guild Roles.
      r('GET', `/guilds/${SF}/channels`, (m) => { guild(m[1]!); return ok([...w.channels.values()]); }),
      r('GET', `/guilds/${SF}/roles`, (m) => { guild(m[1]!); return ok([...w.roles.values()].map((x) => w.apiRole(x))); }),
      r('GET', `/guilds/${SF}/members/${SF}`, (m) => { guild(m[1]!); return ok(w.member(member(m[2]!))); }),
      r('GET', `/channels/${SF}`, (m) => ok(channel(m[1]!))),
      r('POST', `/channels/${SF}/typing`, (m) => { channel(m[1]!); return { status: 204 }; }),
      r('GET', `/channels/${SF}/messages`, (m, _b, q) => {
        channel(m[1]!);
        const limit = q.has('limit') ? Number(q.get('limit')) : 50;
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw formError('limit', 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 100.');
        const given = ['before', 'after', 'around'].filter((k) => q.has(k));
        const pick = (k: string) => (given[0] === k ? q.get(k)! : undefined); // Discord honours only one of them
        return ok(w.listMessages(m[1]!, { before: pick('before'), after: pick('after'), around: pick('around'), limit }).map((x) => w.present(x)));
      }),
      r('GET', `/channels/${SF}/messages/${SF}`, (m) => ok(w.present(message(m[1]!, m[2]!)))),
      r('POST', `/channels/${SF}/messages`, (m, b) => createBotMessage(w, m[1]!, b)),
      r('PATCH', `/channels/${SF}/messages/${SF}`, (m, b) => {
        const msg = message(m[1]!, m[2]!);
        if (msg.author.id !== w.botUserId) throw new DiscordError(403, 50005, 'Cannot edit a message authored by another user');
        if (typeof b.content === 'string' && b.content.length > 2000) throw tooLong();
        return ok(w.present(w.editMessage(m[1]!, m[2]!, { content: typeof b.content === 'string' ? b.content : undefined, flags: typeof b.flags === 'number' ? b.flags : undefined })));
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
}

function validateCommand(c: Record<string, unknown>, i: number, existing: Record<string, unknown>[], nextId: () => string, appId: string): Record<string, unknown> {
  const name = c.name;
  const type = typeof c.type === 'number' ? c.type : 1;
  // CHAT_INPUT names are lowercase words; USER (2) and MESSAGE (3) names may have capitals and spaces.
  const validName = typeof name === 'string' && (type === 1 ? /^[-_'\p{L}\p{N}]{1,32}$/u.test(name) && name === name.toLowerCase() : name.length >= 1 && name.length <= 32 && name.trim() === name);
  if (!validName) {
    throw new DiscordError(400, 50035, 'Invalid Form Body', { [i]: { name: { _errors: [{ code: 'APPLICATION_COMMAND_INVALID_NAME', message: 'Command name is invalid' }] } } });
  }
  if (type === 1 && (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 100)) {
    throw new DiscordError(400, 50035, 'Invalid Form Body', { [i]: { description: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }] } } });
  }
  // USER and MESSAGE commands take no description (an empty string) and no options.
  if (type !== 1 && ((c.description !== undefined && c.description !== '') || (Array.isArray(c.options) && c.options.length > 0))) {
    throw new DiscordError(400, 50035, 'Invalid Form Body', { [i]: { description: { _errors: [{ code: 'APPLICATION_COMMAND_INVALID_DESCRIPTION', message: 'Context menu commands cannot have a description or options.' }] } } });
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
