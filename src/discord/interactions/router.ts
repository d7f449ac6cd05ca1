// Owns turning an authenticated interaction payload into exactly one answer: PONG, an inline
// message, or a deferral (type 5) followed by a PATCH of @original once the handler settles,
// retried while the interaction token lives (docs/interactions.md §2.6).
// Does not read HTTP (server.ts) or know any command's meaning: the application passes its
// handlers in (ShipTrack's are in src/commands/).

import { setMaxListeners } from 'node:events';
import { backoffDelay, type BackoffPolicy } from '../../backoff.js';
import { sleep, type Clock } from '../../clock.js';
import { withTimeout } from '../../timeout.js';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { autocompleteResult, deferred, editBody, ephemeral, HttpError, inline, pong, type Choice, type InteractionResponse, type MessageData } from './respond.js';
import { isSnowflake } from '../snowflake.js';
import { InteractionType, type Interaction } from './types.js';

/** Interaction tokens live 15 min; a follow-up older than this is dropped, not sent (docs/interactions.md §2.6). */
export const FOLLOWUP_MAX_AGE_MS = 14 * 60_000;

/**
 * Waits between attempts at a follow-up whose PATCH failed with a 5xx, a timeout or a network
 * error (each attempt is already the REST client's own few tries): 1–2 s, doubling up to 30–60 s.
 * The last attempt starts at FOLLOWUP_MAX_AGE_MS at the latest, the minute left for it to finish.
 */
export const FOLLOWUP_RETRY: BackoffPolicy = { baseMs: 2000, maxMs: 60_000 };

/**
 * Whether a failed edit of @original may succeed later: Discord's 5xx and 429s, timeouts and
 * network failures. A 4xx is final (an expired or invalidated token answers 401/404, and the REST
 * client refuses to reuse such a token), and so is anything unrecognised.
 */
export function isRetryableEditError(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return status >= 500 || status === 429;
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'REST_TIMEOUT' || code === 'REST_NETWORK_ERROR' || code === 'REST_INVALID_REQUEST_GUARD';
}

/** PATCH /webhooks/{app}/{token}/messages/@original (the bin passes editOriginalResponse). */
export type EditOriginal = (token: string, body: { content: string; allowed_mentions: { parse: [] } }) => Promise<unknown>;

/** One slash command as the router sees it: its name, its answer, and what to say if that fails. */
export interface CommandHandler {
  readonly name: string;
  /** Resolves with the answer; throws (any value) on an infrastructure failure such as the DB. */
  handle(interaction: Interaction): Promise<MessageData>;
  /** What the user sees when handle() throws: says what did (not) happen. */
  readonly apology: string;
  /** Every answer is for the invoker only: a deferral is ephemeral too (docs/interactions.md §2.5). */
  readonly ephemeral?: boolean;
  /** Suggestions for the option being typed (an AUTOCOMPLETE interaction); the router bounds the wait. */
  autocomplete?(interaction: Interaction): Promise<readonly Choice[]>;
}

/**
 * An autocomplete interaction cannot be deferred: it is answered within Discord's 3 s or not at
 * all (docs/interactions.md §2.7). Suggestions not ready after this long are answered with no
 * choices, and the member can keep typing (each keystroke sends a new interaction).
 */
export const AUTOCOMPLETE_MS = 1500;

export interface RouterOptions {
  clock: Clock;
  log: Logger;
  applicationId: string;
  /** Answer type 5 when a handler has not settled within this many ms (config.interactionDeferMs). */
  deferMs: number;
  editOriginal: EditOriginal;
  /** The commands answered, in the order the unknown-command reply lists them. */
  commands: readonly CommandHandler[];
  /**
   * Errors worth another attempt (RETRY_DELAYS_MS); anything else fails at once. The handlers must
   * be idempotent for this to be safe (web.ts passes src/db/transient.ts's isTransientDbError).
   */
  retryable: (err: unknown) => boolean;
  /** How long autocomplete suggestions may take before an empty answer (default AUTOCOMPLETE_MS). */
  autocompleteMs?: number;
}

