// Owns turning Discord's markup tokens in launch text into what a reader of the public site should
// see (docs/site.md §2.2): `<@id>` becomes `@` and the name ShipTrack stored for that member ("a
// member" when they hid themselves or never launched), roles, channels, custom emoji, timestamps
// and command mentions their plain forms. The result is still plain text: render/html.ts escapes it.
// Token shapes: Discord's message formatting reference ("Message Formatting").

const TOKEN = /<@!?(\d{17,20})>|<@&\d{17,20}>|<#\d{17,20}>|<a?:([A-Za-z0-9_~]{2,32}):\d{17,20}>|<t:(-?\d{1,13})(?::[tTdDfFR])?>|<\/([-_\p{L}\p{N} ]{1,100}):\d{17,20}>/gu;
const USER = /<@!?(\d{17,20})>/g;

/** How a hidden or unknown member is named on the site. */
export const ANONYMOUS = 'a member';

/** The member ids mentioned in `texts` (`<@id>`, `<@!id>`), each once. */
export function mentionedUsers(texts: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(USER)) ids.add(m[1]!);
  return [...ids];
}

/**
 * `text` with every mention token in its plain form. `names` maps a member id to the name to show
 * (without the @); one pass, so a name that looks like a token stays as it is.
 */
export function plainMentions(text: string, names: ReadonlyMap<string, string>): string {
  return text.replace(TOKEN, (token, user: string | undefined, emoji: string | undefined, unix: string | undefined, command: string | undefined) => {
    if (user !== undefined) return `@${names.get(user) ?? ANONYMOUS}`;
    if (emoji !== undefined) return `:${emoji}:`;
    if (unix !== undefined) {
      const d = new Date(Number(unix) * 1000);
      return Number.isNaN(d.getTime()) ? token : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    }
    if (command !== undefined) return `/${command}`;
    return token.startsWith('<#') ? '#channel' : '@role';
  });
}
