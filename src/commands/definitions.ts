// Owns the registered shape of ShipTrack's slash commands (docs/interactions.md §3.2): names, option
// types, descriptions, length limits, contexts. The limits come from the handlers' own constants
// so the registered JSON and the server-side checks cannot drift apart.

import { OptionType } from '../discord/interactions/types.js';
import { PROFILE_OPTION } from './profile.js';
import { SHIP_MAX_LENGTH, SHIP_MIN_LENGTH, SHIP_OPTION } from './ship.js';

/** 0 = GUILD_INSTALL; 0 = GUILD context: server-only, as ShipTrack keeps one community's log. */
const GUILD_ONLY = { integration_types: [0], contexts: [0] } as const;
const CHAT_INPUT = 1;

export interface CommandOptionDefinition {
  type: number;
  name: string;
  description: string;
  required: boolean;
  min_length?: number;
  max_length?: number;
}

export interface CommandDefinition {
  name: string;
  type: number;
  description: string;
  options?: CommandOptionDefinition[];
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
      ...GUILD_ONLY,
    },
    {
      name: 'profile',
      type: CHAT_INPUT,
      description: "Show a maker's launches",
      options: [
        { type: OptionType.user, name: PROFILE_OPTION, description: 'Whose profile (defaults to you)', required: false },
      ],
      ...GUILD_ONLY,
    },
    {
      name: 'leaderboard',
      type: CHAT_INPUT,
      description: 'Top shippers in this server',
      ...GUILD_ONLY,
    },
  ];
}
