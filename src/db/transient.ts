// Owns telling a database failure that may pass on its own from one that will not, so callers
// (the interactions router, through web.ts) can retry an idempotent operation a few times.

/**
 * Errors worth another attempt: the pool could not hand out a connection in time, the connection
 * broke, or Postgres said "try again" (SQLSTATE classes 08 connection, 40 rollback, 53 resources,
 * 57 operator intervention). The slash-command handlers are idempotent (/ship on the interaction
 * id), so a retry can never store twice. Anything else (bad data, bugs) fails at once.
 */
export function isTransientDbError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^(08|40|53|57)[0-9A-Z]{3}$/.test(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'].includes(code)) return true;
  }
  return /timeout exceeded when trying to connect|Connection terminated/i.test(err.message);
}
