// Owns the Gateway wire vocabulary: opcode numbers, intent bits, the payload envelope and the
// connect query. Does not send, parse or decide anything.

/** Gateway opcodes (Discord docs, "Opcodes and Status Codes"). */
export const GatewayOp = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

/** Intent bits ShipTrack cares about; the worker ORs them into IDENTIFY. */
export const GatewayIntent = {
  Guilds: 1 << 0,
  GuildMessages: 1 << 9,
  /** Privileged: without it message content arrives empty (and IDENTIFY closes 4014 if not enabled). */
  MessageContent: 1 << 15,
} as const;

/** The envelope every frame uses; `s` and `t` are non-null only for op 0. */
export interface GatewayPayload {
  op: number;
  d: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- shape depends on op/t
  s: number | null;
  t: string | null;
}

export const GATEWAY_VERSION = 10;
/** Discord closes with 4002 when a client frame is larger than this. */
export const MAX_CLIENT_PAYLOAD_BYTES = 4096;

/** Our own close codes. Anything except 1000/1001 keeps the session resumable server-side. */
export const LocalCloseCode = {
  /** Deliberate close we intend to RESUME after (op 7, zombie, hello timeout, deploy stop). */
  Resumable: 4200,
  /** Final close that throws the session away (decommission, dead session). */
  Invalidate: 1000,
} as const;

/** `url` with exactly `?v=10&encoding=json` (no compression: one inflate context per socket is a known bug source). */
export function gatewayConnectUrl(url: string): string {
  const u = new URL(url);
  u.search = `?v=${GATEWAY_VERSION}&encoding=json`;
  return u.toString();
}
