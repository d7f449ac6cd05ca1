// Owns reading process.env (the only module that does): loads .env, validates every setting a
// process needs once, and reports all problems in one message. Does not connect to anything.

import { existsSync } from 'node:fs';
import dotenv from 'dotenv';
import { isSnowflake } from './discord/snowflake.js';
import { ShipTrackError } from './errors.js';
import { LOG_LEVELS, type LogLevel } from './log.js';
import { DEFAULT_LAUNCH_WORDS, DEFAULT_MIN_LENGTH } from './launch/rules.js';

export type Role = 'web' | 'worker' | 'digest' | 'migrate' | 'register-commands' | 'status' | 'backup';

export interface Config {
  readonly role: Role;
  /** Non-enumerable (it carries the password), like `botToken`. */
  readonly databaseUrl: string;
  readonly databasePoolMax: number;
  readonly migrateOnStart: boolean;
  readonly logLevel: LogLevel;
  readonly discordApiBase: string;
  /** Non-enumerable: never serialised, never logged. Empty when the role does not need it. */
  readonly botToken: string;
  readonly publicKey: string;
  readonly applicationId: string;
  readonly guildId: string | undefined;
  readonly shippedChannelId: string;
  readonly announcementsChannelId: string;
  readonly host: string;
  readonly port: number;
  /** /ship answers with a deferred response if storing takes longer than this. */
  readonly interactionDeferMs: number;
  /** Web: concurrent connections; more are closed at once (docs/interactions.md §1.5). */
  readonly webMaxConnections: number;
  /** Web: bytes of request bodies held in memory at once, all connections together; past it 503. */
  readonly webBodyMemoryBytes: number;
  /** Web: also serve the public launch log (PUBLIC_SITE, default off; docs/site.md). */
  readonly publicSite: boolean;
  /**
   * Web: the site's public address, origin only, no trailing slash (PUBLIC_SITE_URL; required when
   * publicSite is on): absolute links and entry ids in the Atom feeds. Undefined when the site is off.
   */
  readonly publicSiteUrl: string | undefined;
  readonly launchWords: readonly string[];
  readonly launchMinLength: number;
  readonly digestQuietWeek: boolean;
  /** At most this many digest messages; a bigger week ends with "…and N more launches". */
  readonly digestMaxParts: number;
  /** Windows before the latest that a digest run finishes or posts late when they were missed; 0 = none. */
  readonly digestCatchUpWeeks: number;
  /**
   * `key` and `url` are non-enumerable, like `botToken`: some providers take the key in the URL
   * (`?key=`), so every query value of LLM_API_URL is also in `secrets`.
   */
  readonly llm: { readonly url: string; readonly key: string; readonly model: string; readonly timeoutMs: number } | undefined;
  readonly restTimeoutMs: number;
  /** Worker, first start only (no backfill cursor yet): import this many hours of #i-shipped history; 0 = none. */
  readonly workerBackfillHours: number;
  /** `shiptrack backup`: where pg_dump archives go, and how many of the newest are kept (docs/operations.md). */
  readonly backupDir: string;
  readonly backupKeep: number;
  /** Secret values the logger must mask (token, DB password, LLM key). */
  readonly secrets: readonly string[];
}

export type Env = Record<string, string | undefined>;

export const DEFAULT_API_BASE = 'https://discord.com/api/v10';
/** shiptrack-backup.service has StateDirectory=shiptrack/backups, i.e. this directory. */
export const DEFAULT_BACKUP_DIR = '/var/lib/shiptrack/backups';
export const DEFAULT_BACKUP_KEEP = 14;
// The launch-detection defaults belong to the domain; re-exported for existing importers.
export { DEFAULT_LAUNCH_WORDS } from './launch/rules.js';

const needs: Record<string, readonly Role[]> = {
  DATABASE_URL: ['web', 'worker', 'digest', 'migrate', 'status', 'backup'],
  DISCORD_BOT_TOKEN: ['worker', 'digest', 'register-commands'],
  DISCORD_PUBLIC_KEY: ['web'],
  DISCORD_APPLICATION_ID: ['web', 'register-commands'],
  SHIPPED_CHANNEL_ID: ['worker'],
  ANNOUNCEMENTS_CHANNEL_ID: ['digest'],
};

/**
 * Validates the environment for `role`. Throws CONFIG_INVALID naming every missing or malformed
 * variable at once. Loads `.env` from the working directory when present (never overrides).
 */
