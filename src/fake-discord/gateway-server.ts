// Owns the fake gateway: ws connections, HELLO/IDENTIFY/RESUME, sessions with replay buffers, heartbeat
// ACKs and timeouts, op 7/op 9, close codes, the 120/60 s send limit and fault hooks. Message state
// and the application's flags come from the World; IDENTIFY pacing from identify-pacing.ts.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { GatewayDispatchEvents, GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import type { World, DispatchMeta } from './world.js';
import { readyPayload, guildCreatePayload } from './gateway-payloads.js';
import { disallowedIntents } from './app-flags.js';
import { IdentifyPacer, IDENTIFY_WINDOW_MS } from './identify-pacing.js';

export interface GatewayOptions {
  heartbeatIntervalMs: number; resumeUrl: () => string;
  /** The server closes when no heartbeat arrives for this long (default 2.5 × interval; 0 = never). */
  heartbeatTimeoutMs?: number;
  /** The close code for a missed heartbeat (default 4009); the session stays resumable either way. */
  heartbeatTimeoutCloseCode?: number;
  /** After op 7, the server closes a connection the client kept with 1001 this much later (default 5000; 0 = never). */
  reconnectCloseMs?: number;
  /** IDENTIFY pacing window per `shard_id % max_concurrency` (default 5000; 0 = off). */
  identifyWindowMs?: number;
  /** How long a disconnected session stays resumable (Discord: "a few minutes"). */
  resumeWindowMs?: number;
  replayBufferSize?: number;
  sessionStartLimit: { remaining: number; max_concurrency: number };
}

/**
 * Discord: "If your app fails to send a heartbeat event in time, your connection will be closed and
 * you will be forced to Resume" (https://discord.com/developers/docs/events/gateway#heartbeat-interval).
 * The docs name no close code; 4009 (Session timed out) is the fake's default.
 */
export const HEARTBEAT_TIMEOUT_CLOSE_CODE = 4009;
/**
 * "A few seconds after the reconnect event is dispatched, the connection may be closed by the
 * server" (https://discord.com/developers/docs/events/gateway-events#reconnect). The docs name no
 * close code; the fake closes 1001 (going away), which keeps the session resumable
 * (docs/fake-discord.md, "Gateway").
 */
export const RECONNECT_CLOSE_MS = 5000;
export const RECONNECT_CLOSE = { code: 1001, reason: 'Discord WebSocket requesting client reconnect.' };
export interface Frame { op: number; d: unknown; s: number | null; t: string | null }
interface Dispatched { s: number; t: string; d: unknown; meta: DispatchMeta }

export interface Session {
  id: string; seq: number; intents: number; shard?: [number, number]; buffer: Dispatched[];
  conn?: Conn; invalid: boolean; disconnectedAt?: number;
}
export interface Conn {
  id: number; ws: WebSocket; path: string; query: string; session?: Session; identified: boolean;
  received: Frame[]; sent: Frame[]; sendTimes: number[]; hbTimer?: TimerHandle; reconnectTimer?: TimerHandle; closeCode?: number; open: boolean;
  /** The fake started the close (a server close code never ends the session by itself). */
  closedByServer?: boolean;
}

const ALL_INTENTS = Object.values(GatewayIntentBits).filter((v): v is number => typeof v === 'number').reduce((a, b) => a | b, 0);
/** Close codes after which Discord will not let the session be resumed. */
const SESSION_ENDING = new Set([4003, 4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014]);

export class GatewayServer {
  readonly events: EventEmitter;
  readonly sessionsById = new Map<string, Session>();
  readonly conns = new Map<number, Conn>();
  readonly closed: Conn[] = [];
  identifyCount = 0;
  resumeCount = 0;
  private nextConnId = 1;
  private acking = true;
  private refusing = false;
  private dispatchDelayMs = 0;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  private readonly pacer: IdentifyPacer;

