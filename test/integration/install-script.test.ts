// Runs systemd/install.sh --root <tmp> --no-build from a throwaway fake checkout: layout and modes,
// idempotence (manifest of paths + modes + sha256 identical after a second run), env never
// overwritten, upgrades replace code, --uninstall keeps env, --purge removes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/repo.js';

const repo = REPO;
const UNITS = ['shiptrack-migrate.service', 'shiptrack-web.service', 'shiptrack-worker.service', 'shiptrack-digest.service', 'shiptrack-digest.timer',
  'shiptrack-backup.service', 'shiptrack-backup.timer', 'shiptrack-web@.service'];
const BINS = ['web', 'worker', 'digest', 'migrate', 'status', 'backup'];
const FIXTURE_ENV = '# fixture .env.example\nDATABASE_URL=\nDISCORD_BOT_TOKEN=\nPORT=3000\n';

/** A fake checkout: the real systemd/, sql/, package files; stub dist/ entry points. */
function makeCheckout(base: string): string {
  const src = join(base, 'checkout');
  mkdirSync(join(src, 'dist/bin'), { recursive: true });
  mkdirSync(join(src, 'dist/db'), { recursive: true });
  cpSync(join(repo, 'systemd'), join(src, 'systemd'), { recursive: true });
  cpSync(join(repo, 'sql'), join(src, 'sql'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(repo, f), join(src, f));
  const example = join(repo, '.env.example');
  writeFileSync(join(src, '.env.example'), existsSync(example) ? readFileSync(example) : FIXTURE_ENV);
  for (const b of BINS) writeFileSync(join(src, `dist/bin/${b}.js`), `// stub ${b}\n`);
  writeFileSync(join(src, 'dist/db/pool.js'), '// stub pool\n');
  chmodSync(join(src, 'dist/bin/web.js'), 0o600); // the installer must normalise modes
  return src;
}

function install(src: string, ...args: string[]): { status: number | null; out: string } {
  return installWith({}, src, ...args);
}

function installWith(env: Record<string, string>, src: string, ...args: string[]): { status: number | null; out: string } {
  const res = spawnSync('bash', [join(src, 'systemd/install.sh'), ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { status: res.status, out: `${res.stdout}${res.stderr}` };
}

/** path -> "mode type [sha256|target]" for everything under root. */
function manifest(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const abs = join(root, rel);
    const st = lstatSync(abs);
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    if (st.isSymbolicLink()) out.set(rel, `${mode} l ${readlinkSync(abs)}`);
    else if (st.isDirectory()) {
      if (rel) out.set(rel, `${mode} d`);
      for (const name of readdirSync(abs).sort()) walk(rel ? `${rel}/${name}` : name);
    } else out.set(rel, `${mode} f ${createHash('sha256').update(readFileSync(abs)).digest('hex')}`);
  };
  walk('');
  return out;
}

const modeOf = (p: string) => (statSync(p).mode & 0o7777).toString(8).padStart(4, '0');

test('install --root lays out units, code, env and sysusers with the right modes, and a second run changes nothing', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'shiptrack-install-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const src = makeCheckout(base);
  const root = join(base, 'root');

  const first = install(src, '--root', root, '--no-build');
  assert.equal(first.status, 0, first.out);
  const m1 = manifest(root);

  const expected: Record<string, string> = {
    'etc/shiptrack': '0750 d',
    'etc/shiptrack/env': '0640 f',
    'etc/sysusers.d/shiptrack.conf': '0644 f',
    'usr/local/bin/shiptrack': '0755 f',
    'opt/shiptrack': '0755 d',
    'opt/shiptrack/dist': '0755 d',
    'opt/shiptrack/dist/bin': '0755 d',
    'opt/shiptrack/dist/db/pool.js': '0644 f',
    'opt/shiptrack/package.json': '0644 f',
    'opt/shiptrack/package-lock.json': '0644 f',
    'opt/shiptrack/sql': '0755 d',
  };
  for (const u of UNITS) expected[`etc/systemd/system/${u}`] = '0644 f';
  for (const b of BINS) expected[`opt/shiptrack/dist/bin/${b}.js`] = '0644 f';
  for (const f of readdirSync(join(repo, 'sql'))) expected[`opt/shiptrack/sql/${f}`] = '0644 f';
  for (const [path, want] of Object.entries(expected)) {
    assert.equal(m1.get(path)?.slice(0, want.length), want, `${path}: ${m1.get(path) ?? 'missing'}`);
  }
  // Nothing else: no staging leftovers, no enablement symlinks under --root, no node_modules (--no-build).
  const files = [...m1.entries()].filter(([, v]) => v.split(' ')[1] !== 'd').map(([k]) => k).sort();
  assert.deepEqual(files, Object.keys(expected).filter((k) => !expected[k]!.endsWith(' d')).sort());

  // Contents are the checkout's, byte for byte.
  for (const u of UNITS) assert.equal(readFileSync(join(root, 'etc/systemd/system', u), 'utf8'), readFileSync(join(repo, 'systemd', u), 'utf8'));
  assert.equal(readFileSync(join(root, 'etc/sysusers.d/shiptrack.conf'), 'utf8'), readFileSync(join(repo, 'systemd/shiptrack.sysusers.conf'), 'utf8'));
  assert.equal(readFileSync(join(root, 'etc/shiptrack/env'), 'utf8'), readFileSync(join(src, '.env.example'), 'utf8'));
  assert.equal(readFileSync(join(root, 'opt/shiptrack/dist/bin/worker.js'), 'utf8'), '// stub worker\n');
  assert.match(first.out, /created from \.env\.example/);
  assert.match(first.out, /nothing enabled or started/);

  const second = install(src, '--root', root, '--no-build');
  assert.equal(second.status, 0, second.out);
  assert.deepEqual(manifest(root), m1, 'second run changed the tree');
  assert.doesNotMatch(second.out, /installed /);
  assert.match(second.out, /exists, left untouched/);
});

test('an existing env file is never overwritten (content and mode kept)', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'shiptrack-install-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const src = makeCheckout(base);
  const root = join(base, 'root');
  mkdirSync(join(root, 'etc/shiptrack'), { recursive: true });
  const env = join(root, 'etc/shiptrack/env');
  writeFileSync(env, 'DATABASE_URL=postgres://shiptrack@/shiptrack\nDISCORD_BOT_TOKEN=admin-edited\n', { mode: 0o600 });
  chmodSync(env, 0o600);

  for (let i = 0; i < 2; i++) {
    const res = install(src, '--root', root, '--no-build');
    assert.equal(res.status, 0, res.out);
    assert.equal(readFileSync(env, 'utf8'), 'DATABASE_URL=postgres://shiptrack@/shiptrack\nDISCORD_BOT_TOKEN=admin-edited\n');
    assert.equal(modeOf(env), '0600');
  }
});

