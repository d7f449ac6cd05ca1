// Route templates and major parameters: buckets per route + major param, tokens never in templates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute, routeKey } from '../../src/discord/rest/routes.js';

const CH = '1100000000000000001';
const CH2 = '1100000000000000002';
const MSG = '1200000000000000001';
const APP = '1300000000000000001';
const GUILD = '1400000000000000001';
const ITOKEN = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpzZWNyZXRzZWNyZXRzZWNyZXQ';

test('message create: template names the channel, major parameter is the channel id', () => {
  const r = parseRoute('POST', `/channels/${CH}/messages`);
  assert.equal(r.template, 'POST /channels/:channel_id/messages');
  assert.equal(r.pathTemplate, '/channels/:channel_id/messages');
  assert.equal(r.majorParameter, CH);
  assert.equal(r.interaction, false);
  assert.notEqual(parseRoute('POST', `/channels/${CH2}/messages`).majorParameter, r.majorParameter);
});

test('query strings are ignored; methods are part of the template', () => {
  assert.equal(routeKey('GET', `/channels/${CH}/messages?after=${MSG}&limit=100`), 'GET /channels/:channel_id/messages');
  assert.equal(routeKey('get', `channels/${CH}/messages`), 'GET /channels/:channel_id/messages');
});

test('reaction paths collapse to one template whatever the emoji or user', () => {
  const a = routeKey('PUT', `/channels/${CH}/messages/${MSG}/reactions/${encodeURIComponent('🚀')}/@me`);
  const b = routeKey('PUT', `/channels/${CH}/messages/${MSG}/reactions/${encodeURIComponent('👍')}/@me`);
  assert.equal(a, 'PUT /channels/:channel_id/messages/:message_id/reactions/:reaction');
  assert.equal(a, b);
});

test('interaction-token webhook: the token never appears in the template or the major parameter', () => {
  const r = parseRoute('PATCH', `/webhooks/${APP}/${ITOKEN}/messages/@original`);
  assert.equal(r.template, 'PATCH /webhooks/:webhook_id/:webhook_token/messages/@original');
  assert.ok(!r.template.includes(ITOKEN));
  assert.ok(r.majorParameter.startsWith(`${APP}:`));
  assert.ok(!r.majorParameter.includes(ITOKEN.slice(0, 16)));
  assert.equal(r.interaction, true);
  // Two tokens of the same app are different webhooks, so different buckets.
  assert.notEqual(parseRoute('PATCH', `/webhooks/${APP}/${ITOKEN}x/messages/@original`).majorParameter, r.majorParameter);
});

test('interaction callback is exempt and hides its token', () => {
  const r = parseRoute('POST', `/interactions/${MSG}/${ITOKEN}/callback`);
  assert.equal(r.template, 'POST /interactions/:interaction_id/:interaction_token/callback');
  assert.equal(r.interaction, true);
});

test('command registration: global and guild variants; guild under /applications is not a major parameter', () => {
  assert.equal(routeKey('PUT', `/applications/${APP}/commands`), 'PUT /applications/:application_id/commands');
  const g = parseRoute('PUT', `/applications/${APP}/guilds/${GUILD}/commands`);
  assert.equal(g.template, 'PUT /applications/:application_id/guilds/:guild_id/commands');
  assert.equal(g.majorParameter, 'global');
});

test('top-level guild routes use the guild id; literal segments stay', () => {
  assert.equal(parseRoute('GET', `/guilds/${GUILD}/members/${MSG}`).majorParameter, GUILD);
  assert.equal(routeKey('GET', `/guilds/${GUILD}/members/${MSG}`), 'GET /guilds/:guild_id/members/:user_id');
  assert.equal(routeKey('GET', '/users/@me'), 'GET /users/@me');
  assert.equal(routeKey('GET', '/gateway/bot'), 'GET /gateway/bot');
  assert.equal(parseRoute('GET', '/gateway/bot').majorParameter, 'global');
});

test('stray snowflakes and token-shaped segments are masked anyway', () => {
  assert.equal(routeKey('GET', `/stickers/${MSG}`), 'GET /stickers/:id');
  assert.equal(routeKey('GET', `/oddity/${ITOKEN}`), 'GET /oddity/:token');
});
