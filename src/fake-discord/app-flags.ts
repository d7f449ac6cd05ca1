// Owns the fake application's flags: the one value READY's `application.flags` and
// GET /applications/@me report, and which privileged gateway intents those flags allow.
// Flag values: https://discord.com/developers/docs/resources/application#application-object-application-flags
import { ApplicationFlags, GatewayIntentBits } from 'discord-api-types/v10';

/**
 * The flags an app in under 100 servers has after switching Message Content on in the portal's Bot
 * page (GATEWAY_MESSAGE_CONTENT_LIMITED, 1 << 19); none when it is off. Apps in 100+ servers get the
 * un-limited variants (GATEWAY_MESSAGE_CONTENT, 1 << 18) once approved; pass those explicitly.
 */
export function defaultApplicationFlags(messageContentIntentEnabled: boolean): number {
  return messageContentIntentEnabled ? ApplicationFlags.GatewayMessageContentLimited : 0;
}

/** Privileged intents and the flags (either variant) that let an app IDENTIFY with them. */
const PRIVILEGED: [intent: number, flags: number][] = [
  [GatewayIntentBits.GuildPresences, ApplicationFlags.GatewayPresence | ApplicationFlags.GatewayPresenceLimited],
  [GatewayIntentBits.GuildMembers, ApplicationFlags.GatewayGuildMembers | ApplicationFlags.GatewayGuildMembersLimited],
  [GatewayIntentBits.MessageContent, ApplicationFlags.GatewayMessageContent | ApplicationFlags.GatewayMessageContentLimited],
];

/** Privileged intent bits in `intents` that `flags` do not allow (IDENTIFY with any of them → close 4014). */
export function disallowedIntents(intents: number, flags: number): number {
  let out = 0;
  for (const [intent, allowing] of PRIVILEGED) if ((intents & intent) && !(flags & allowing)) out |= intent;
  return out;
}

/** APPLICATION_COMMAND_BADGE is set while the app has global commands registered. */
export function withCommandBadge(flags: number, globalCommandCount: number): number {
  return globalCommandCount > 0 ? flags | ApplicationFlags.ApplicationCommandBadge : flags & ~ApplicationFlags.ApplicationCommandBadge;
}
