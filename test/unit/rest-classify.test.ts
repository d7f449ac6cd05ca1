// The REST client's response policy as a table (docs/interactions.md §5.3): what each answer
// means for the request, and whether it counts towards the invalid-request limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, type Verdict } from '../../src/discord/rest/classify.js';

interface Row { name: string; status: number; headers?: Record<string, string>; body?: unknown; verdict: Verdict }

const message = { id: '1', content: 'hi' };
const rows: Row[] = [
  { name: '200 with a JSON body', status: 200, body: message, verdict: { kind: 'ok', value: message } },
  { name: '201 with a JSON body', status: 201, body: message, verdict: { kind: 'ok', value: message } },
  { name: '204 No Content', status: 204, body: undefined, verdict: { kind: 'ok', value: undefined } },
  { name: '204 ignores any body', status: 204, body: 'stray', verdict: { kind: 'ok', value: undefined } },
  { name: '301 redirect: not followed, a failure (not the target\'s answer)', status: 301, body: undefined, verdict: { kind: 'fail', invalid: false } },
  { name: '304 is not a success either', status: 304, body: undefined, verdict: { kind: 'fail', invalid: false } },
  { name: '400 form error: fail, not invalid', status: 400, body: { code: 50035, errors: {} }, verdict: { kind: 'fail', invalid: false } },
  { name: '401: fail, invalid', status: 401, body: { code: 0, message: '401: Unauthorized' }, verdict: { kind: 'fail', invalid: true } },
  { name: '403: fail, invalid', status: 403, body: { code: 50013 }, verdict: { kind: 'fail', invalid: true } },
  { name: '404: fail, not invalid', status: 404, body: { code: 10008 }, verdict: { kind: 'fail', invalid: false } },
  { name: '405: fail', status: 405, verdict: { kind: 'fail', invalid: false } },
  { name: '413: fail', status: 413, verdict: { kind: 'fail', invalid: false } },
  {
    name: '429 route limit: Retry-After header, scope user',
    status: 429, headers: { 'retry-after': '2', 'x-ratelimit-scope': 'user' }, body: { retry_after: 1.5, global: false },
    verdict: { kind: 'retry-after', ms: 2000, global: false, scope: 'user', invalid: true },
  },
  {
    name: '429: the body retry_after wins when larger (and keeps its fraction)',
    status: 429, headers: { 'retry-after': '1' }, body: { retry_after: 1.337, global: false },
    verdict: { kind: 'retry-after', ms: 1337, global: false, scope: 'user', invalid: true },
  },
  {
    name: '429 without a scope header: scope user',
    status: 429, body: { retry_after: 0.5 },
    verdict: { kind: 'retry-after', ms: 500, global: false, scope: 'user', invalid: true },
  },
  {
    name: '429 global by X-RateLimit-Global',
    status: 429, headers: { 'retry-after': '3', 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' }, body: { retry_after: 3, global: true },
    verdict: { kind: 'retry-after', ms: 3000, global: true, scope: 'global', invalid: true },
  },
  {
    name: '429 global by the body only',
    status: 429, body: { retry_after: 4, global: true },
    verdict: { kind: 'retry-after', ms: 4000, global: true, scope: 'global', invalid: true },
  },
  {
    name: '429 scope global without the global flag: a bucket wait, logged as global',
    status: 429, headers: { 'retry-after': '1', 'x-ratelimit-scope': 'global' }, body: { retry_after: 1, global: false },
    verdict: { kind: 'retry-after', ms: 1000, global: false, scope: 'global', invalid: true },
  },
  {
    name: '429 shared scope: not invalid',
    status: 429, headers: { 'retry-after': '5', 'x-ratelimit-scope': 'shared' }, body: { retry_after: 5, global: false },
    verdict: { kind: 'retry-after', ms: 5000, global: false, scope: 'shared', invalid: false },
  },
  {
    name: '429 without any usable wait: 1 s',
    status: 429, headers: { 'retry-after': 'soon' }, body: 'not json',
    verdict: { kind: 'retry-after', ms: 1000, global: false, scope: 'user', invalid: true },
  },
  {
    name: '429 with a zero wait: 1 s',
    status: 429, headers: { 'retry-after': '0' }, body: { retry_after: 0 },
    verdict: { kind: 'retry-after', ms: 1000, global: false, scope: 'user', invalid: true },
  },
  { name: '500: back off', status: 500, body: { message: 'Internal Server Error' }, verdict: { kind: 'back-off' } },
  { name: '502: back off', status: 502, body: '<html>Bad Gateway</html>', verdict: { kind: 'back-off' } },
  { name: '503: back off', status: 503, verdict: { kind: 'back-off' } },
  { name: '504: back off', status: 504, verdict: { kind: 'back-off' } },
];

for (const row of rows) {
  test(`classify: ${row.name}`, () => {
    assert.deepEqual(classify(row.status, new Headers(row.headers ?? {}), row.body), row.verdict);
  });
}

test('classify: only 401, 403 and non-shared 429 count as invalid requests', () => {
  const invalid = [];
  for (let status = 200; status < 600; status++) {
    const v = classify(status, new Headers(), undefined);
    if ('invalid' in v && v.invalid) invalid.push(status);
  }
  assert.deepEqual(invalid, [401, 403, 429]);
});