export interface Router {
  /** Validates the parsed JSON (HttpError 400 when unusable) and answers it. Never rejects otherwise. */
  handle(payload: unknown): Promise<InteractionResponse>;
  /**
   * Resolves once every deferred follow-up has been sent, dropped or given up (tests). With
   * `deadlineMs` (graceful shutdown), resolves by then at the latest: the follow-ups still pending
   * are abandoned (no further attempt) and one warning names how many.
   */
  idle(deadlineMs?: number): Promise<void>;
  readonly pendingFollowups: number;
}

/** Waits before the 2nd and 3rd attempt of a handler whose error `retryable` accepts. */
export const RETRY_DELAYS_MS = [250, 1000];

/** The top-level checks: an object with a snowflake id, a numeric type, a token and OUR application id. */
export function validateInteraction(payload: unknown, applicationId: string): Interaction {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new HttpError(400, 'interaction is not a JSON object');
  const p = payload as Partial<Interaction>;
  if (typeof p.type !== 'number' || !Number.isInteger(p.type)) throw new HttpError(400, 'interaction type is missing');
  if (!isSnowflake(p.id)) throw new HttpError(400, 'interaction id is not a snowflake');
  if (p.application_id !== applicationId) throw new HttpError(400, 'interaction is for another application');
  if (p.type !== InteractionType.ping && (typeof p.token !== 'string' || p.token === '')) throw new HttpError(400, 'interaction token is missing');
  return p as Interaction;
}

/**
 * A controller whose signal any number of waiters may listen on: a Discord outage leaves every
 * deferred follow-up sleeping before its next attempt, which is normal, not a leak, so Node's
 * warning past 10 listeners (a raw line on stderr) is off for it.
 */
