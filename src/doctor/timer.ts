// Owns the doctor's `digest-timer` check: where systemd runs (sd_booted(3): /run/systemd/system
// exists), `systemctl is-enabled shiptrack-digest.timer` must print `enabled`; elsewhere the check
// does not apply. is-enabled prints the unit file state on stdout and exits non-zero for any state
// but enabled/static/alias/indirect/generated/transient; for a unit that is not installed it prints
// `not-found` (or only an error on stderr on older systemd). https://www.freedesktop.org/software/systemd/man/latest/systemctl.html
import { execFile, type ExecFileException } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fail, notApplicable, pass, type CheckResult } from './check.js';

export const TIMER = 'shiptrack-digest.timer';
const NAME = 'digest-timer';

export interface TimerCheckOptions {
  /** /run/systemd/system in production. */
  systemdRunDir: string;
  /** `systemctl` in production. */
  systemctl: string;
  timeoutMs: number;
}

export async function checkTimer(o: TimerCheckOptions): Promise<CheckResult> {
  if (!existsSync(o.systemdRunDir)) return notApplicable(NAME, 'systemd is not running here');
  const r = await new Promise<{ out: string; err: string; error?: ExecFileException }>((resolve) => {
    execFile(o.systemctl, ['is-enabled', TIMER], { timeout: o.timeoutMs, encoding: 'utf8' }, (error, out, err) => resolve({ out, err, ...(error ? { error } : {}) }));
  });
  const state = r.out.trim().split('\n')[0] ?? '';
  if (state === 'enabled') return pass(NAME, `${TIMER} is enabled`);
  if (r.error?.killed) return fail(NAME, `\`systemctl is-enabled ${TIMER}\` gave no answer within ${o.timeoutMs / 1000} s`, 'check `systemctl status`, then run doctor again');
  if (r.error?.code === 'ENOENT') return fail(NAME, `systemd runs here but ${o.systemctl} was not found`, 'run doctor where systemctl is on PATH');
  if (state === 'not-found' || (!state && /No such file|not found|does not exist/i.test(r.err))) {
    return fail(NAME, `${TIMER} is not installed`, 'install the units: `sudo systemd/install.sh` (README, Operations → Install)');
  }
  if (state === 'masked' || state === 'masked-runtime') return fail(NAME, `${TIMER} is ${state}`, `systemctl unmask ${TIMER} && systemctl enable --now ${TIMER}`);
  return fail(NAME, `${TIMER} is ${state || `not enabled (${r.err.trim().split('\n')[0] ?? 'no output'})`}: no weekly digest will be posted`, `systemctl enable --now ${TIMER}`);
}
