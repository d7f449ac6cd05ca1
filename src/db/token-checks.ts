// Owns bot_token_checks (sql/0010): what a process last learnt from Discord about the bot token.
import type { Queryable } from './pool.js';

export interface TokenCheck { proc: string; ok: boolean; checkedAt: Date; detail: string | null }

export async function recordTokenCheck(db: Queryable, check: TokenCheck): Promise<void> {
  await db.query(
    `INSERT INTO bot_token_checks (proc, ok, checked_at, detail) VALUES ($1, $2, $3, $4)
     ON CONFLICT (proc) DO UPDATE SET ok = EXCLUDED.ok, checked_at = EXCLUDED.checked_at, detail = EXCLUDED.detail`,
    [check.proc, check.ok, check.checkedAt, check.detail]);
}

export async function readTokenChecks(db: Queryable): Promise<TokenCheck[]> {
  const { rows } = await db.query<{ proc: string; ok: boolean; checked_at: Date; detail: string | null }>(
    'SELECT proc, ok, checked_at, detail FROM bot_token_checks ORDER BY proc');
  return rows.map((r) => ({ proc: r.proc, ok: r.ok, checkedAt: r.checked_at, detail: r.detail }));
}