function shutdownSignal(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

export function createRouter(options: RouterOptions): Router {
  const { clock, log } = options;
  const commands = new Map(options.commands.map((c) => [c.name, c]));
  const pending = new Set<Promise<void>>();

  // Aborted when idle(deadline) abandons what is pending; a fresh one then serves later follow-ups.
  // Each follow-up waiting to retry listens on it, any number at once (see shutdownSignal).
  let abandon = shutdownSignal();

  async function followUp(i: Interaction, command: string, data: MessageData, receivedAt: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return; // abandoned at shutdown while the handler ran: already counted
    const fields = { interaction: i.id, command };
    const first = clock.now() - receivedAt;
    if (first > FOLLOWUP_MAX_AGE_MS) {
      log.warn('interaction.followup_dropped', { ...fields, age_ms: first, why: 'token older than 14 min' });
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await options.editOriginal(i.token, editBody(data));
        log.info('interaction.followup_sent', { ...fields, age_ms: clock.now() - receivedAt, attempts: attempt });
        return;
      } catch (err) {
        if (signal.aborted) return;
        // The error names the route template only (the REST client keeps tokens out of messages).
        const error = describeError(err);
        const age = clock.now() - receivedAt;
        if (!isRetryableEditError(err)) {
          log.error('interaction.followup_failed', { ...fields, attempts: attempt, age_ms: age, reason: 'rejected', error });
          return;
        }
        const left = FOLLOWUP_MAX_AGE_MS - age;
        if (left <= 0) {
          log.error('interaction.followup_failed', { ...fields, attempts: attempt, age_ms: age, reason: 'token_expiring', error });
          return;
        }
        const delay = Math.min(left, backoffDelay(attempt, FOLLOWUP_RETRY, () => clock.random()));
        log.warn('interaction.followup_retry', { ...fields, attempt: attempt + 1, delay_ms: delay, age_ms: age, error });
        try {
          await sleep(delay, clock, signal);
        } catch {
          return; // abandoned at shutdown: idle() logged the count
        }
      }
    }
  }

  /**
   * The handler's answer, tried again after RETRY_DELAYS_MS while `retryable` accepts its error;
   * its apology once it fails for good. Never rejects. The first attempt is a plain call and one
   * `.then`: the retry loop only exists once something failed (issue 14: a promise layer less).
   */
  function attempt(i: Interaction, command: CommandHandler): Promise<MessageData> {
    const retry = async (first: unknown): Promise<MessageData> => {
      let err = first;
      for (let n = 0; ; n++) {
        const delay = RETRY_DELAYS_MS[n];
        if (delay === undefined || !options.retryable(err)) throw err;
        log.warn('interaction.retrying', { interaction: i.id, command: command.name, attempt: n + 2, delay_ms: delay, error: describeError(err) });
        await sleep(delay, clock);
        try {
          return await command.handle(i);
        } catch (next) {
          err = next;
        }
      }
    };
    let first: Promise<MessageData>;
    try {
      first = command.handle(i);
    } catch (err) {
      first = Promise.reject(err);
    }
    return first.then(undefined, retry).then(undefined, (err: unknown) => {
      log.error('interaction.handler_failed', { interaction: i.id, command: command.name, error: describeError(err) });
      return ephemeral(command.apology);
    });
  }

  function run(i: Interaction, command: CommandHandler): Promise<InteractionResponse> {
    const receivedAt = clock.now();
    const work = attempt(i, command);
    // Exactly one initial answer: the handler's, if it finishes within deferMs; otherwise type 5
    // at deferMs and the handler's answer later as a follow-up. One timer and one settle, not a
    // race through withTimeout (issue 14).
    return new Promise((resolve) => {
      let settled = false;
      const timer = clock.setTimeout(() => {
        settled = true;
        log.info('interaction.deferred', { interaction: i.id, command: command.name, after_ms: clock.now() - receivedAt });
        const signal = abandon.signal;
        const task: Promise<void> = work.then((data) => followUp(i, command.name, data, receivedAt, signal))
          .finally(() => { pending.delete(task); });
        pending.add(task);
        resolve(deferred(command.ephemeral === true));
      }, options.deferMs);
      void work.then((data) => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        log.info('interaction.answered', { interaction: i.id, command: command.name, ms: clock.now() - receivedAt, ephemeral: data.flags === 64 });
        resolve(inline(data));
      });
    });
  }

  /** Suggestions within autocompleteMs, or none: a failure or a slow database answers an empty list. */
  async function suggest(i: Interaction, name: string): Promise<InteractionResponse> {
    const command = commands.get(name);
    if (!command?.autocomplete) return autocompleteResult([]);
    const receivedAt = clock.now();
    const fields = { interaction: i.id, command: command.name };
    const work = command.autocomplete(i).catch((err: unknown) => {
      log.warn('interaction.autocomplete_failed', { ...fields, error: describeError(err) });
      return [] as readonly Choice[];
    });
    const r = await withTimeout(work, options.autocompleteMs ?? AUTOCOMPLETE_MS, clock);
    if (r.timedOut) {
      log.warn('interaction.autocomplete_timeout', { ...fields, after_ms: clock.now() - receivedAt });
      return autocompleteResult([]);
    }
    log.debug('interaction.autocompleted', { ...fields, choices: r.value.length, ms: clock.now() - receivedAt });
    return autocompleteResult(r.value);
  }

  return {
    // Not async: a command's answer is run()'s promise itself, not one more wrapped around it.
    handle(payload) {
      let i: Interaction;
      try {
        i = validateInteraction(payload, options.applicationId);
        if (i.type !== InteractionType.ping && i.type !== InteractionType.command && i.type !== InteractionType.autocomplete) throw new HttpError(400, `interaction type ${i.type} is not handled`);
      } catch (err) {
        return Promise.reject(err);
      }
      if (i.type === InteractionType.ping) return Promise.resolve(pong());
      const name = typeof i.data?.name === 'string' ? i.data.name : '';
      if (i.type === InteractionType.autocomplete) return suggest(i, name);
      const command = commands.get(name);
      if (!command) {
        log.warn('interaction.unknown_command', { interaction: i.id, command: name.slice(0, 32) });
        const known = [...commands.keys()].map((n) => (/^[a-z]/.test(n) ? `/${n}` : `"${n}"`)).join(', ');
        return Promise.resolve(inline(ephemeral(`ShipTrack does not know that command. It answers ${known}; the command list may be out of date (an admin can run register-commands).`)));
      }
      return run(i, command);
    },
    async idle(deadlineMs) {
      const settled = (async () => { while (pending.size > 0) await Promise.allSettled([...pending]); })();
      if (deadlineMs === undefined) return settled;
      const r = await withTimeout(settled, deadlineMs, clock);
      if (!r.timedOut || pending.size === 0) return;
      const count = pending.size;
      const abandoned = abandon;
      abandon = shutdownSignal();
      pending.clear();
      abandoned.abort();
      log.warn('interaction.followups_abandoned', { count, after_ms: deadlineMs, why: 'shutdown drain deadline' });
    },
    get pendingFollowups() { return pending.size; },
  };
}