export function loadConfig(role: Role, env: Env = process.env, options: { dotenvPath?: string | false } = {}): Config {
  const path = options.dotenvPath ?? '.env';
  if (path !== false && env === process.env && existsSync(path)) dotenv.config({ path, quiet: true } as dotenv.DotenvConfigOptions);

  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === '' ? undefined : v;
  };
  const required = (name: string): string => {
    const v = get(name);
    if (v === undefined && needs[name]?.includes(role)) problems.push(`${name} is missing`);
    return v ?? '';
  };
  const snowflake = (name: string, value: string | undefined): string | undefined => {
    if (value !== undefined && value !== '' && !isSnowflake(value)) problems.push(`${name} must be a Discord id (17-20 digits, at most 2^64 - 1), got "${value}"`);
    return value;
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const v = get(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) { problems.push(`${name} must be an integer in ${min}..${max}, got "${v}"`); return def; }
    return n;
  };
  const bool = (name: string, def: boolean): boolean => {
    const v = get(name)?.toLowerCase();
    if (v === undefined) return def;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    problems.push(`${name} must be true or false, got "${v}"`);
    return def;
  };
  const url = (name: string, value: string | undefined, protocols: string[]): string | undefined => {
    if (value === undefined || value === '') return value;
    try {
      const u = new URL(value);
      if (!protocols.includes(u.protocol)) problems.push(`${name} must be a ${protocols.join(' or ')} URL`);
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return value;
  };

  const databaseUrl = url('DATABASE_URL', required('DATABASE_URL'), ['postgres:', 'postgresql:']) ?? '';
  const botToken = required('DISCORD_BOT_TOKEN');
  const publicKey = required('DISCORD_PUBLIC_KEY');
  if (publicKey && !/^[0-9a-fA-F]{64}$/.test(publicKey)) problems.push('DISCORD_PUBLIC_KEY must be 64 hex characters (the application\'s public key)');
  const applicationId = snowflake('DISCORD_APPLICATION_ID', required('DISCORD_APPLICATION_ID')) ?? '';
  const guildId = snowflake('DISCORD_GUILD_ID', get('DISCORD_GUILD_ID'));
  const shippedChannelId = snowflake('SHIPPED_CHANNEL_ID', required('SHIPPED_CHANNEL_ID')) ?? '';
  const announcementsChannelId = snowflake('ANNOUNCEMENTS_CHANNEL_ID', required('ANNOUNCEMENTS_CHANNEL_ID')) ?? '';
  const apiBaseRaw = url('DISCORD_API_BASE', get('DISCORD_API_BASE'), ['https:', 'http:']);
  // Paths are appended to it, and the bot token goes in DISCORD_BOT_TOKEN (sent as a header).
  if (apiBaseRaw !== undefined && /[?#@]/.test(apiBaseRaw)) problems.push('DISCORD_API_BASE must not have a query string, fragment or credentials (the bot token goes in DISCORD_BOT_TOKEN)');
  const discordApiBase = (apiBaseRaw ?? DEFAULT_API_BASE).replace(/\/+$/, '');

  const levelRaw = get('LOG_LEVEL')?.toLowerCase() ?? 'info';
  const logLevel = (LOG_LEVELS as string[]).includes(levelRaw) ? (levelRaw as LogLevel) : (problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${levelRaw}"`), 'info');

  const wordsRaw = get('LAUNCH_WORDS');
  const launchWords = wordsRaw === undefined ? DEFAULT_LAUNCH_WORDS : wordsRaw.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean);
  if (launchWords.length === 0) problems.push('LAUNCH_WORDS must list at least one word');

  const llmUrl = url('LLM_API_URL', get('LLM_API_URL'), ['https:', 'http:']);
  const llmModel = get('LLM_MODEL');
  if (llmUrl && !llmModel) problems.push('LLM_MODEL is missing (required when LLM_API_URL is set)');

  const port = int('PORT', 3000, 1, 65535);
  const publicSite = bool('PUBLIC_SITE', false);
  // Only the web process serves the site, and only uses the URL with the site on: another process
  // sharing the file, or a web with the site off, never fails on it.
  const publicSiteUrl = role === 'web' && publicSite ? siteUrl(get('PUBLIC_SITE_URL'), problems) : undefined;
  const config = {
    role,
    databasePoolMax: int('DATABASE_POOL_MAX', 10, 1, 100),
    migrateOnStart: bool('MIGRATE_ON_START', false),
    logLevel,
    discordApiBase,
    publicKey: publicKey.toLowerCase(),
    applicationId,
    guildId,
    shippedChannelId,
    announcementsChannelId,
    host: get('HOST') ?? '127.0.0.1',
    port,
    interactionDeferMs: int('INTERACTION_DEFER_MS', 1500, 50, 2500),
    webMaxConnections: int('WEB_MAX_CONNECTIONS', 256, 1, 65_536),
    webBodyMemoryBytes: int('WEB_BODY_MEMORY_MB', 8, 1, 1024) * 1024 * 1024,
    publicSite,
    publicSiteUrl,
    launchWords,
    launchMinLength: int('LAUNCH_MIN_LENGTH', DEFAULT_MIN_LENGTH, 1, 2000),
    digestQuietWeek: bool('DIGEST_QUIET_WEEK', false),
    digestMaxParts: int('DIGEST_MAX_PARTS', 10, 1, 100),
    digestCatchUpWeeks: int('DIGEST_CATCHUP_WEEKS', 4, 0, 52),
    llm: llmUrl && llmModel ? hide(hide({ model: llmModel, timeoutMs: int('LLM_TIMEOUT_MS', 8000, 100, 60000) }, 'url', llmUrl), 'key', get('LLM_API_KEY') ?? '') : undefined,
    restTimeoutMs: int('DISCORD_REST_TIMEOUT_MS', 15000, 100, 120000),
    workerBackfillHours: int('WORKER_BACKFILL_HOURS', 24, 0, 720),
    backupDir: get('BACKUP_DIR') ?? DEFAULT_BACKUP_DIR,
    backupKeep: int('BACKUP_KEEP', DEFAULT_BACKUP_KEEP, 1, 1000),
  };

  if (problems.length > 0) {
    throw new ShipTrackError('CONFIG_INVALID', `invalid configuration for ${role}: ${problems.join('; ')}`);
  }
  hide(config, 'databaseUrl', databaseUrl);
  let dbPassword = '';
  try { dbPassword = decodeURIComponent(new URL(databaseUrl).password); } catch { /* no URL for this role */ }
  const urlSecrets = config.llm ? urlSecretValues(config.llm.url) : [];
  const secrets = Object.freeze([...new Set([botToken, dbPassword, config.llm?.key ?? '', ...urlSecrets])].filter((s) => s.length >= 4));
  hide(config, 'botToken', botToken);
  hide(config, 'secrets', secrets);
  return Object.freeze(config) as unknown as Config;
}

/**
 * PUBLIC_SITE_URL as the site uses it: an http(s) origin (`https://launches.example.org`), no
 * path, query, fragment or credentials, no trailing slash. Pages link root-relative; the feeds need
 * the absolute address, and a feed reader must not be handed whatever Host header a client sent.
 */
function siteUrl(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined) {
    problems.push('PUBLIC_SITE_URL is missing (required when PUBLIC_SITE is on: the public address of the site, e.g. https://launches.example.org)');
    return undefined;
  }
  let u: URL;
  try { u = new URL(raw); } catch { problems.push(`PUBLIC_SITE_URL is not a valid URL, got "${raw}"`); return undefined; }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') { problems.push(`PUBLIC_SITE_URL must be an http or https URL, got "${raw}"`); return undefined; }
  if (u.username || u.password || u.search || u.hash || raw.includes('?') || raw.includes('#') || u.pathname !== '/') {
    problems.push(`PUBLIC_SITE_URL must be just the site's origin (scheme, host and optional port, like https://launches.example.org), got "${raw}"`);
    return undefined;
  }
  return u.origin;
}

/**
 * The password and every query value of `raw`, both as written and decoded, for the logger to mask.
 * Values under 8 characters (`alt=json`, `v=1`) are left out: no key is that short, and masking
 * such common words everywhere would garble unrelated lines.
 */
function urlSecretValues(raw: string): string[] {
  const out: string[] = [];
  try {
    const u = new URL(raw);
    out.push(u.password, decodeURIComponent(u.password), ...u.searchParams.values());
    for (const pair of u.search.slice(1).split('&')) out.push(pair.slice(pair.indexOf('=') + 1));
  } catch { /* validated above */ }
  return out.filter((s) => s.length >= 8);
}

/** pg's trick for `password`: the value exists but is invisible to JSON.stringify, util.inspect and Object.keys. */
function hide<T extends object, K extends string, V>(target: T, key: K, value: V): T & Readonly<Record<K, V>> {
  Object.defineProperty(target, key, { value, enumerable: false });
  return target as T & Readonly<Record<K, V>>;
}
