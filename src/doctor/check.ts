// Owns the shape of one `shiptrack doctor` check and how a list of them is printed: one line per
// check (a mark, the name, what was found and, on failure, what to fix) or one JSON object.
// Pure: the checks themselves live in the other modules of this folder.

export interface CheckResult {
  /** Stable, for scripts: e.g. `database`, `bot-token`, `shipped-permissions`. */
  name: string;
  /** True only when the check passed, or does not apply here (`skipped` and ok: the timer without systemd). */
  ok: boolean;
  /** Not run: an earlier check it needs failed (not ok), or it does not apply on this machine (ok). */
  skipped?: boolean;
  detail: string;
  /** On failure: what to do about it. */
  fix?: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, ok: true, detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, ok: false, detail, fix });
/** A check that could not run because `because` (an earlier check failed): counts as not passing. */
export const skipBecause = (name: string, because: string): CheckResult => ({ name, ok: false, skipped: true, detail: `skipped (because ${because})` });
/** A check that does not apply on this machine: counts as passing. */
export const notApplicable = (name: string, why: string): CheckResult => ({ name, ok: true, skipped: true, detail: `skipped (${why})` });

const NAME_WIDTH = 26;

/** `ok  `, `FAIL` or `skip`, the name, the detail, and `; fix: …` on failure. */
export function formatLine(c: CheckResult): string {
  const mark = c.skipped ? 'skip' : c.ok ? 'ok  ' : 'FAIL';
  return `${mark} ${c.name.padEnd(NAME_WIDTH)} ${c.detail}${c.fix ? `; fix: ${c.fix}` : ''}`;
}

/** Every check's line, then one summary line. */
export function formatText(checks: readonly CheckResult[]): string {
  const failed = checks.filter((c) => !c.ok && !c.skipped).length;
  const skipped = checks.filter((c) => !c.ok && c.skipped).length;
  const summary = failed + skipped === 0
    ? `doctor: all ${checks.length} checks passed`
    : `doctor: ${failed} failed, ${skipped} skipped because of them, of ${checks.length} checks`;
  return [...checks.map(formatLine), summary].join('\n');
}

/** `{ok, checks: [{name, ok, skipped?, detail, fix?}]}`, in the order the text form lists them. */
export function formatJson(checks: readonly CheckResult[]): string {
  return JSON.stringify({ ok: allPassed(checks), checks: checks.map((c) => ({ name: c.name, ok: c.ok, ...(c.skipped ? { skipped: true } : {}), detail: c.detail, ...(c.fix ? { fix: c.fix } : {}) })) });
}

export function allPassed(checks: readonly CheckResult[]): boolean {
  return checks.every((c) => c.ok);
}
