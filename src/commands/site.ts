// Owns /site visibility:<hide|show>: a member hides themselves from the public launch log (or shows
// themselves again). Their launches still count in Discord; the site names them "a member" and
// their page answers 404 (docs/site.md). Every answer is private. Does not render the site.

import { setHiddenFromSite } from '../db/site-members.js';
import { ephemeral, type MessageData } from '../discord/interactions/respond.js';
import { invoker, stringOption, type Interaction } from '../discord/interactions/types.js';
import type { Command, CommandDeps } from './command.js';

export const SITE_OPTION = 'visibility';
export const SITE_CHOICES: readonly { name: string; value: 'hide' | 'show' }[] = [
  { name: 'hide me', value: 'hide' },
  { name: 'show me', value: 'show' },
];

async function handle(i: Interaction, { db, clock, publicSiteUrl }: CommandDeps): Promise<MessageData> {
  const me = invoker(i);
  const choice = stringOption(i, SITE_OPTION);
  if (!me) return ephemeral('Could not tell who you are. Nothing was changed.');
  if (choice !== 'hide' && choice !== 'show') return ephemeral('Pick `hide me` or `show me`. Nothing was changed.');
  const hide = choice === 'hide';
  const changed = await setHiddenFromSite(db, me.id, hide, new Date(clock.now()));
  const off = publicSiteUrl === undefined ? '\n(The public launch log is not switched on for this server right now; this applies whenever it is.)' : '';
  if (hide) {
    return ephemeral(`${changed ? '🙈 Done: the public launch log' : '🙈 You were already hidden: the public launch log'} names you "a member" and shows no page of yours. Your launches still count here in Discord (digest, /profile, /leaderboard, streaks). \`/site visibility:show me\` undoes it.${off}`);
  }
  const page = publicSiteUrl === undefined ? '' : ` Your page: <${publicSiteUrl}/members/${me.id}>`;
  return ephemeral(`${changed ? '👋 Done: the public launch log shows your name again.' : '👋 You were not hidden: the public launch log shows your name.'}${page}${off}`);
}

export const siteCommand: Command = {
  name: 'site',
  handle,
  ephemeral: true,
  apology: '⚠️ Sorry, ShipTrack could not change your public launch log setting just now (database trouble). Nothing was changed; please try again in a minute.',
};
