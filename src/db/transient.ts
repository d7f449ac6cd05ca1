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

/**
 * Why a connection to PostgreSQL failed, for a process that is starting (shiptrack-migrate's
 * `--wait-for-db`). `transient` reasons can heal by themselves while the process waits (a server
 * still booting, a network not up yet); every other one needs the operator, so waiting for it
 * would only hold the units in "activating".
 */
export type DbConnectReason =
  // transient
  | 'refused' | 'timeout' | 'host_unreachable' | 'dns_temporary' | 'starting_up' | 'too_many_connections' | 'connection_lost'
  // needs the operator
  | 'auth' | 'no_role' | 'no_login' | 'no_database' | 'permission' | 'ssl' | 'pg_hba' | 'unknown_host' | 'other';

export interface DbConnectFailure {
  reason: DbConnectReason;
  transient: boolean;
  /** For a transient reason: what the process is waiting for, in words for the log. */
  waitingFor?: string;
}

const TRANSIENT_WAIT: Partial<Record<DbConnectReason, string>> = {
  refused: 'PostgreSQL to accept connections (connection refused)',
  timeout: 'PostgreSQL to answer (connection timed out)',
  host_unreachable: 'the network route to the database host',
  dns_temporary: 'DNS to resolve the database host (temporary failure)',
  starting_up: 'PostgreSQL to finish starting up',
  too_many_connections: 'a free PostgreSQL connection slot (too many connections)',
  connection_lost: 'PostgreSQL to accept connections (the connection was dropped)',
};

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_|CERT_)/;

/**
 * Sorts a connection failure by SQLSTATE (PostgreSQL's "Appendix A. Error Codes": class 28
 * invalid authorization, 3D000 invalid_catalog_name, 42501 insufficient_privilege, 57P03
 * cannot_connect_now, 53300 too_many_connections, class 08 connection exception) or, for errors
 * below PostgreSQL, by Node's socket error code (ECONNREFUSED, EAI_AGAIN, …) and node-postgres's
 * messages. The message text is matched only within a SQLSTATE (class 28 covers several causes).
 */
export function classifyDbConnectError(err: unknown): DbConnectFailure {
  const reason = connectReason(err);
  const waitingFor = TRANSIENT_WAIT[reason];
  return waitingFor ? { reason, transient: true, waitingFor } : { reason, transient: false };
}

function connectReason(err: unknown): DbConnectReason {
  if (!(err instanceof Error)) return 'other';
  const raw = (err as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : '';
  const msg = err.message;
  switch (code) {
    case 'ECONNREFUSED': return 'refused';
    case 'ETIMEDOUT': return 'timeout';
    case 'EHOSTUNREACH': case 'ENETUNREACH': case 'EHOSTDOWN': case 'ENETDOWN': return 'host_unreachable';
    case 'EAI_AGAIN': return 'dns_temporary';
    case 'ENOTFOUND': return 'unknown_host';
    case 'ECONNRESET': case 'EPIPE': return 'connection_lost';
    case '57P03': return 'starting_up';
    case '53300': return 'too_many_connections';
    case '28P01': return 'auth';
    case '3D000': return 'no_database';
    case '42501': return 'permission';
    case '28000':
      if (/role .* does not exist/i.test(msg)) return 'no_role';
      if (/not permitted to log in/i.test(msg)) return 'no_login';
      // PostgreSQL 16+ says "no encryption", older ones "SSL off": the server wants SSL here.
      if (/no pg_hba\.conf entry/i.test(msg)) return /no encryption|SSL off/i.test(msg) ? 'ssl' : 'pg_hba';
      return 'auth'; // peer, ident, … authentication failed
  }
  if (TLS_CODES.test(code) || /\bSSL\b|certificate/i.test(msg)) return 'ssl';
  if (/SASL|password must be a string|password authentication/i.test(msg)) return 'auth';
  if (/timeout exceeded when trying to connect|connection timeout/i.test(msg)) return 'timeout';
  if (/Connection terminated/i.test(msg)) return 'connection_lost';
  if (/^(08|57)[0-9A-Z]{3}$/.test(code)) return 'connection_lost'; // admin shutdown, crash shutdown, …
  return 'other';
}
