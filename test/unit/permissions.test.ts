// src/discord/permissions.ts: Discord's documented permission computation
// (https://discord.com/developers/docs/topics/permissions#permission-overwrites).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_PERMISSIONS, Permission, channelPermissions, missingPermissions, type PermissionInput } from '../../src/discord/permissions.js';

const G = '100';
const BOT = '200';
const ROLE = '300';
const OTHER = '400';
const s = (b: bigint) => b.toString();
const { VIEW_CHANNEL: V, READ_MESSAGE_HISTORY: H, ADD_REACTIONS: R, ADMINISTRATOR: A, SEND_MESSAGES: S } = Permission;

function input(o: Partial<PermissionInput> = {}): PermissionInput {
  return {
    guildId: G, memberId: BOT, memberRoleIds: [ROLE], overwrites: [],
    roles: [{ id: G, permissions: s(V | H | R) }, { id: ROLE, permissions: '0' }, { id: OTHER, permissions: s(S) }],
    ...o,
  };
}

test('base: @everyone | the member roles; roles the member does not have do not count', () => {
  assert.equal(channelPermissions(input()), V | H | R);
  assert.equal(channelPermissions(input({ roles: [{ id: G, permissions: s(V) }, { id: ROLE, permissions: s(H) }, { id: OTHER, permissions: s(R) }] })), V | H);
});

test('ADMINISTRATOR from any role gives everything, overwrites notwithstanding', () => {
  const p = channelPermissions(input({
    roles: [{ id: G, permissions: '0' }, { id: ROLE, permissions: s(A) }],
    overwrites: [{ id: G, type: 0, allow: '0', deny: s(V | R) }, { id: BOT, type: 1, allow: '0', deny: s(V) }],
  }));
  assert.equal(p, ALL_PERMISSIONS);
  assert.deepEqual(missingPermissions(p, ['VIEW_CHANNEL', 'READ_MESSAGE_HISTORY', 'ADD_REACTIONS']), []);
});

test('the guild owner has everything', () => {
  assert.equal(channelPermissions(input({ ownerId: BOT, roles: [{ id: G, permissions: '0' }] })), ALL_PERMISSIONS);
});

test('@everyone overwrite deny removes, then its allow adds', () => {
  const p = channelPermissions(input({ overwrites: [{ id: G, type: 0, allow: s(S), deny: s(V) }] }));
  assert.deepEqual(missingPermissions(p, ['VIEW_CHANNEL', 'READ_MESSAGE_HISTORY', 'ADD_REACTIONS']), ['VIEW_CHANNEL']);
  assert.ok((p & S) !== 0n);
});

test('a role overwrite allow beats the @everyone overwrite deny', () => {
  const p = channelPermissions(input({ overwrites: [{ id: G, type: 0, allow: '0', deny: s(V) }, { id: ROLE, type: 0, allow: s(V), deny: '0' }] }));
  assert.deepEqual(missingPermissions(p, ['VIEW_CHANNEL']), []);
});

test('role overwrites: denies combined then allows combined, so an allow from any role wins over a deny from another', () => {
  const two = input({ memberRoleIds: [ROLE, OTHER], overwrites: [
    { id: ROLE, type: 0, allow: '0', deny: s(R) },
    { id: OTHER, type: 0, allow: s(R), deny: '0' },
  ] });
  assert.ok((channelPermissions(two) & R) !== 0n);
  const denied = input({ overwrites: [{ id: ROLE, type: 0, allow: '0', deny: s(R) }, { id: OTHER, type: 0, allow: s(R), deny: '0' }] });
  assert.deepEqual(missingPermissions(channelPermissions(denied), ['VIEW_CHANNEL', 'READ_MESSAGE_HISTORY', 'ADD_REACTIONS']), ['ADD_REACTIONS'],
    'an overwrite for a role the member lacks does not apply');
});

test('the member overwrite comes last: its deny beats a role allow, its allow beats a role deny', () => {
  const deny = channelPermissions(input({ overwrites: [{ id: ROLE, type: 0, allow: s(H), deny: '0' }, { id: BOT, type: 1, allow: '0', deny: s(H) }] }));
  assert.deepEqual(missingPermissions(deny, ['VIEW_CHANNEL', 'READ_MESSAGE_HISTORY']), ['READ_MESSAGE_HISTORY']);
  const allow = channelPermissions(input({ overwrites: [{ id: G, type: 0, allow: '0', deny: s(V | H) }, { id: ROLE, type: 0, allow: '0', deny: s(R) }, { id: BOT, type: 1, allow: s(V | H | R), deny: '0' }] }));
  assert.deepEqual(missingPermissions(allow, ['VIEW_CHANNEL', 'READ_MESSAGE_HISTORY', 'ADD_REACTIONS']), []);
});

test('a member overwrite with the member id but type role (0) is not the member overwrite', () => {
  const p = channelPermissions(input({ overwrites: [{ id: BOT, type: 0, allow: '0', deny: s(V) }] }));
  assert.deepEqual(missingPermissions(p, ['VIEW_CHANNEL']), []);
});
