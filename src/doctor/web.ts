// Owns the doctor's `web-health` check: the web service answers GET /healthz (where `shiptrack
// status` looks for it, src/status/health-url.ts) with 200 within the timeout.
import fetch from 'node-fetch';
import { healthUrl } from '../status/health-url.js';
import { fail, pass, type CheckResult } from './check.js';

const FIX = 'start the web service (systemctl start shiptrack-web) and see `journalctl -u shiptrack-web`; HOST and PORT must be what it listens on';

export async function checkWeb(host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  const url = healthUrl(host, port);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json().catch(() => ({}))) as { version?: unknown; db?: unknown; reason?: unknown };
    const about = [body.version ? `version ${String(body.version)}` : '', body.db && body.db !== 'ok' ? `db ${String(body.db)}` : '',
      typeof body.reason === 'string' ? body.reason : ''].filter(Boolean).join(', ');
    const line = `${url} → ${res.status}${about ? ` (${about})` : ''}`;
    return res.status === 200 ? pass('web-health', line) : fail('web-health', line, FIX);
  } catch (err) {
    const e = err as Error & { code?: string };
    const reason = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${timeoutMs / 1000} s` : e.code ?? e.message;
    return fail('web-health', `${url} → ${reason}`, FIX);
  }
}
