// Owns the registered shape of ShipTrack's slash commands (docs/interactions.md §3.2): names, option
// types, descriptions, length limits, contexts. The limits come from the handlers' own constants
// so the registered JSON and the server-side checks cannot drift apart.

import { CommandType, OptionType } from '../discord/interactions/types.js';
import { PERIOD_CHOICES, PERIOD_OPTION } from './leaderboard.js';
import { LOG_AS_LAUNCH, NOT_A_LAUNCH } from './message-commands.js';
import { PROFILE_OPTION } from './profile.js';
import { SHIP_MAX_LENGTH, SHIP_MIN_LENGTH, SHIP_OPTION } from './ship.js';
import { SITE_CHOICES, SITE_OPTION } from './site.js';
import { UNSHIP_OPTION } from './unship.js';

/** 0 = GUILD_INSTALL; 0 = GUILD context: server-only, as ShipTrack keeps one community's log. */
const GUILD_ONLY = { integration_types: [0], contexts: [0] } as const;
const CHAT_INPUT = CommandType.chatInput;
/**
 * `default_member_permissions: null`: every member sees every command (docs/interactions.md §3.2).
 * The handlers decide who may act on what: a member removes only their own launches, and the
 * message commands accept the message's author or a member with Manage Messages, which a default
 * permission cannot express (it would hide "Log as launch" from authors). Server admins can still
 * restrict any command in Server Settings → Integrations.
 */
const EVERYONE = { default_member_permissions: null } as const;

export interface CommandOptionDefinition {
  type: number;
  name: string;
  description: string;
  required: boolean;
  min_length?: number;
  max_length?: number;
  autocomplete?: boolean;
  choices?: readonly { name: string; value: string }[];
}

export interface CommandDefinition {
  name: string;
  type: number;
  description: string;
  options?: CommandOptionDefinition[];
  default_member_permissions: string | null;
  integration_types: readonly number[];
  contexts: readonly number[];
}

/** The full command set, in a fixed order with a fixed key order: PUTting it twice sends identical bytes. */
export function commandDefinitions(): CommandDefinition[] {
  return [
    {
      name: 'ship',
      type: CHAT_INPUT,
      description: 'Log a product launch',
      options: [
        { type: OptionType.string, name: SHIP_OPTION, description: 'What did you ship? (plain text)', required: true, min_length: SHIP_MIN_LENGTH, max_length: SHIP_MAX_LENGTH },
      ],
      ...EVERYONE,
      ...GUILD_ONLY,
    },
    {
      name: 'unship',
      type: CHAT_INPUT,
      description: 'Remove one of your launches',
      options: [
        { type: OptionType.string, name: UNSHIP_OPTION, description: 'Which launch (start typing to search yours)', required: true, autocomplete: true },
      ],
      ...EVERYONE,
      ...GUILD_ONLY,
    },
    {
      name: 'profile',
      type: CHAT_INPUT,
      description: "Show a maker's launches",
      options: [
        { type: OptionType.user, name: PROFILE_OPTION, description: 'Whose profile (defaults to you)', required: false },
      ],
      ...EVERYONE,
      ...GUILD_ONLY,
    },
    {
      name: 'leaderboard',
      type: CHAT_INPUT,
      description: 'Top shippers in this server',
      options: [
        { type: OptionType.string, name: PERIOD_OPTION, description: 'Which period (default: this quarter)', required: false, choices: PERIOD_CHOICES.map((c) => ({ name: c.name, value: c.value })) },
      ],
      ...EVERYONE,
      ...GUILD_ONLY,
    },
    {
      name: 'site',
      type: CHAT_INPUT,
      description: 'Hide yourself from the public launch log, or show yourself again',
      options: [
        { type: OptionType.string, name: SITE_OPTION, description: 'hide me: the site names you "a member"; show me: your name again', required: true, choices: SITE_CHOICES.map((c) => ({ name: c.name, value: c.value })) },
      ],
      ...EVERYONE,
      ...GUILD_ONLY,
    },
    // Message commands: no description (Discord requires ""), names may have capitals and spaces.
    { name: LOG_AS_LAUNCH, type: CommandType.message, description: '', ...EVERYONE, ...GUILD_ONLY },
    { name: NOT_A_LAUNCH, type: CommandType.message, description: '', ...EVERYONE, ...GUILD_ONLY },
  ];
}

/** How a command reads to a person: `/ship` for a slash command, `"Not a launch" (message command)` for the others. */
export function commandLabel(c: { name?: unknown; type?: unknown }): string {
  const type = Number(c.type ?? 1);
  if (type === 1) return `/${String(c.name)}`;
  return `"${String(c.name)}" (${type === 3 ? 'message' : type === 2 ? 'user' : `type ${type}`} command)`;
}
