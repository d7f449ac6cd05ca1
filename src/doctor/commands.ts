// Owns what "the registered slash commands are identical to this release's" means for doctor: for
// each command, the fields ShipTrack sets when it registers (src/commands/definitions.ts,
// docs/interactions.md §3.2) compared with what Discord returns for them, ignoring what Discord adds
// (id, application_id, version, guild_id, localizations) and reading an absent field as Discord's
// documented default (type 1, required false, default_member_permissions null, nsfw false).
// `dm_permission` is deprecated in favour of `contexts` and not sent, so it is not compared;
// `contexts` and `integration_types` apply to global commands only and are compared only there.
// https://discord.com/developers/docs/interactions/application-commands#application-command-object
import { commandLabel, type CommandDefinition } from '../commands/definitions.js';

export type CommandScope = 'global' | 'guild';
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function option(o: Record<string, unknown>): Json {
  const out: Record<string, Json> = {
    type: (o.type as Json) ?? null, name: (o.name as Json) ?? null, description: (o.description as Json) ?? null,
    required: (o.required as boolean | undefined) ?? false, autocomplete: (o.autocomplete as boolean | undefined) ?? false,
  };
  for (const k of ['min_length', 'max_length', 'min_value', 'max_value', 'choices', 'channel_types'] as const) {
    if (o[k] !== undefined && o[k] !== null) out[k] = o[k] as Json;
  }
  if (Array.isArray(o.options) && o.options.length) out.options = (o.options as Record<string, unknown>[]).map(option);
  return out;
}

/** The compared fields of one command, defaults filled in. */
export function comparable(c: Record<string, unknown>, scope: CommandScope): Record<string, Json> {
  const out: Record<string, Json> = {
    type: (c.type as number | undefined) ?? 1,
    description: (c.description as Json) ?? '',
    options: Array.isArray(c.options) ? (c.options as Record<string, unknown>[]).map(option) : [],
    default_member_permissions: (c.default_member_permissions as Json) ?? null,
    nsfw: (c.nsfw as boolean | undefined) ?? false,
  };
  if (scope === 'global') {
    out.contexts = (c.contexts as Json) ?? null;
    out.integration_types = (c.integration_types as Json) ?? null;
  }
  return out;
}

/** The path of the first difference between a and b (`options[0].max_length`), or undefined. */
function firstDifference(a: Json | undefined, b: Json | undefined, path: string): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
      const d = firstDifference(a[k], b[k], path ? `${path}.${k}` : k);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? undefined : path;
}

function at(v: Json | undefined, path: string): Json | undefined {
  let cur: Json | undefined = v;
  for (const part of path.split(/\.|(?=\[)/)) {
    if (cur === undefined || cur === null || typeof cur !== 'object') return undefined;
    const idx = /^\[(\d+)\]$/.exec(part);
    cur = idx ? (cur as Json[])[Number(idx[1])] : (cur as Record<string, Json>)[part];
  }
  return cur;
}

const show = (v: Json | undefined) => (v === undefined ? 'absent' : JSON.stringify(v));

/** One phrase per difference; empty when the registered list is this release's, in any order. */
export function commandDifferences(registered: readonly unknown[], wanted: readonly CommandDefinition[], scope: CommandScope): string[] {
  const out: string[] = [];
  const reg = registered.filter((c): c is Record<string, unknown> => !!c && typeof c === 'object');
  const key = (c: { name?: unknown; type?: unknown }) => `${String(c.type ?? 1)}:${String(c.name)}`;
  const byKey = new Map(reg.map((c) => [key(c), c]));
  for (const w of wanted) {
    const r = byKey.get(key(w));
    if (!r) { out.push(`${commandLabel(w)} is not registered`); continue; }
    const a = comparable(r, scope);
    const b = comparable(w as unknown as Record<string, unknown>, scope);
    const path = firstDifference(a, b, '');
    if (path !== undefined) out.push(`${commandLabel(w)} differs in ${path} (registered ${show(at(a, path))}, this release ${show(at(b, path))})`);
  }
  const wantedKeys = new Set(wanted.map(key));
  for (const r of reg) if (!wantedKeys.has(key(r))) out.push(`${commandLabel(r)} is registered but not part of this release`);
  return out;
}
