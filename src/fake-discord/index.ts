// Owns assembling the fake Discord: one node:http server carrying REST (/api/v10), the gateway (ws
// upgrade on /gateway and /resume), and the control API (/control); plus the programmatic facade.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../clock.js';
import { silentLogger, type Logger } from '../log.js';
import { World } from './world.js';
import { RateLimits } from './rate-limits.js';
import { GlobalRateLimit } from './global-rate-limit.js';
import { RestServer, type RecordedRequest } from './rest-server.js';
import { GatewayServer } from './gateway-server.js';
import { InteractionRegistry } from './interactions-state.js';
import { InteractionSender } from './interaction-sender.js';
import { ControlApi } from './control.js';
import type { FakeDiscord } from './facade.js';

export type { FakeDiscord } from './facade.js';
export type { RecordedRequest } from './rest-server.js';
export type { InteractionResult } from './interactions-state.js';
export type { RunCommandOptions, RunMessageCommandOptions } from './interaction-sender.js';
export type { ScriptRule } from './rate-limits.js';

/** MANAGE_MESSAGES (1 << 13), the permission of the fake's "Moderator" role. */
const MANAGE_MESSAGES = (1n << 13n).toString();

export interface FakeDiscordOptions {
  host?: string; port?: number;
  heartbeatIntervalMs?: number;
  /** The server closes if no heartbeat arrives for this long (session kept); default 2.5 × interval; 0 disables. */
  heartbeatTimeoutMs?: number;
  /** Close code for a missed heartbeat (default 4009). */
  heartbeatTimeoutCloseCode?: number;
  /** After op 7, a connection the client keeps is closed with 1001 this much later (default 5000 on the clock; 0 = never). */
  reconnectCloseMs?: number;
  /** IDENTIFY pacing: one per `shard_id % max_concurrency` per this window on the clock (default 5000 as Discord; 0 = off). */
  identifyWindowMs?: number;
  clock?: Clock;
  interactionUrl?: string;
  /** Real-time budget for the initial interaction response (Discord: 3000 ms). */
  interactionDeadlineMs?: number;
  /** Message Content switched on in the portal (default true); sets the default application flags. */
  messageContentIntentEnabled?: boolean;
  /** The application's flags (overrides what messageContentIntentEnabled implies); decide privileged intents. */
  applicationFlags?: number;
  sessionStartLimit?: { total: number; remaining: number; reset_after: number; max_concurrency: number };
  /** How long a dropped gateway session stays resumable (default 180 s on the clock). */
  resumeWindowMs?: number;
  /** Global REST limit in requests per second (default 50; 0 = off). Interaction routes are exempt. */
  globalRateLimit?: number;
  /** enforce_nonce de-duplication window (default 5 minutes on the clock). */
  nonceWindowMs?: number;
  log?: Logger;
}

