// Owns turning a REST path into a loggable route template and a rate-limit major parameter.
// Does not send anything or keep state; tokens never survive into a template or a key.
import { createHash } from 'node:crypto';
import { isSnowflake } from '../snowflake.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ParsedRoute {
  /** e.g. 'POST /channels/:channel_id/messages'. Safe to log: no ids, no tokens. */
  readonly template: string;
  /** The same without the method, e.g. '/channels/:channel_id/messages'. */
  readonly pathTemplate: string;
  /** The top-level resource the limit is computed per: a channel/guild id, a webhook id + hashed token, or 'global'. */
  readonly majorParameter: string;
  /** Interaction callbacks and interaction-token webhooks: exempt from the 50/s global cap (Discord rate-limits.mdx). */
  readonly interaction: boolean;
}

// The placeholder for the segment that follows each resource name.
const ID_NAMES: Record<string, string> = {
  channels: ':channel_id',
  guilds: ':guild_id',
  webhooks: ':webhook_id',
  applications: ':application_id',
  messages: ':message_id',
  users: ':user_id',
  members: ':user_id',
  roles: ':role_id',
  commands: ':command_id',
  interactions: ':interaction_id',
  threads: ':thread_id',
  emojis: ':emoji_id',
};
// Literal segments that sit where an id would and must stay visible.
const KEEP = new Set(['@me', '@original']);
// Anything long and token-shaped that slipped past the structural rules (belt and braces for logs).
const TOKEN_LIKE = /^[A-Za-z0-9_.-]{30,}$/;

function stripQuery(path: string): string {
  const q = path.search(/[?#]/);
  const p = q === -1 ? path : path.slice(0, q);
  return p.startsWith('/') ? p : `/${p}`;
}

function shortHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

/** Parses a path like '/channels/123/messages?after=1' (relative to the API base). */
export function parseRoute(method: HttpMethod | string, path: string): ParsedRoute {
  const segs = stripQuery(path).split('/').slice(1);
  const out: string[] = [];
  let major = 'global';
  let interaction = false;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const prev = segs[i - 1];
    if (prev === 'reactions') {
      // Collapse everything after /reactions: emoji, @me, user ids share one limit (djs does the same).
      out.push(':reaction');
      break;
    }
    if (prev !== undefined && ID_NAMES[prev] && !KEEP.has(seg) && out[out.length - 1] === prev) {
      out.push(ID_NAMES[prev]!);
      // Only a top-level resource is a major parameter (djs anchors its regex at the start).
      const topLevel = i === 1;
      if (topLevel && (prev === 'channels' || prev === 'guilds')) major = seg;
      const next = segs[i + 1];
      if ((prev === 'webhooks' || prev === 'interactions') && next !== undefined && !ID_NAMES[next] && next !== 'messages') {
        // /webhooks/:id/:token and /interactions/:id/:token/callback: the token is part of the key, hashed.
        out.push(prev === 'webhooks' ? ':webhook_token' : ':interaction_token');
        if (topLevel) major = `${seg}:${shortHash(next)}`;
        if (prev === 'interactions' || /^aW50ZXJhY3Rpb246/.test(next)) interaction = true;
        i++;
      } else if (prev === 'webhooks' && topLevel) {
        major = seg;
      }
      continue;
    }
    if (isSnowflake(seg)) out.push(':id');
    else if (TOKEN_LIKE.test(seg)) out.push(':token');
    else out.push(seg);
  }
  const pathTemplate = `/${out.join('/')}`;
  return { template: `${method.toUpperCase()} ${pathTemplate}`, pathTemplate, majorParameter: major, interaction };
}

/** 'POST /channels/:channel_id/messages'-style template: what logs and errors show. */
export function routeKey(method: HttpMethod | string, path: string): string {
  return parseRoute(method, path).template;
}
