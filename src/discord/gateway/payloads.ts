// Owns the shapes of the frames the client sends (op 1, 2, 6). Pure; never logs: IDENTIFY and
// RESUME carry the token.
import { GatewayOp } from './opcodes.js';

export interface IdentifyInput {
  token: string;
  intents: number;
  properties?: { os: string; browser: string; device: string };
  largeThreshold?: number;
  shard?: [number, number];
}

export function heartbeatFrame(seq: number | null): { op: number; d: number | null } {
  return { op: GatewayOp.Heartbeat, d: seq };
}

/** No `compress` (we do not inflate) and no `$`-prefixed property names (deprecated). */
export function identifyFrame(i: IdentifyInput): { op: number; d: Record<string, unknown> } {
  const d: Record<string, unknown> = {
    token: i.token,
    intents: i.intents,
    properties: i.properties ?? { os: process.platform, browser: 'shiptrack', device: 'shiptrack' },
  };
  if (i.largeThreshold !== undefined) d.large_threshold = i.largeThreshold;
  if (i.shard) d.shard = i.shard;
  return { op: GatewayOp.Identify, d };
}

export function resumeFrame(token: string, sessionId: string, seq: number | null): { op: number; d: Record<string, unknown> } {
  return { op: GatewayOp.Resume, d: { token, session_id: sessionId, seq } };
}