export async function startFakeDiscord(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? silentLogger;
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const world = new World(clock, { applicationFlags: opts.applicationFlags, messageContentIntentEnabled: opts.messageContentIntentEnabled, nonceWindowMs: opts.nonceWindowMs });
  const limits = new RateLimits(clock);
  const globalLimit = new GlobalRateLimit(clock, opts.globalRateLimit);
  const registry = new InteractionRegistry(world);
  const requests: RecordedRequest[] = [];
  const sessionStartLimit = { ...(opts.sessionStartLimit ?? { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 1 }) };
  const sender = new InteractionSender(world, registry, log, (r) => events.emit('interaction', r), opts.interactionUrl, opts.interactionDeadlineMs ?? 3000);
  let origin = '';
  let control: ControlApi | undefined;
  const gateway = new GatewayServer(world, clock, log, events, {
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41250, heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
    heartbeatTimeoutCloseCode: opts.heartbeatTimeoutCloseCode, reconnectCloseMs: opts.reconnectCloseMs,
    identifyWindowMs: opts.identifyWindowMs, resumeUrl: () => `ws://${origin}/resume`,
    resumeWindowMs: opts.resumeWindowMs, sessionStartLimit,
  });
  const rest = new RestServer({
    world, limits, globalLimit, registry, log, sessionStartLimit, gatewayUrl: () => `ws://${origin}/gateway`, publicKeyHex: () => sender.publicKeyHex,
    record: (r) => { requests.push(r); events.emit('request', r); },
  });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const done = (p: Promise<void>) => p.catch((err: unknown) => {
      log.error('fake_discord.handler_error', { path: url.pathname, err });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: '500: Internal Server Error', code: 0 }));
    });
    if (url.pathname.startsWith('/api/v10/')) return void done(rest.handle(req, res, url.pathname.slice('/api/v10'.length), url.search));
    if (url.pathname === '/control' || url.pathname.startsWith('/control/')) return void (control ? done(control.handle(req, res, url)) : res.writeHead(503).end());
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: '404: Not Found', code: 0 }));
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path !== '/gateway' && path !== '/resume') { socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'); return; }
    gateway.handleUpgrade(req, socket, head, path, url.search.replace(/^\?/, ''));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  origin = `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;

  const ch = (name: string) => world.findChannel(name)!.id;
  const humans = () => [...world.users.values()].filter((u) => !u.bot).map((u) => ({ id: u.id, username: u.username, globalName: u.globalName }));
  const fake: FakeDiscord = {
    apiBase: `http://${origin}/api/v10`, gatewayUrl: `ws://${origin}/gateway`, resumeGatewayUrl: `ws://${origin}/resume`, controlUrl: `http://${origin}/control`,
    botToken: world.botToken, applicationId: world.applicationId, publicKeyHex: sender.publicKeyHex,
    botUserId: world.botUserId, guildId: world.guildId,
    channels: { shipped: ch('i-shipped'), announcements: ch('announcements'), general: ch('general') },
    get members() { return humans(); },
    events, requests, world,
    setInteractionUrl: (url) => sender.setUrl(url),
    addMember: ({ username, bot }) => { const u = world.addUser(username, bot ?? false); return { id: u.id, username: u.username, globalName: u.globalName, bot: u.bot }; },
    postMessage: (o) => {
      const replyTo = o.replyTo === undefined ? undefined : world.getMessage(o.channelId, o.replyTo);
      if (o.replyTo !== undefined && !replyTo) throw new Error(`unknown message ${o.replyTo} in channel ${o.channelId}`);
      return world.present(world.createMessage({ channelId: o.channelId, authorId: o.authorId, content: o.content, webhookId: o.webhookId, replyTo }));
    },
    editMessage: (c, m, content) => world.editMessage(c, m, { content }),
    deleteMessage: (c, m) => { if (!world.deleteMessage(c, m)) throw new Error(`unknown message ${m}`); },
    bulkDeleteMessages: (c, ids) => world.bulkDelete(c, ids),
    messages: (c) => world.messages(c),
    botMessages: (c) => world.messages(c).filter((m) => world.botMessageIds.has(m.id)),
    messageMeta: (id) => world.sentMeta.get(id),
    reactions: (c, m) => world.reactions(c, m),
    reactionPuts: () => [...world.reactionPutLog],
    runCommand: (o) => sender.runCommand(o),
    autocomplete: (o) => sender.autocomplete(o),
    runMessageCommand: (o) => sender.runMessageCommand(o),
    makeModerator: (userId) => {
      const u = world.users.get(userId) ?? world.findUser(userId);
      if (!u) throw new Error(`unknown user ${userId}`);
      const role = [...world.roles.values()].find((r) => r.name === 'Moderator') ?? world.addRole('Moderator', MANAGE_MESSAGES);
      if (!u.roles.includes(role.id)) world.setMemberRoles(u.id, [...u.roles, role.id]);
    },
    sendPing: () => sender.sendPing(),
    validateEndpoint: () => sender.validateEndpoint(),
    interactions: sender.results,
    registeredCommands: (guildId) => (guildId ? world.guildCommands.get(guildId) ?? [] : world.globalCommands),
    rest: { script: (r) => limits.script(r), setBucket: (k, l, s) => limits.setBucket(k, l, s), clearScripts: () => limits.clearScripts(), expireNonces: () => world.expireNonces() },
    gateway: {
      sessions: () => gateway.sessions(), connections: () => gateway.conns.size,
      get identifyCount() { return gateway.identifyCount; }, get resumeCount() { return gateway.resumeCount; },
      connectionLog: () => gateway.connectionLog(),
      stopAcking: (on) => gateway.stopAcking(on), dropAll: () => gateway.dropAll(), closeAll: (c, r) => gateway.closeAll(c, r),
      refuseConnections: (on) => gateway.refuseConnections(on), sendReconnect: () => gateway.sendReconnect(),
      invalidateSessions: (r) => gateway.invalidateSessions(r), requestHeartbeat: () => gateway.requestHeartbeat(),
      setDispatchDelay: (ms) => gateway.setDispatchDelay(ms),
    },
    close: async () => {
      await gateway.close_();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      events.removeAllListeners();
    },
  };
  control = new ControlApi(fake, log);
  return fake;
}