  constructor(private readonly world: World, private readonly clock: Clock, private readonly log: Logger, events: EventEmitter, private readonly opts: GatewayOptions) {
    this.events = events;
    this.pacer = new IdentifyPacer(clock, opts.identifyWindowMs ?? IDENTIFY_WINDOW_MS, () => opts.sessionStartLimit.max_concurrency);
    world.onDispatch((t, d, meta) => this.broadcast(t, d, meta));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string, query: string): void {
    if (this.refusing) { socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'); return; }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, path, query));
  }

  private onConnection(ws: WebSocket, path: string, query: string): void {
    const conn: Conn = { id: this.nextConnId++, ws, path, query, identified: false, received: [], sent: [], sendTimes: [], open: true };
    this.conns.set(conn.id, conn);
    this.events.emit('connection', { connId: conn.id, path, query });
    ws.on('message', (data, isBinary) => this.onFrame(conn, data, isBinary));
    ws.on('close', (code) => this.onClose(conn, code));
    ws.on('error', (e) => this.log.debug('fake_discord.ws_error', { conn: conn.id, err: e }));
    const q = new URLSearchParams(query);
    if (q.has('v') && q.get('v') !== '10') return this.close(conn, 4012, 'Invalid API version');
    if (q.has('encoding') && q.get('encoding') !== 'json') return this.close(conn, 4002, 'Error while decoding payload.');
    this.send(conn, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.opts.heartbeatIntervalMs, _trace: ['["fake-discord",{}]'] }, s: null, t: null });
    this.armHeartbeatTimeout(conn);
  }

  private armHeartbeatTimeout(conn: Conn): void {
    const ms = this.opts.heartbeatTimeoutMs ?? this.opts.heartbeatIntervalMs * 2.5;
    this.clock.clearTimeout(conn.hbTimer);
    // A missed heartbeat closes the connection but leaves the session resumable (see HEARTBEAT_TIMEOUT_CLOSE_CODE).
    if (ms > 0) conn.hbTimer = this.clock.setTimeout(() => this.close(conn, this.opts.heartbeatTimeoutCloseCode ?? HEARTBEAT_TIMEOUT_CLOSE_CODE, 'Session timed out', false), ms);
  }

  private send(conn: Conn, frame: Frame): void {
    if (!conn.open) return;
    conn.sent.push(frame);
    this.events.emit('gateway-sent', { connId: conn.id, frame });
    conn.ws.send(JSON.stringify(frame));
  }

  close(conn: Conn, code: number, reason = '', endsSession = SESSION_ENDING.has(code)): void {
    if (!conn.open) return;
    if (endsSession && conn.session) conn.session.invalid = true;
    conn.closedByServer = true;
    conn.ws.close(code, reason);
  }

  private onClose(conn: Conn, code: number): void {
    conn.open = false;
    conn.closeCode = code;
    this.clock.clearTimeout(conn.hbTimer);
    this.clock.clearTimeout(conn.reconnectTimer);
    this.conns.delete(conn.id);
    this.closed.push(conn);
    if (this.closed.length > 200) this.closed.shift();
    const s = conn.session;
    if (s && s.conn === conn) {
      s.conn = undefined;
      s.disconnectedAt = this.clock.now();
      // A client close with 1000/1001 ends the session; anything else (or no close frame) keeps it
      // resumable. A server 1001 ("going away": a gateway node restarting) is echoed by the client
      // but is not the client's choice, and Discord expects a RESUME after it; a server 1000 is
      // modelled as ending the session (the client then gets op 9 on RESUME).
      if (code === 1000 || (code === 1001 && !conn.closedByServer)) s.invalid = true;
    }
    this.events.emit('disconnect', { connId: conn.id, code });
  }

  private onFrame(conn: Conn, data: RawData, isBinary: boolean): void {
    const now = this.clock.now();
    conn.sendTimes = conn.sendTimes.filter((t) => now - t < 60_000);
    conn.sendTimes.push(now);
    const text = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    let frame: Frame;
    try {
      if (isBinary || text.length > 4096) throw new Error('undecodable');
      frame = JSON.parse(text.toString('utf8')) as Frame;
      if (typeof frame !== 'object' || frame === null || typeof frame.op !== 'number') throw new Error('no op');
    } catch {
      conn.received.push({ op: -1, d: text.toString('utf8').slice(0, 200), s: null, t: null });
      return this.close(conn, 4002, 'Error while decoding payload.');
    }
    conn.received.push(frame);
    this.events.emit('gateway-frame', { connId: conn.id, frame });
    if (conn.sendTimes.length > 120) return this.close(conn, 4008, 'Rate limited.');
    switch (frame.op) {
      case GatewayOpcodes.Heartbeat:
        this.armHeartbeatTimeout(conn);
        if (this.acking) this.send(conn, { op: GatewayOpcodes.HeartbeatAck, d: null, s: null, t: null });
        return;
      case GatewayOpcodes.Identify: return this.onIdentify(conn, frame.d as Record<string, unknown>);
      case GatewayOpcodes.Resume: return this.onResume(conn, frame.d as Record<string, unknown>);
      case GatewayOpcodes.PresenceUpdate: case GatewayOpcodes.VoiceStateUpdate: case GatewayOpcodes.RequestGuildMembers:
      case GatewayOpcodes.RequestSoundboardSounds:
        if (!conn.identified) return this.close(conn, 4003, 'Not authenticated.');
        return;
      default:
        return this.close(conn, 4001, 'Unknown opcode.');
    }
  }

  private onIdentify(conn: Conn, d: Record<string, unknown> | null): void {
    if (conn.identified) return this.close(conn, 4005, 'Already authenticated.');
    if (!d || typeof d !== 'object' || typeof d.token !== 'string' || typeof d.intents !== 'number' || typeof d.properties !== 'object') {
      return this.close(conn, 4002, 'Error while decoding payload.');
    }
    if (d.token !== this.world.botToken && d.token !== `Bot ${this.world.botToken}`) return this.close(conn, 4004, 'Authentication failed.');
    const intents = d.intents;
    if (intents < 0 || (intents & ~ALL_INTENTS) !== 0) return this.close(conn, 4013, 'Invalid intent(s).');
    // Privileged intents need the matching application flag (app-flags.ts).
    if (disallowedIntents(intents, this.world.applicationFlags)) return this.close(conn, 4014, 'Disallowed intent(s).');
    const shard = d.shard as [number, number] | undefined;
    if (shard !== undefined && (!Array.isArray(shard) || shard.length !== 2 || shard[1]! < 1 || shard[0]! < 0 || shard[0]! >= shard[1]!)) return this.close(conn, 4010, 'Invalid shard.');
    // Out of daily session starts, or over max_concurrency in this window: op 9, no session; the
    // connection stays open and may IDENTIFY again.
    if (this.opts.sessionStartLimit.remaining <= 0 || !this.pacer.tryStart(shard?.[0] ?? 0)) {
      this.send(conn, { op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
      return;
    }
    this.opts.sessionStartLimit.remaining--;
    this.identifyCount++;
    const session: Session = { id: randomBytes(16).toString('hex'), seq: 0, intents, buffer: [], conn, invalid: false };
    if (shard) session.shard = shard;
    this.sessionsById.set(session.id, session);
    conn.session = session;
    conn.identified = true;
    this.events.emit('identify', { connId: conn.id, sessionId: session.id, intents, shard });
    this.dispatchTo(session, GatewayDispatchEvents.Ready, readyPayload(this.world, session, this.opts.resumeUrl()), neutral);
    if (intents & GatewayIntentBits.Guilds) this.dispatchTo(session, GatewayDispatchEvents.GuildCreate, guildCreatePayload(this.world), neutral);
  }

  private onResume(conn: Conn, d: Record<string, unknown> | null): void {
    if (conn.identified) return this.close(conn, 4005, 'Already authenticated.');
    if (!d || typeof d.token !== 'string' || typeof d.session_id !== 'string' || (typeof d.seq !== 'number' && d.seq !== null)) return this.close(conn, 4002, 'Error while decoding payload.');
    if (d.token !== this.world.botToken && d.token !== `Bot ${this.world.botToken}`) return this.close(conn, 4004, 'Authentication failed.');
    const s = this.sessionsById.get(d.session_id);
    const expired = s?.disconnectedAt !== undefined && !s.conn && this.clock.now() - s.disconnectedAt > (this.opts.resumeWindowMs ?? 180_000);
    const seq = (d.seq as number | null) ?? 0;
    const oldest = s?.buffer[0]?.s ?? (s ? s.seq + 1 : 0);
    if (!s || s.invalid || expired || seq < oldest - 1) {
      if (s && expired) s.invalid = true;
      this.send(conn, { op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
      return;
    }
    if (seq > s.seq) return this.close(conn, 4007, 'Invalid seq.');
    // A RESUME of a session another connection still holds moves the session to this (newer)
    // connection, and the older one is closed: a second client with the same stored session takes
    // it over (docs/gateway.md §3.8). No close frame: the old client sees an abnormal closure (1006)
    // and would RESUME it back.
    if (s.conn && s.conn !== conn) { s.conn.session = undefined; s.conn.ws.terminate(); }
    s.conn = conn; s.disconnectedAt = undefined;
    conn.session = s; conn.identified = true;
    this.resumeCount++;
    this.events.emit('resume', { connId: conn.id, sessionId: s.id, seq, replayed: s.buffer.filter((x) => x.s > seq).length });
    for (const x of s.buffer) if (x.s > seq) this.deliver(s, conn, x);
    // RESUMED belongs to this connection: it takes a seq but is never replayed on a later RESUME.
    const resumed: Dispatched = { s: ++s.seq, t: GatewayDispatchEvents.Resumed, d: { _trace: ['["fake-discord",{}]'] }, meta: neutral };
    this.deliver(s, conn, resumed);
    this.events.emit('dispatch', { sessionId: s.id, s: resumed.s, t: resumed.t });
  }

  private broadcast(t: string, d: unknown, meta: DispatchMeta): void {
    for (const s of this.sessionsById.values()) {
      if (s.invalid) continue;
      if (meta.messageEvent && !(s.intents & GatewayIntentBits.GuildMessages)) continue;
      if (t.startsWith('MESSAGE_REACTION') && !(s.intents & GatewayIntentBits.GuildMessageReactions)) continue;
      this.dispatchTo(s, t, d, meta);
    }
  }

  /** Assigns the next `s`, buffers the dispatch for replay, and sends it if the session is connected. */
  private dispatchTo(s: Session, t: string, d: unknown, meta: DispatchMeta): void {
    const x: Dispatched = { s: ++s.seq, t, d, meta };
    s.buffer.push(x);
    if (s.buffer.length > (this.opts.replayBufferSize ?? 1000)) s.buffer.shift();
    if (s.conn) this.deliver(s, s.conn, x);
    this.events.emit('dispatch', { sessionId: s.id, s: x.s, t });
  }

  private deliver(s: Session, conn: Conn, x: Dispatched): void {
    let d = x.d;
    // Without MESSAGE_CONTENT, Discord blanks content/embeds/attachments/components unless the bot is mentioned or the author.
    if (x.meta.messageEvent && !x.meta.contentVisibleWithoutIntent && !(s.intents & GatewayIntentBits.MessageContent) && d && typeof d === 'object' && 'content' in d) {
      d = { ...(d as object), content: '', embeds: [], attachments: [], components: [] };
    }
    const frame: Frame = { op: GatewayOpcodes.Dispatch, d, s: x.s, t: x.t };
    if (this.dispatchDelayMs > 0) this.clock.setTimeout(() => this.send(conn, frame), this.dispatchDelayMs);
    else this.send(conn, frame);
  }

  // ---- fault hooks ----
  stopAcking(on = true): void { this.acking = !on; }
  refuseConnections(on = true): void { this.refusing = on; }
  setDispatchDelay(ms: number): void { this.dispatchDelayMs = ms; }
  dropAll(): void { for (const c of [...this.conns.values()]) c.ws.terminate(); }
  closeAll(code: number, reason = ''): void { for (const c of [...this.conns.values()]) this.close(c, code, reason); }
  /** op 7 to every connection; one the client keeps is closed (1001, session kept) `reconnectCloseMs` later. */
  sendReconnect(): void {
    const ms = this.opts.reconnectCloseMs ?? RECONNECT_CLOSE_MS;
    for (const c of this.conns.values()) {
      this.send(c, { op: GatewayOpcodes.Reconnect, d: null, s: null, t: null });
      if (ms > 0 && !c.reconnectTimer) c.reconnectTimer = this.clock.setTimeout(() => this.close(c, RECONNECT_CLOSE.code, RECONNECT_CLOSE.reason, false), ms);
    }
  }
  requestHeartbeat(): void { for (const c of this.conns.values()) this.send(c, { op: GatewayOpcodes.Heartbeat, d: null, s: null, t: null }); }
  /**
   * op 9 to every connection holding a live session. The connection no longer carries the session:
   * it may RESUME it (d=true, https://discord.com/developers/docs/events/gateway#resuming) or
   * IDENTIFY, on the same socket or a new one; dispatches meanwhile are buffered for the replay.
   */
  invalidateSessions(resumable: boolean): void {
    for (const s of this.sessionsById.values()) {
      if (s.invalid) continue;
      if (!resumable) s.invalid = true;
      const conn = s.conn;
      if (!conn) continue;
      this.send(conn, { op: GatewayOpcodes.InvalidSession, d: resumable, s: null, t: null });
      s.conn = undefined; s.disconnectedAt = this.clock.now();
      conn.session = undefined; conn.identified = false;
    }
  }

  sessions(): { sessionId: string; connected: boolean; seq: number; identified: boolean; invalid: boolean; intents: number }[] {
    return [...this.sessionsById.values()].map((s) => ({ sessionId: s.id, connected: !!s.conn, seq: s.seq, identified: !!s.conn?.identified, invalid: s.invalid, intents: s.intents }));
  }
  /** Every connection seen (open and recently closed) with the frames it received and sent. */
  connectionLog(): { connId: number; path: string; query: string; open: boolean; closeCode?: number; received: Frame[]; sent: Frame[] }[] {
    return [...this.closed, ...this.conns.values()].sort((a, b) => a.id - b.id)
      .map((c) => ({ connId: c.id, path: c.path, query: c.query, open: c.open, closeCode: c.closeCode, received: c.received, sent: c.sent }));
  }

  async close_(): Promise<void> {
    for (const c of [...this.conns.values()]) { this.clock.clearTimeout(c.hbTimer); this.clock.clearTimeout(c.reconnectTimer); c.ws.terminate(); }
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

const neutral: DispatchMeta = { messageEvent: false, contentVisibleWithoutIntent: true };
