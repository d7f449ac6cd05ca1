// systemd/shiptrack-web@.service (more web processes, one per port) must stay shiptrack-web.service
// with exactly four lines changed, so hardening, limits and restart policy never drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/repo.js';

const read = (name: string) => readFileSync(join(REPO, 'systemd', name), 'utf8');

/** What the template is: the web unit with the instance's port, PartOf=, log name and description. */
function templateOf(unit: string): string {
  const swap = (text: string, from: RegExp, to: string) => {
    assert.match(text, from, `shiptrack-web.service has no line ${from}`);
    return text.replace(from, to);
  };
  let t = unit;
  t = swap(t, /^Description=(.*)$/m, 'Description=$1, instance on port %i');
  t = swap(t, /^After=shiptrack-migrate\.service$/m, 'After=shiptrack-migrate.service\nPartOf=shiptrack-web.service');
  t = swap(t, /^ExecStart=\/usr\/bin\/node /m, 'ExecStart=/usr/bin/env PORT=%i /usr/bin/node ');
  t = swap(t, /^SyslogIdentifier=shiptrack-web$/m, 'SyslogIdentifier=shiptrack-web-%i');
  return t;
}

test('shiptrack-web@.service is shiptrack-web.service with PORT=%i, PartOf=, its own log name and description', () => {
  const template = read('shiptrack-web@.service');
  const unit = read('shiptrack-web.service');
  // The template's own comment comes first, then the web unit as it is, from its first line on.
  const start = template.indexOf(unit.slice(0, unit.indexOf('\n') + 1));
  assert.ok(start > 0, 'the template starts with its own comment, then the web unit');
  assert.match(template.slice(0, start), /^# shiptrack-web@PORT\.service: (.*\n)(#.*\n)*$/);
  assert.equal(template.slice(start), templateOf(unit));
});
