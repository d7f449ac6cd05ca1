// Re-exports the gateway client's public surface; no logic here.
export { GatewayShard, type GatewayShardOptions, type SessionStore, type Recover, type Dispatch, type GatewayBotInfo, type ShardState, type GatewayTiming, type StoredSession } from './shard.js';
export { GatewayIntent, GatewayOp, LocalCloseCode, gatewayConnectUrl, type GatewayPayload } from './opcodes.js';
export { CLOSE_CODES, closeRule, type CloseAction, type CloseRule } from './close-codes.js';
export { IdentifyLimiter, type SessionStartLimit } from './identify-limiter.js';
export type { WebSocketLike, SendBudget } from './connection.js';
