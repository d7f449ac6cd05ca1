// Owns the one display-name rule for a Discord user as ShipTrack shows and stores it: the guild
// member's `nick`, then the user's `global_name` (display name), then `username`, then the id
// (fields: https://discord.com/developers/docs/resources/guild#guild-member-object and
// https://discord.com/developers/docs/resources/user#user-object).
// Reads only the payload fields, so it serves interactions (member + user) and gateway messages
// (member + author) alike. Does not escape or normalise: posted text goes through postableText.

/** The user fields the rule reads (interaction `user`/`member.user`, message `author`). */
export interface NamedUser { readonly id?: string; readonly username?: string; readonly global_name?: string | null }
/** The member field the rule reads (interaction `member`, message `member`). */
export interface NamedMember { readonly nick?: string | null }

/**
 * What people see: the first of member nick, user global_name, user username that is a string
 * with something other than whitespace; else the user's id; else 'someone'.
 */
export function displayName(user: NamedUser | undefined, member?: NamedMember | undefined): string {
  const pick = [member?.nick, user?.global_name, user?.username].find((s): s is string => typeof s === 'string' && s.trim() !== '');
  return pick ?? (typeof user?.id === 'string' && user.id !== '' ? user.id : 'someone');
}
