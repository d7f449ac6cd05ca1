// Owns the typed helpers for the few Discord endpoints ShipTrack calls.
// Does not retry or rate-limit (client.ts does) and never pings anyone by default.
import type {
  APIAllowedMentions,
  APIGatewayBotInfo,
  APIMessage,
  RESTPatchAPIWebhookWithTokenMessageJSONBody,
  RESTPutAPIApplicationCommandsJSONBody,
  RESTPutAPIApplicationGuildCommandsJSONBody,
} from 'discord-api-types/v10';
import type { RestClient } from './client.js';

/** `{parse: []}`: `<@id>` still renders as a name, but nobody is notified (docs/interactions.md §4.2). */
function noMentions(): APIAllowedMentions {
  return { parse: [] };
}

export interface CreateMessageBody {
  content: string;
  nonce?: string;
  enforce_nonce?: boolean;
  allowed_mentions?: APIAllowedMentions;
  flags?: number;
}

const seg = (id: string): string => encodeURIComponent(id);

/** POST /channels/{id}/messages with `allowed_mentions: {parse: []}` unless the caller says otherwise. */
export function createMessage(rest: RestClient, channelId: string, body: CreateMessageBody): Promise<APIMessage> {
  return rest.request<APIMessage>('POST', `/channels/${seg(channelId)}/messages`, {
    body: { ...body, allowed_mentions: body.allowed_mentions ?? noMentions() },
  });
}

/** PUT /channels/{c}/messages/{m}/reactions/{emoji}/@me (204). */
export async function addReaction(rest: RestClient, channelId: string, messageId: string, emoji = '🚀'): Promise<void> {
  await rest.request<void>('PUT', `/channels/${seg(channelId)}/messages/${seg(messageId)}/reactions/${encodeURIComponent(emoji)}/@me`);
}

/** DELETE /channels/{c}/messages/{m}/reactions/{emoji}/@me (204): takes the bot's own reaction off. */
export async function removeOwnReaction(rest: RestClient, channelId: string, messageId: string, emoji = '🚀'): Promise<void> {
  await rest.request<void>('DELETE', `/channels/${seg(channelId)}/messages/${seg(messageId)}/reactions/${encodeURIComponent(emoji)}/@me`);
}

/** GET /channels/{id}/messages?after=…&limit=… (oldest-first paging is the caller's job). */
export function listMessagesAfter(rest: RestClient, channelId: string, afterId: string, limit = 100): Promise<APIMessage[]> {
  return rest.request<APIMessage[]>('GET', `/channels/${seg(channelId)}/messages`, { query: { after: afterId, limit } });
}

/**
 * PATCH /webhooks/{app}/{token}/messages/@original: edits a deferred interaction reply.
 * Uses the interaction token, so no bot auth; the route template hides the token in logs.
 */
export function editOriginalResponse(
  rest: RestClient,
  applicationId: string,
  interactionToken: string,
  body: RESTPatchAPIWebhookWithTokenMessageJSONBody,
): Promise<APIMessage> {
  return rest.request<APIMessage>('PATCH', `/webhooks/${seg(applicationId)}/${seg(interactionToken)}/messages/@original`, {
    auth: false,
    body: { ...body, allowed_mentions: body.allowed_mentions ?? noMentions() },
  });
}

/** Bulk-overwrites the global (no guild) or one guild's command list; returns the resulting list. */
export function putCommands(
  rest: RestClient,
  applicationId: string,
  guildId: string | undefined,
  commands: RESTPutAPIApplicationCommandsJSONBody | RESTPutAPIApplicationGuildCommandsJSONBody,
): Promise<unknown[]> {
  const path = guildId === undefined
    ? `/applications/${seg(applicationId)}/commands`
    : `/applications/${seg(applicationId)}/guilds/${seg(guildId)}/commands`;
  return rest.request<unknown[]>('PUT', path, { body: commands });
}

/** GET /gateway/bot: the gateway URL, recommended shards and session start limits. */
export function getGatewayBot(rest: RestClient): Promise<APIGatewayBotInfo> {
  return rest.request<APIGatewayBotInfo>('GET', '/gateway/bot');
}
