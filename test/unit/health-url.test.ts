// `shiptrack status` reaches /healthz on the address the web service listens on (src/status/health-url.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthUrl } from '../../src/status/health-url.js';

test('IPv4, wildcards and names are reachable as before', () => {
  assert.equal(healthUrl('127.0.0.1', 3000), 'http://127.0.0.1:3000/healthz');
  assert.equal(healthUrl('0.0.0.0', 3000), 'http://127.0.0.1:3000/healthz');
  assert.equal(healthUrl('localhost', 8080), 'http://localhost:8080/healthz');
});

test('an IPv6 HOST gets brackets (it used to give http://::1:3000, which is not a URL); :: means ::1', () => {
  assert.equal(healthUrl('::1', 3000), 'http://[::1]:3000/healthz');
  assert.equal(healthUrl('::', 3000), 'http://[::1]:3000/healthz');
  assert.equal(healthUrl('fd00::5', 3000), 'http://[fd00::5]:3000/healthz');
  for (const h of ['::1', '::', 'fd00::5', '0.0.0.0']) assert.equal(new URL(healthUrl(h, 3000)).port, '3000');
});
