// Owns reading Discord snowflakes: which strings are ids (the one rule every module uses), and the
// high 42 bits, which are milliseconds since the Discord epoch.

/** The largest unsigned 64-bit integer: 2^64 - 1, 20 decimal digits. */
export const MAX_SNOWFLAKE = 18_446_744_073_709_551_615n;

// Discord ids are unsigned 64-bit integers sent as decimal strings
// (https://discord.com/developers/docs/reference#snowflakes), so the one rule is the canonical
// decimal form of a uint64 that Discord can actually have issued:
//  - ASCII digits only, no sign, no leading zero: one spelling per id, so ids compare and key
//    maps as strings;
//  - at most 20 digits and at most 2^64 - 1 (20 digits alone would let 99999999999999999999 in);
//  - at least 17 digits: the high 42 bits are milliseconds since the Discord epoch (2015-01-01),
//    and the smallest 17-digit number, 10^16, already encodes 2015-01-28, months before Discord
//    issued its first ids in 2015, so every real id has 17 digits or more. Shorter digit strings
//    are typos or placeholders (a configured channel id of "12" is a mistake, not an id).
// Checked with a charCodeAt loop rather than /^[1-9][0-9]{16,19}$/: it runs on every id of every
// request (issue 14).

/** True when `value` is a string holding a Discord snowflake (see the rule above). */
export function isSnowflake(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 17 || value.length > 20) return false;
  const first = value.charCodeAt(0);
  if (first < 0x31 || first > 0x39) return false; // 1-9: no leading zero
  for (let i = 1; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return value.length < 20 || BigInt(value) <= MAX_SNOWFLAKE;
}

/** `value` when it is a snowflake string, otherwise undefined. */
export function parseSnowflake(value: unknown): string | undefined {
  return isSnowflake(value) ? value : undefined;
}

export const DISCORD_EPOCH = 1_420_070_400_000n;

export function snowflakeToDate(id: string): Date {
  return new Date(Number((BigInt(id) >> 22n) + DISCORD_EPOCH));
}

/** The smallest snowflake at `date` (useful as an `after` bound). */
export function dateToSnowflake(date: Date): string {
  return ((BigInt(date.getTime()) - DISCORD_EPOCH) << 22n).toString();
}

export function compareSnowflakes(a: string, b: string): number {
  const x = BigInt(a), y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
