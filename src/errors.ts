// Owns ShipTrack's error type and its stable codes; tests assert on `code`, not on messages.

export type ShipTrackErrorCode =
  | 'CONFIG_INVALID'
  | 'DB_UNREACHABLE'
  | 'MIGRATION_HASH_MISMATCH'
  | 'MIGRATION_GAP'
  | 'MIGRATION_BAD_NAME'
  | 'MIGRATION_MISSING_FILE'
  | 'MIGRATION_FAILED'
  | 'REST_HTTP_ERROR'
  | 'REST_RATE_LIMITED'
  | 'REST_TIMEOUT'
  | 'REST_INVALID_REQUEST_GUARD'
  | 'REST_NETWORK_ERROR'
  | 'REST_TOKEN_REJECTED'
  | 'REST_CLIENT_DESTROYED'
  | 'PUBLIC_KEY_INVALID'
  | 'DIGEST_CLAIMED_ELSEWHERE'
  | 'DIGEST_ABORTED';

export class ShipTrackError extends Error {
  readonly code: ShipTrackErrorCode;
  constructor(code: ShipTrackErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShipTrackError';
    this.code = code;
  }
}

/** Process exit codes shared by the bins and the systemd units (RestartPreventExitStatus=). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  /** Bad or missing configuration (sysexits EX_CONFIG): restarting cannot help. */
  config: 78,
  /** Discord closed the gateway with a non-recoverable code (4004, 4010-4014): do not restart. */
  gatewayFatal: 79,
  /** Another ShipTrack keeps resuming this bot's gateway session (two installations on one token): do not restart. */
  sessionConflict: 80,
} as const;

/** A printable one-liner for any thrown value (not only Error instances). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return code !== undefined ? `${String(code)}: ${err.message}` : err.message;
  }
  return String(err);
}