test('an upgrade replaces changed code and drops files that left the checkout', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'shiptrack-install-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const src = makeCheckout(base);
  const root = join(base, 'root');
  assert.equal(install(src, '--root', root, '--no-build').status, 0);

  writeFileSync(join(src, 'dist/bin/worker.js'), '// stub worker v2\n');
  rmSync(join(src, 'dist/db/pool.js'));
  const res = install(src, '--root', root, '--no-build');
  assert.equal(res.status, 0, res.out);
  assert.match(res.out, /installed .*\/opt\/shiptrack\/dist\//);
  assert.equal(readFileSync(join(root, 'opt/shiptrack/dist/bin/worker.js'), 'utf8'), '// stub worker v2\n');
  assert.equal(existsSync(join(root, 'opt/shiptrack/dist/db/pool.js')), false);
});

test('--uninstall removes units and code but keeps env; --purge removes env too', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'shiptrack-install-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const src = makeCheckout(base);
  const root = join(base, 'root');
  assert.equal(install(src, '--root', root, '--no-build').status, 0);
  // An image build may have enabled the units offline; uninstall must not leave dangling symlinks.
  mkdirSync(join(root, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
  const link = join(root, 'etc/systemd/system/multi-user.target.wants/shiptrack-web.service');
  spawnSync('ln', ['-s', '/etc/systemd/system/shiptrack-web.service', link]);

  const res = install(src, '--root', root, '--uninstall');
  assert.equal(res.status, 0, res.out);
  for (const u of UNITS) assert.equal(existsSync(join(root, 'etc/systemd/system', u)), false, u);
  assert.throws(() => lstatSync(link));
  assert.equal(existsSync(join(root, 'opt/shiptrack')), false);
  assert.equal(existsSync(join(root, 'etc/sysusers.d/shiptrack.conf')), false);
  assert.equal(existsSync(join(root, 'usr/local/bin/shiptrack')), false);
  assert.equal(readFileSync(join(root, 'etc/shiptrack/env'), 'utf8'), readFileSync(join(src, '.env.example'), 'utf8'));
  assert.match(res.out, /kept .*etc\/shiptrack\/env/);
  assert.match(res.out, /the PostgreSQL database and the backups in .*\/var\/lib\/shiptrack\/backups were left in place/);

  const again = install(src, '--root', root, '--uninstall');
  assert.equal(again.status, 0, again.out);

  const purge = install(src, '--root', root, '--uninstall', '--purge');
  assert.equal(purge.status, 0, purge.out);
  assert.equal(existsSync(join(root, 'etc/shiptrack')), false);
});

test('--source installs from another checkout; a checkout without a built dist/ is refused', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'shiptrack-install-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const src = makeCheckout(base);
  rmSync(join(src, 'dist/bin/worker.js'));
  const res = spawnSync('bash', [join(repo, 'systemd/install.sh'), '--source', src, '--root', join(base, 'root'), '--no-build'], { encoding: 'utf8' });
  assert.equal(res.status, 1);
  assert.match(res.stderr, /missing .*\/checkout\/dist\/bin\/worker\.js/);
  assert.equal(existsSync(join(base, 'root/etc/systemd/system/shiptrack-web.service')), false, 'nothing installed after a refused check');
  assert.equal(install(src, '--bogus').status, 1);
});

