// Importing the REST client does no I/O: its User-Agent needs ShipTrack's version from
// package.json, which is read on the first request, not when the module loads. Checked in a plain
// `node` child on the compiled tree, with node:fs wrapped before the import so every read is seen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, testDist } from '../helpers/bin.js';

const CHILD = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const reads = [];
// The ESM loader reads each module's source through node:fs with a file: URL object; that is
// loading code, not the module doing I/O, so only the reads the modules themselves make count.
const seen = (path) => { if (!(path instanceof URL)) reads.push(String(path)); };
for (const name of ['readFileSync', 'readFile', 'openSync', 'open', 'createReadStream']) {
  const original = fs[name];
  fs[name] = function (path, ...rest) { seen(path); return original.call(this, path, ...rest); };
}
const originalPromise = fs.promises.readFile;
fs.promises.readFile = function (path, ...rest) { seen(path); return originalPromise.call(this, path, ...rest); };
syncBuiltinESMExports();
const { RestClient } = await import(process.argv[1]);
const atImport = reads.splice(0);
let userAgent;
const transport = async (url, init) => {
  userAgent = init.headers['User-Agent'];
  return { status: 204, headers: new Headers(), text: async () => '' };
};
const rest = new RestClient({ baseUrl: 'http://127.0.0.1:9/api/v10', token: 'x', transport });
const afterConstruct = reads.splice(0);
await rest.request('GET', '/users/@me');
rest.destroy();
console.log(JSON.stringify({ atImport, afterConstruct, firstRequest: reads, userAgent }));
`;

test('importing the REST client reads no file; the first request reads package.json for the User-Agent', () => {
  const client = pathToFileURL(join(testDist(), 'discord', 'rest', 'client.js')).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, client], { cwd: REPO, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { atImport: string[]; afterConstruct: string[]; firstRequest: string[]; userAgent: string };
  assert.deepEqual(out.atImport, [], 'files read while importing the module');
  assert.deepEqual(out.afterConstruct, [], 'files read by the constructor');
  assert.ok(out.firstRequest.some((p) => p.endsWith('package.json')), `package.json not read on the first request: ${out.firstRequest.join(', ')}`);
  const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(out.userAgent, `DiscordBot (https://github.com/shiptrack/shiptrack, ${version})`);
});
