// Owns the resumable-session facts (session_id, seq, resume_gateway_url), the rules that advance
// or clear them, and the count of RESUMEs that failed or never connected: when to stop resuming
// and IDENTIFY, when to stop trusting resume_gateway_url. Knows nothing about sockets, timers or storage.

/** The facts a RESUME needs, as a SessionStore keeps them across restarts (the application stores them). */
export interface StoredSession { sessionId: string; seq: number; resumeUrl: string }

/** After this many RESUME attempts in a row end without RESUMED, give up and IDENTIFY (carbon#350). */
export const MAX_FAILED_RESUMES = 2;
/**
 * After this many RESUME attempts in a row that never reached the socket (refused, DNS, TLS), the
 * next ones go to the /gateway/bot URL instead of resume_gateway_url. Not counted as failed
 * resumes: our own network being down must not throw a good session away.
 */
export const MAX_UNREACHABLE_RESUMES = 3;

/**
 * What the end of a RESUME connection did to the session: nothing to resume ('no-session'), nothing
 * to count ('resumed'), one more unreachable attempt, one more failed resume, or the session given up.
 */
export type ResumeOutcome = 'no-session' | 'resumed' | 'unreachable' | 'failed' | 'given-up';

export class GatewaySession {
  sessionId: string | undefined;
  /** As Discord sent it (no query); connection code appends ?v=10&encoding=json. */
  resumeUrl: string | undefined;
  /** Latest non-null `s` received; heartbeats and RESUME carry it. */
  seq: number | null = null;
  private failedResumes = 0;
  private unreachable = 0;

  get consecutiveFailedResumes(): number { return this.failedResumes; }
  get consecutiveUnreachableResumes(): number { return this.unreachable; }
  /** resume_gateway_url has refused us often enough to try the general gateway URL. */
  get resumeUrlSuspect(): boolean { return this.unreachable >= MAX_UNREACHABLE_RESUMES; }

  /** A session persisted by a previous process (resume across restarts). */
  restore(s: StoredSession): void {
    this.sessionId = s.sessionId;
    this.resumeUrl = s.resumeUrl;
    this.seq = s.seq;
    this.failedResumes = 0;
    this.unreachable = 0;
  }

  canResume(): boolean {
    return this.sessionId !== undefined && this.resumeUrl !== undefined && this.seq !== null
      && this.failedResumes < MAX_FAILED_RESUMES;
  }

  /** How the next connection starts: RESUME while this session can be resumed, else IDENTIFY. */
  reconnectAs(): 'resume' | 'identify' {
    return this.canResume() ? 'resume' : 'identify';
  }

  /** READY: a brand-new session; the seq restarts at READY's `s`, never the old session's value. */
  startNew(sessionId: string, resumeUrl: string, readySeq: number | null): void {
    this.sessionId = sessionId;
    this.resumeUrl = resumeUrl;
    this.seq = readySeq;
    this.failedResumes = 0;
    this.unreachable = 0;
  }

  /** Only a non-null `s` higher than the current one advances the seq (replays never move it back). */
  observe(s: number | null | undefined): boolean {
    if (typeof s !== 'number' || !Number.isFinite(s)) return false;
    if (this.seq !== null && s <= this.seq) return false;
    this.seq = s;
    return true;
  }

  resumed(): void { this.failedResumes = 0; this.unreachable = 0; }

  /**
   * A connection that was to RESUME this session has ended (docs/gateway.md §1.7). `socketOpened`:
   * it reached the gateway; `resumed`: RESUMED arrived on it. A socket that never opened counts
   * towards MAX_UNREACHABLE_RESUMES, not as a failed resume; one that opened without RESUMED is a
   * failed resume, and the MAX_FAILED_RESUMES-th in a row clears the session ('given-up').
   */
  resumeAttemptEnded(o: { socketOpened: boolean; resumed: boolean }): ResumeOutcome {
    if (this.sessionId === undefined) return 'no-session';
    if (!o.socketOpened) {
      this.unreachable++;
      return 'unreachable';
    }
    if (o.resumed) return 'resumed';
    return this.resumeFailed() ? 'given-up' : 'failed';
  }

  /** A RESUME attempt ended without RESUMED. Returns true when the session was given up (cleared). */
  resumeFailed(): boolean {
    this.failedResumes++;
    if (this.failedResumes < MAX_FAILED_RESUMES) return false;
    this.clear();
    return true;
  }

  /** op 9 d:false, 4003/4007/4009, or giving up: all three facts go together. */
  clear(): void {
    this.sessionId = undefined;
    this.resumeUrl = undefined;
    this.seq = null;
    this.failedResumes = 0;
    this.unreachable = 0;
  }

  /** What to persist, with `seq` being the last *processed* seq (not necessarily the received one). */
  toStored(seq: number | null = this.seq): StoredSession | undefined {
    if (this.sessionId === undefined || this.resumeUrl === undefined || seq === null) return undefined;
    return { sessionId: this.sessionId, seq, resumeUrl: this.resumeUrl };
  }
}
