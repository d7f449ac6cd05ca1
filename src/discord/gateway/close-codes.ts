// Owns the close-code table: what a close code received from Discord means for recovery.
// Does not close sockets or schedule anything; shard.ts reads this table in its teardown path.

/** resume: reconnect and RESUME if a session exists; reconnect: new session (IDENTIFY); fatal: stop for good. */
export type CloseAction = 'resume' | 'reconnect' | 'fatal';

export interface CloseRule {
  action: CloseAction;
  why: string;
  /** A code only our own bug can cause; logged at error level. */
  bug?: boolean;
  /** Wait at least this long before reconnecting (4008: we were rate limited). */
  minDelayMs?: number;
}

// docs/gateway.md §1.10 and Discord's "Gateway Close Event Codes"; RFC 6455 §7.4.1 for 1000-1015.
// Received 1000/1001 are undocumented for the gateway: we try RESUME and fall back on op 9 d:false.
export const CLOSE_CODES: Readonly<Record<number, CloseRule>> = {
  1000: { action: 'resume', why: 'normal closure from server; try RESUME, op 9 d:false falls back to IDENTIFY' },
  1001: { action: 'resume', why: 'server going away; try RESUME' },
  1002: { action: 'resume', why: 'websocket protocol error' },
  1003: { action: 'resume', why: 'unsupported data' },
  1004: { action: 'resume', why: 'reserved websocket code' },
  1005: { action: 'resume', why: 'closed without a status code' },
  1006: { action: 'resume', why: 'abnormal closure (TCP drop, no close frame)' },
  1007: { action: 'resume', why: 'invalid frame payload data' },
  1008: { action: 'resume', why: 'policy violation' },
  1009: { action: 'resume', why: 'message too big' },
  1010: { action: 'resume', why: 'mandatory extension missing' },
  1011: { action: 'resume', why: 'server internal error' },
  1012: { action: 'resume', why: 'service restart' },
  1013: { action: 'resume', why: 'try again later' },
  1014: { action: 'resume', why: 'bad gateway' },
  1015: { action: 'resume', why: 'TLS handshake failure' },
  4000: { action: 'resume', why: 'unknown error' },
  4001: { action: 'resume', why: 'unknown opcode sent', bug: true },
  4002: { action: 'resume', why: 'decode error or payload over 4096 bytes', bug: true },
  4003: { action: 'reconnect', why: 'not authenticated (payload before IDENTIFY or session invalidated)' },
  4004: { action: 'fatal', why: 'authentication failed: bot token invalid or reset' },
  4005: { action: 'resume', why: 'already authenticated (second IDENTIFY)', bug: true },
  4006: { action: 'reconnect', why: 'session no longer valid (legacy code)' },
  4007: { action: 'reconnect', why: 'invalid seq on RESUME; start a new session' },
  4008: { action: 'resume', why: 'rate limited (over 120 sends per 60 s)', bug: true, minDelayMs: 5000 },
  4009: { action: 'reconnect', why: 'session timed out; start a new session' },
  4010: { action: 'fatal', why: 'invalid shard' },
  4011: { action: 'fatal', why: 'sharding required' },
  4012: { action: 'fatal', why: 'invalid API version' },
  4013: { action: 'fatal', why: 'invalid intents' },
  4014: { action: 'fatal', why: 'disallowed intents: enable MESSAGE_CONTENT in the Developer Portal' },
};

const UNKNOWN: CloseRule = { action: 'resume', why: 'unrecognised close code; try RESUME' };

/** The rule for `code`; unknown codes (and our own 4200) resume, like Discord's "no close code" case. */
export function closeRule(code: number): CloseRule {
  return CLOSE_CODES[code] ?? UNKNOWN;
}
