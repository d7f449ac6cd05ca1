// Owns the shape of the fake Discord's programmatic facade, which startFakeDiscord (index.ts)
// returns and the control API (control.ts) drives. A module of its own so neither of those two
// imports the other for it.
import type { EventEmitter } from 'node:events';
import type { APIMessage } from 'discord-api-types/v10';
import type { World } from './world.js';
import type { ScriptRule } from './rate-limits.js';
import type { RecordedRequest } from './rest-server.js';
import type { GatewayServer } from './gateway-server.js';
import type { InteractionResult } from './interactions-state.js';
import type { RunCommandOptions, RunMessageCommandOptions } from './interaction-sender.js';

export interface FakeDiscord {
  readonly apiBase: string; readonly gatewayUrl: string; readonly resumeGatewayUrl: string; readonly controlUrl: string;
  readonly botToken: string; readonly applicationId: string; readonly publicKeyHex: string;
  readonly botUserId: string; readonly guildId: string;
  readonly channels: { shipped: string; announcements: string; general: string };
  readonly members: { id: string; username: string; globalName: string }[];
  readonly events: EventEmitter;
  readonly requests: RecordedRequest[];
  readonly world: World;
  setInteractionUrl(url: string): void;
  addMember(opts: { username: string; bot?: boolean }): { id: string; username: string; globalName: string; bot: boolean };
  /** A member posts; `replyTo` (a message id in the same channel) makes it a reply. */
  postMessage(opts: { channelId: string; authorId: string; content: string; webhookId?: string; replyTo?: string }): APIMessage;
  editMessage(channelId: string, messageId: string, content: string): APIMessage;
  deleteMessage(channelId: string, messageId: string): void;
  bulkDeleteMessages(channelId: string, ids: string[]): void;
  messages(channelId: string): APIMessage[];
  botMessages(channelId: string): APIMessage[];
  /** allowed_mentions / flags / nonce the bot sent with a message (not echoed by Discord). */
  messageMeta(messageId: string): { allowedMentions?: unknown; flags?: number; nonce?: string | number; enforceNonce?: boolean } | undefined;
  reactions(channelId: string, messageId: string): { emoji: string; userIds: string[] }[];
  reactionPuts(): { channelId: string; messageId: string; emoji: string; at: number }[];
  runCommand(opts: RunCommandOptions): Promise<InteractionResult>;
  /** An AUTOCOMPLETE interaction (type 4); mark the option being typed with `focused: true`. */
  autocomplete(opts: RunCommandOptions): Promise<InteractionResult>;
  /** A MESSAGE context-menu command (data.type 3) on a message (data.target_id, data.resolved.messages). */
  runMessageCommand(opts: RunMessageCommandOptions): Promise<InteractionResult>;
  /** A member whose role has MANAGE_MESSAGES (a moderator): `member.permissions` in interactions include it. */
  makeModerator(userId: string): void;
  sendPing(): Promise<InteractionResult>;
  validateEndpoint(): Promise<{ ok: boolean; details: string[] }>;
  readonly interactions: InteractionResult[];
  registeredCommands(guildId?: string): unknown[];
  rest: {
    script(rule: ScriptRule): void; setBucket(routeKey: string, limit: number, resetAfterSec: number): void; clearScripts(): void;
    /** Ends every enforce_nonce window now. */
    expireNonces(): void;
  };
  gateway: {
    sessions(): { sessionId: string; connected: boolean; seq: number; identified: boolean; invalid: boolean; intents: number }[];
    connections(): number;
    readonly identifyCount: number; readonly resumeCount: number;
    connectionLog: GatewayServer['connectionLog'];
    stopAcking(on?: boolean): void; dropAll(): void; closeAll(code: number, reason?: string): void; refuseConnections(on?: boolean): void;
    sendReconnect(): void; invalidateSessions(resumable: boolean): void; requestHeartbeat(): void; setDispatchDelay(ms: number): void;
  };
  close(): Promise<void>;
}
