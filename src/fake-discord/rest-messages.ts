// Owns POST /channels/{id}/messages as Discord validates it: content/embeds/flags limits, nonce and
// enforce_nonce de-duplication, allowed_mentions, and replies (message_reference). Returns the
// message as Discord serialises it; routing and rate limits are rest-server.ts's.
// https://discord.com/developers/docs/resources/message#create-message
import type { APIMessage } from 'discord-api-types/v10';
import type { World, AllowedMentions } from './world.js';
import { DiscordError, tooLong } from './interactions-state.js';

export const formError = (field: string, code: string, message: string) =>
  new DiscordError(400, 50035, 'Invalid Form Body', { [field]: { _errors: [{ code, message }] } });

/** Create Message by the bot; `{status, body}` (200 with the earlier message for a de-duplicated nonce). */
export function createBotMessage(w: World, channelId: string, b: Record<string, unknown>): { status: number; body: APIMessage } {
  if (!w.channels.has(channelId)) throw new DiscordError(404, 10003, 'Unknown Channel');
  const content = b.content === undefined || b.content === null ? '' : b.content;
  if (typeof content !== 'string') throw formError('content', 'BASE_TYPE_STRING', 'Could not interpret input as a string.');
  if (content.length > 2000) throw tooLong();
  const hasOther = (Array.isArray(b.embeds) && b.embeds.length > 0) || Array.isArray(b.sticker_ids) || Array.isArray(b.components) && b.components.length > 0 || b.poll !== undefined;
  if (!content.trim() && !hasOther) throw new DiscordError(400, 50006, 'Cannot send an empty message');
  if (Array.isArray(b.embeds) && b.embeds.length > 10) throw formError('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  const nonce = b.nonce as string | number | undefined;
  if (nonce !== undefined && nonce !== null) {
    if (typeof nonce === 'string' && nonce.length > 25) throw formError('nonce', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    if (typeof nonce !== 'string' && typeof nonce !== 'number') throw formError('nonce', 'BASE_TYPE_STRING', 'Could not interpret input as a string.');
  }
  const enforce = b.enforce_nonce === true;
  if (enforce && nonce === undefined) throw formError('enforce_nonce', 'NONCE_REQUIRED', 'A nonce is required when enforce_nonce is true.');
  if (enforce && nonce !== undefined) {
    const earlier = w.findByNonce(w.botUserId, nonce);
    if (earlier) return { status: 200, body: w.present(earlier) };
  }
  const am = b.allowed_mentions as AllowedMentions | undefined;
  if (am?.parse && ((am.parse.includes('users') && am.users) || (am.parse.includes('roles') && am.roles))) {
    throw formError('allowed_mentions', 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', 'parse:["users"] and users: [ids...] are mutually exclusive.');
  }
  const flags = typeof b.flags === 'number' ? b.flags : 0;
  const settable = 4 | 4096 | 8192 | 32768;
  if (flags & ~settable) throw formError('flags', 'MESSAGE_FLAGS_INVALID', 'Invalid flags.');
  const replyTo = b.message_reference === undefined || b.message_reference === null ? undefined : replyTarget(w, channelId, b.message_reference);
  const msg = w.createMessage({ channelId, authorId: w.botUserId, content, nonce: nonce ?? undefined, enforceNonce: enforce, allowedMentions: am, flags,
    replyTo, extra: Array.isArray(b.embeds) ? { embeds: b.embeds as never } : {} });
  w.botMessageIds.add(msg.id);
  w.sentMeta.set(msg.id, { allowedMentions: am, flags, nonce: nonce ?? undefined, enforceNonce: enforce });
  return { status: 200, body: w.present(msg) };
}

/**
 * The message a reply's `message_reference` points at. Only `message_id` is required; the message must
 * be in the reply's channel ("The channel_id and guild_id will be the same as the reply"). An unknown
 * one is 400 `MESSAGE_REFERENCE_UNKNOWN_MESSAGE` unless `fail_if_not_exists` is false (default true),
 * which sends a plain message instead.
 * https://discord.com/developers/docs/resources/message#message-reference-structure
 */
function replyTarget(w: World, channelId: string, ref: unknown): APIMessage | undefined {
  if (typeof ref !== 'object' || Array.isArray(ref)) throw formError('message_reference', 'MODEL_TYPE_CONVERT', 'Expected an object/dictionary.');
  const r = ref as { type?: unknown; message_id?: unknown; channel_id?: unknown; fail_if_not_exists?: unknown };
  if (r.type !== undefined && r.type !== 0) {
    // FORWARD (1) and anything else: not modelled by the fake.
    throw new DiscordError(400, 50035, 'Invalid Form Body', { message_reference: { type: { _errors: [{ code: 'BASE_TYPE_CHOICES', message: 'The fake supports only DEFAULT (0) references.' }] } } });
  }
  if (typeof r.message_id !== 'string' && typeof r.message_id !== 'number') {
    throw new DiscordError(400, 50035, 'Invalid Form Body', { message_reference: { message_id: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] } } });
  }
  const sameChannel = r.channel_id === undefined || r.channel_id === null || String(r.channel_id) === channelId;
  const target = sameChannel ? w.getMessage(channelId, String(r.message_id)) : undefined;
  if (target) return target;
  if (r.fail_if_not_exists === false) return undefined;
  throw formError('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
}