test('--help prints the usage comment and nothing of the script; --purge without --uninstall is refused before anything is created', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'shiptrack-install-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const help = install(REPO, '--help');
  assert.equal(help.status, 0, help.out);
  assert.match(help.out, /^Installs \(or upgrades, or removes\) ShipTrack as systemd services\./);
  assert.match(help.out, /Options: --source DIR .*\n {9}--no-backup .*\n$/);
  assert.doesNotMatch(help.out, /set -euo|umask|^#/m);

  const root = join(base, 'root');
  const purge = install(REPO, '--root', root, '--purge');
  assert.equal(purge.status, 1);
  assert.equal(purge.out, 'install.sh: --purge only goes with --uninstall\n');
  assert.equal(existsSync(root), false, 'the refused run created its root directory');
});

/**
 * The service steps through a stand-in systemctl (SHIPTRACK_INSTALL_SYSTEMCTL, with --root): it
 * records every call and fails `start shiptrack-backup.service` while `fail-backup` exists.
 */
function fakeSystemctl(base: string): { env: Record<string, string>; calls: () => string[]; failBackup: (on: boolean) => void } {
  const log = join(base, 'systemctl.log');
  const flag = join(base, 'fail-backup');
  const script = join(base, 'systemctl');
  writeFileSync(script, `#!/bin/sh\necho "$*" >> '${log}'\n[ "$*" = "start shiptrack-backup.service" ] && [ -e '${flag}' ] && { echo "backup.failed reason=db_unreachable" >&2; exit 1; }\nexit 0\n`);
  chmodSync(script, 0o755);
  return {
    env: { SHIPTRACK_INSTALL_SYSTEMCTL: script },
    calls: () => { const c = existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n') : []; rmSync(log, { force: true }); return c; },
    failBackup: (on) => (on ? writeFileSync(flag, '') : rmSync(flag, { force: true })),
  };
}

test('an upgrade of a configured install backs up before the migrations; a failed backup stops it; --no-backup skips it', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'shiptrack-install-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const src = makeCheckout(base);
  const root = join(base, 'root');
  const sc = fakeSystemctl(base);
  mkdirSync(join(root, 'etc/shiptrack'), { recursive: true });
  writeFileSync(join(root, 'etc/shiptrack/env'), 'DATABASE_URL=postgres://shiptrack:pw@127.0.0.1:5432/shiptrack\n', { mode: 0o640 });
  const restart = 'restart shiptrack-migrate.service shiptrack-web.service shiptrack-worker.service';

  // First install: nothing to back up yet; migrations and services start.
  const first = installWith(sc.env, src, '--root', root, '--no-build');
  assert.equal(first.status, 0, first.out);
  let calls = sc.calls();
  assert.ok(!calls.includes('start shiptrack-backup.service'), calls.join('\n'));
  assert.ok(calls.includes(restart), calls.join('\n'));

  // Upgrade: the backup runs, and before migrate restarts.
  writeFileSync(join(src, 'dist/bin/worker.js'), '// stub worker v2\n');
  const up = installWith(sc.env, src, '--root', root, '--no-build');
  assert.equal(up.status, 0, up.out);
  assert.match(up.out, /Pre-upgrade backup \(shiptrack-backup\.service; --no-backup skips it\)/);
  calls = sc.calls();
  const b = calls.indexOf('start shiptrack-backup.service');
  assert.ok(b >= 0 && b < calls.indexOf(restart), calls.join('\n'));

  // The backup fails: exit 1 with the reason and the way out; migrate is not restarted.
  writeFileSync(join(src, 'dist/bin/worker.js'), '// stub worker v3\n');
  sc.failBackup(true);
  const failed = installWith(sc.env, src, '--root', root, '--no-build');
  assert.equal(failed.status, 1, failed.out);
  assert.match(failed.out, /install\.sh: the pre-upgrade backup failed, so no migration ran and nothing was restarted/);
  assert.match(failed.out, /--no-backup to upgrade without a backup/);
  calls = sc.calls();
  assert.equal(calls.at(-1), 'start shiptrack-backup.service', calls.join('\n'));
  assert.ok(!calls.some((c) => c.startsWith('restart')), calls.join('\n'));

  // The same upgrade again with --no-backup: no backup, migrations and restart.
  writeFileSync(join(src, 'dist/bin/worker.js'), '// stub worker v4\n');
  const forced = installWith(sc.env, src, '--root', root, '--no-build', '--no-backup');
  assert.equal(forced.status, 0, forced.out);
  assert.match(forced.out, /Pre-upgrade backup skipped \(--no-backup\)/);
  calls = sc.calls();
  assert.ok(!calls.includes('start shiptrack-backup.service') && calls.includes(restart), calls.join('\n'));

  // Nothing changed: no backup, services only made sure to run.
  sc.failBackup(false);
  const same = installWith(sc.env, src, '--root', root, '--no-build');
  assert.equal(same.status, 0, same.out);
  calls = sc.calls();
  assert.ok(!calls.includes('start shiptrack-backup.service'), calls.join('\n'));
  assert.ok(calls.includes('start shiptrack-migrate.service shiptrack-web.service shiptrack-worker.service'), calls.join('\n'));

  // An env file without DATABASE_URL: no backup to take.
  writeFileSync(join(root, 'etc/shiptrack/env'), 'DATABASE_URL=\n');
  writeFileSync(join(src, 'dist/bin/worker.js'), '// stub worker v5\n');
  const noDb = installWith(sc.env, src, '--root', root, '--no-build');
  assert.equal(noDb.status, 0, noDb.out);
  assert.match(noDb.out, /No DATABASE_URL in .*: no pre-upgrade backup/);
  assert.ok(!sc.calls().includes('start shiptrack-backup.service'));
});
