// Owns the HTTP control API (/control/...) used by the demo and by humans: simulate members, read what
// the bot did, inject faults. A thin JSON skin over the FakeDiscord facade; no state of its own.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { FakeDiscord } from './facade.js';

type Body = Record<string, unknown>;
interface Out { status: number; body?: unknown }

export class ControlApi {
  constructor(private readonly fake: FakeDiscord, private readonly log: Logger) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Body = {};
    const raw = Buffer.concat(chunks).toString('utf8');
    let out: Out;
    try {
      if (raw) body = JSON.parse(raw) as Body;
      out = await this.route((req.method ?? 'GET').toUpperCase(), url.pathname.replace(/^\/control/, '') || '/', url.searchParams, body);
    } catch (err) {
      out = { status: 400, body: { error: (err as Error).message } };
    }
    this.log.debug('fake_discord.control', { method: req.method, path: url.pathname, status: out.status });
    res.writeHead(out.status, { 'content-type': 'application/json' });
    res.end(out.body === undefined ? '' : JSON.stringify(out.body));
  }

  private channel(v: unknown): string {
    const c = this.fake.world.findChannel(String(v ?? 'i-shipped'));
    if (!c) throw new Error(`unknown channel ${String(v)}`);
    return c.id;
  }
  private user(v: unknown): string {
    const u = this.fake.world.findUser(String(v ?? ''));
    if (!u) throw new Error(`unknown member ${String(v)}`);
    return u.id;
  }

  private async route(method: string, path: string, q: URLSearchParams, b: Body): Promise<Out> {
    const f = this.fake;
    const ok = (body: unknown): Out => ({ status: 200, body });
    const key = `${method} ${path}`;
    let m: RegExpMatchArray | null;
    if (key === 'GET /' || key === 'GET /state') {
      return ok({ apiBase: f.apiBase, gatewayUrl: f.gatewayUrl, guildId: f.guildId, applicationId: f.applicationId, botUserId: f.botUserId,
        publicKey: f.publicKeyHex, channels: f.channels, members: f.members, sessions: f.gateway.sessions(), connections: f.gateway.connections(),
        identifyCount: f.gateway.identifyCount, resumeCount: f.gateway.resumeCount, interactions: f.interactions.length, requests: f.requests.length,
        applicationFlags: f.world.applicationFlags });
    }
    if (key === 'POST /rotate-token') return ok(this.rotateToken(b));
    if (key === 'POST /application-flags') { f.world.setApplicationFlags(Number(b.flags)); return ok({ applicationFlags: f.world.applicationFlags }); }
    if (key === 'POST /members') {
      const added = f.addMember({ username: String(b.username), bot: b.bot === true });
      if (b.moderator === true) f.makeModerator(added.id);
      return ok(added);
    }
    if ((m = /^\/members\/([^/]+)\/moderator$/.exec(path)) && method === 'POST') { f.makeModerator(this.user(m[1])); return { status: 204 }; }
    if (key === 'POST /messages') {
      return ok(f.postMessage({ channelId: this.channel(b.channel ?? b.channelId), authorId: this.user(b.author ?? b.authorId), content: String(b.content ?? ''),
        webhookId: typeof b.webhookId === 'string' ? b.webhookId : undefined, replyTo: typeof b.replyTo === 'string' ? b.replyTo : undefined }));
    }
    if ((m = /^\/messages\/([^/]+)\/(\d+)$/.exec(path))) {
      const c = this.channel(m[1]);
      if (method === 'PATCH') return ok(f.editMessage(c, m[2]!, String(b.content ?? '')));
      if (method === 'DELETE') { f.deleteMessage(c, m[2]!); return { status: 204 }; }
    }
    if (key === 'POST /messages/bulk-delete') { f.bulkDeleteMessages(this.channel(b.channel), (b.ids as string[]) ?? []); return { status: 204 }; }
    if (key === 'GET /messages') return ok(f.messages(this.channel(q.get('channel'))));
    if (key === 'GET /bot-messages') {
      const c = this.channel(q.get('channel'));
      return ok(f.botMessages(c).map((msg) => ({ ...msg, sent: f.messageMeta(msg.id) })));
    }
    if (key === 'GET /reactions') {
      const c = this.channel(q.get('channel'));
      const msg = q.get('message');
      if (msg) return ok(f.reactions(c, msg));
      return ok(f.messages(c).map((x) => ({ messageId: x.id, reactions: f.reactions(c, x.id) })).filter((x) => x.reactions.length));
    }
    if (key === 'GET /reaction-puts') return ok(f.reactionPuts());
    if (key === 'POST /commands') {
      const options = (b.options as { name: string; type: number; value: string | number | boolean }[] | undefined)?.map((o) =>
        (o.type === 6 ? { ...o, value: this.user(o.value) } : o));
      const r = await f.runCommand({ userId: this.user(b.user ?? b.userId), name: String(b.name), options, dm: b.dm === true,
        channelId: b.channel ? this.channel(b.channel) : undefined, signature: b.signature === 'bad' ? 'bad' : 'valid' });
      return ok(r.toJSON());
    }
    if (key === 'POST /autocomplete') {
      const options = (b.options as { name: string; type: number; value: string | number | boolean; focused?: boolean }[] | undefined) ?? [];
      const r = await f.autocomplete({ userId: this.user(b.user ?? b.userId), name: String(b.name), options,
        channelId: b.channel ? this.channel(b.channel) : undefined });
      return ok(r.toJSON());
    }
    if (key === 'POST /message-commands') {
      const r = await f.runMessageCommand({ userId: this.user(b.user ?? b.userId), name: String(b.name), channelId: this.channel(b.channel),
        messageId: String(b.message ?? b.messageId), permissions: typeof b.permissions === 'string' ? b.permissions : undefined });
      return ok(r.toJSON());
    }
    if (key === 'GET /interactions') return ok(f.interactions.map((r) => r.toJSON()));
    if (key === 'POST /ping') return ok((await f.sendPing()).toJSON());
    if (key === 'POST /validate-endpoint') return ok(await f.validateEndpoint());
    if (key === 'POST /interaction-url') { f.setInteractionUrl(String(b.url)); return { status: 204 }; }
    if (key === 'GET /commands') return ok({ global: f.registeredCommands(), guild: f.registeredCommands(f.guildId) });
    if (key === 'GET /requests') {
      const limit = Number(q.get('limit') ?? 100);
      return ok(f.requests.slice(-limit).map((r) => ({ method: r.method, path: r.path, route: r.route, status: r.status, body: r.body, at: r.at })));
    }
    if (key === 'GET /gateway') return ok({ sessions: f.gateway.sessions(), connections: f.gateway.connectionLog() });
    if (key === 'POST /faults') return this.fault(b);
    return { status: 404, body: { error: `no control route ${key}` } };
  }

  /** Developer Portal → Bot → Reset Token: a new token (`b.token`, or a fresh one shaped like the first) replaces the
   *  old at once. Every gateway connection is closed with 4004 (Authentication failed; session-ending, as Discord does
   *  to a reset token's sessions), and REST and IDENTIFY/RESUME answer the old token 401 / 4004 from then on. */
  private rotateToken(b: Body): { botToken: string } {
    const f = this.fake;
    const token = typeof b.token === 'string' && b.token
      ? b.token
      : `${Buffer.from(f.botUserId).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(27).toString('base64url')}`;
    // The REST and gateway servers compare against world.botToken on every request; the facade's copy is for callers.
    (f.world as { botToken: string }).botToken = token;
    (f as { botToken: string }).botToken = token;
    f.gateway.closeAll(4004, 'Authentication failed.');
    this.log.info('fake_discord.token_rotated', { connectionsClosed: true });
    return { botToken: token };
  }

  /** {target:'gateway', action:'drop'|'close'|'reconnect'|'invalidate'|'stop-acking'|'ack'|'refuse'|'accept'|'request-heartbeat'|'dispatch-delay', code?, resumable?, ms?}
   *  {target:'rest', action:'script', method?, path? (regex source), status, times?, retryAfterSec?, global?, scope?, code?, delayMs?, body?}
   *  | {target:'rest', action:'clear'|'expire-nonces'} | {target:'rest', action:'bucket', route, limit, resetAfterSec} */
  private fault(b: Body): Out {
    const g = this.fake.gateway;
    const action = String(b.action);
    if (b.target === 'rest') {
      if (action === 'clear') { this.fake.rest.clearScripts(); return { status: 204 }; }
      if (action === 'expire-nonces') { this.fake.rest.expireNonces(); return { status: 204 }; }
      if (action === 'bucket') { this.fake.rest.setBucket(String(b.route), Number(b.limit), Number(b.resetAfterSec)); return { status: 204 }; }
      this.fake.rest.script({ method: b.method as string | undefined, path: typeof b.path === 'string' ? new RegExp(b.path) : undefined, status: Number(b.status),
        times: b.times as number | undefined, retryAfterSec: b.retryAfterSec as number | undefined, global: b.global === true,
        scope: b.scope === 'shared' || b.scope === 'user' || b.scope === 'global' ? b.scope : undefined, code: typeof b.code === 'number' ? b.code : undefined,
        delayMs: b.delayMs as number | undefined, body: b.body, passThrough: b.passThrough === true });
      return { status: 204 };
    }
    switch (action) {
      case 'drop': g.dropAll(); break;
      case 'close': g.closeAll(Number(b.code ?? 4000), String(b.reason ?? '')); break;
      case 'reconnect': g.sendReconnect(); break;
      case 'invalidate': g.invalidateSessions(b.resumable === true); break;
      case 'stop-acking': g.stopAcking(true); break;
      case 'ack': g.stopAcking(false); break;
      case 'refuse': g.refuseConnections(true); break;
      case 'accept': g.refuseConnections(false); break;
      case 'request-heartbeat': g.requestHeartbeat(); break;
      case 'dispatch-delay': g.setDispatchDelay(Number(b.ms ?? 0)); break;
      default: return { status: 400, body: { error: `unknown fault ${action}` } };
    }
    return { status: 204 };
  }
}
