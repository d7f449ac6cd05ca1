// Owns computing a member's effective permissions in a guild channel from the guild's roles, the
// member's roles and the channel's permission overwrites, per Discord's documented algorithm
// (https://discord.com/developers/docs/topics/permissions#permission-overwrites): base = @everyone
// | the member's roles; ADMINISTRATOR (or guild owner) → everything; then @everyone's overwrite
// (deny, then allow), all the member's roles' overwrites (their denies combined, then their allows
// combined), the member's own overwrite (deny, then allow). Pure: no I/O, no ShipTrack rule.

/** Permission bits (https://discord.com/developers/docs/topics/permissions#permissions-bitwise-permission-flags). */
export const Permission = {
  ADMINISTRATOR: 1n << 3n,
  ADD_REACTIONS: 1n << 6n,
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  MANAGE_MESSAGES: 1n << 13n,
  READ_MESSAGE_HISTORY: 1n << 16n,
} as const;
export type PermissionName = keyof typeof Permission;

/** Every bit set: what ADMINISTRATOR and the guild owner get. */
export const ALL_PERMISSIONS = (1n << 64n) - 1n;

export interface RoleLike { id: string; permissions: string }
/** type 0 = role, 1 = member; allow/deny are decimal strings. */
export interface OverwriteLike { id: string; type: number; allow: string; deny: string }

export interface PermissionInput {
  guildId: string;
  /** The guild owner's user id (has every permission), if known. */
  ownerId?: string;
  roles: readonly RoleLike[];
  memberId: string;
  memberRoleIds: readonly string[];
  overwrites: readonly OverwriteLike[];
}

function bits(s: string | undefined): bigint {
  try { return s === undefined || s === '' ? 0n : BigInt(s); } catch { return 0n; }
}

/** Base permissions in the guild: @everyone (its id is the guild's) | each of the member's roles. */
export function basePermissions(i: Omit<PermissionInput, 'overwrites'>): bigint {
  if (i.ownerId !== undefined && i.ownerId === i.memberId) return ALL_PERMISSIONS;
  const byId = new Map(i.roles.map((r) => [r.id, r]));
  let p = bits(byId.get(i.guildId)?.permissions);
  for (const id of i.memberRoleIds) p |= bits(byId.get(id)?.permissions);
  return (p & Permission.ADMINISTRATOR) !== 0n ? ALL_PERMISSIONS : p;
}

/** The member's effective permissions in the channel. */
export function channelPermissions(i: PermissionInput): bigint {
  const base = basePermissions(i);
  if (base === ALL_PERMISSIONS) return ALL_PERMISSIONS;
  let p = base;
  const everyone = i.overwrites.find((o) => o.type === 0 && o.id === i.guildId);
  if (everyone) p = (p & ~bits(everyone.deny)) | bits(everyone.allow);
  let allow = 0n;
  let deny = 0n;
  const mine = new Set(i.memberRoleIds);
  for (const o of i.overwrites) {
    if (o.type === 0 && o.id !== i.guildId && mine.has(o.id)) { allow |= bits(o.allow); deny |= bits(o.deny); }
  }
  p = (p & ~deny) | allow;
  const member = i.overwrites.find((o) => o.type === 1 && o.id === i.memberId);
  if (member) p = (p & ~bits(member.deny)) | bits(member.allow);
  return p;
}

/** The names in `needed` that `have` lacks, in the order given. */
export function missingPermissions(have: bigint, needed: readonly PermissionName[]): PermissionName[] {
  return needed.filter((n) => (have & Permission[n]) === 0n);
}
