// Owns SQL for the digests / digest_parts tables: the per-window claim with a lease, the frozen
// parts, per-part posting records and the final status. Does not build text or talk to Discord.
//
// Every state change is one conditional statement (INSERT ... ON CONFLICT DO NOTHING, or an UPDATE
// whose WHERE re-checks the lease), so two runs racing on real PostgreSQL or on the embedded
// backend (which serialises transactions) can never both hold a window. No advisory locks.

import type pg from 'pg';
import type { Queryable } from './pool.js';
import { withTransaction } from './pool.js';
import { WEEK_FINGERPRINT } from './launches.js';

export type DigestStatus = 'posting' | 'done' | 'empty';

export interface DigestRow {
  windowStart: Date;
  windowEnd: Date;
  isoWeek: string;
  status: DigestStatus;
  launchCount: number;
  claimedBy: string | null;
  leaseUntil: Date | null;
  createdAt: Date;
  finishedAt: Date | null;
  /** Number of frozen parts; 0 means nothing was built yet (or the week was empty). */
  partCount: number;
}

export interface DigestPartRow {
  partNo: number;
  content: string;
  nonce: string;
  messageId: string | null;
  postedAt: Date | null;
}

export interface WindowKey { start: Date; end: Date; isoWeek: string }

/**
 * `claimed`: this run now holds the lease (`fresh` when it created the row; otherwise it took over
 * a row whose lease was released or expired). `busy`: another run's lease is still live.
 * `done` / `empty`: the window is finished; nothing to do.
 */
export type ClaimResult =
  | { kind: 'claimed'; fresh: boolean; row: DigestRow }
  | { kind: 'busy'; row: DigestRow }
  | { kind: 'done'; row: DigestRow }
  | { kind: 'empty'; row: DigestRow };

const ROW = `d.window_start AS "windowStart", d.window_end AS "windowEnd", d.iso_week AS "isoWeek", d.status,
  d.launch_count AS "launchCount", d.claimed_by AS "claimedBy", d.lease_until AS "leaseUntil",
  d.created_at AS "createdAt", d.finished_at AS "finishedAt",
  (SELECT count(*)::int FROM digest_parts p WHERE p.window_start = d.window_start) AS "partCount"`;

export async function getDigest(db: Queryable, windowStart: Date): Promise<DigestRow | undefined> {
  const { rows } = await db.query<DigestRow>(`SELECT ${ROW} FROM digests d WHERE d.window_start = $1`, [windowStart]);
  return rows[0];
}

export interface DigestWindowSummary {
  isoWeek: string; windowStart: Date; windowEnd: Date; status: DigestStatus;
  launchCount: number; parts: number; posted: number; finishedAt: Date | null;
}

/** Every digests row, oldest first, with its part counts (one row a week: a small table). */
export async function listWindows(db: Queryable): Promise<DigestWindowSummary[]> {
  const { rows } = await db.query<DigestWindowSummary>(
    `SELECT d.iso_week AS "isoWeek", d.window_start AS "windowStart", d.window_end AS "windowEnd", d.status,
            d.launch_count AS "launchCount", d.finished_at AS "finishedAt",
            count(p.part_no)::int AS parts, count(p.message_id)::int AS posted
     FROM digests d LEFT JOIN digest_parts p ON p.window_start = d.window_start
     GROUP BY d.window_start ORDER BY d.window_start`);
  return rows;
}

/** Claims the window for `runId` for `leaseMs` (database clock), or says who has it / that it is finished. */
export async function claimWindow(db: Queryable, w: WindowKey, runId: string, leaseMs: number): Promise<ClaimResult> {
  const inserted = await db.query<{ windowStart: Date }>(
    `INSERT INTO digests (window_start, window_end, iso_week, status, claimed_by, lease_until)
     VALUES ($1, $2, $3, 'posting', $4, now() + make_interval(secs => $5::double precision / 1000))
     ON CONFLICT DO NOTHING RETURNING window_start AS "windowStart"`,
    [w.start, w.end, w.isoWeek, runId, leaseMs]);
  if (inserted.rows[0]) return { kind: 'claimed', fresh: true, row: (await getDigest(db, w.start))! };

  // Take over a claim whose owner released it or died (lease expired). The WHERE is re-checked on
  // the row's newest version, so of two runs racing here exactly one gets the row.
  const taken = await db.query(
    `UPDATE digests SET claimed_by = $2, lease_until = now() + make_interval(secs => $3::double precision / 1000)
     WHERE window_start = $1 AND status = 'posting' AND (lease_until IS NULL OR lease_until <= now())
     RETURNING window_start`,
    [w.start, runId, leaseMs]);
  const row = await getDigest(db, w.start);
  if (!row) throw new Error(`digest row for ${w.isoWeek} vanished while claiming`);
  if ((taken.rowCount ?? 0) > 0) return { kind: 'claimed', fresh: false, row };
  if (row.status === 'done') return { kind: 'done', row };
  if (row.status === 'empty') return { kind: 'empty', row };
  return { kind: 'busy', row };
}

/** Extends this run's lease; false when the lease was lost (expired and taken over, or released). */
export async function renewLease(db: Queryable, windowStart: Date, runId: string, leaseMs: number): Promise<boolean> {
  const r = await db.query(
    `UPDATE digests SET lease_until = now() + make_interval(secs => $3::double precision / 1000)
     WHERE window_start = $1 AND claimed_by = $2 AND status = 'posting' AND lease_until > now()`,
    [windowStart, runId, leaseMs]);
  return (r.rowCount ?? 0) > 0;
}

/** What a digest built from a partial read of its week lists: see freezeParts. */
export interface CarriedLaunches {
  /** readDigestLaunches' fingerprint of the window's launches when the parts were built. */
  readonly weekFingerprint: string;
  /** The launches from earlier weeks that the parts list. */
  readonly lateIds: readonly string[];
}

/** Thrown inside freezeParts' transaction to roll it back when the launches changed since they were read. */
class LaunchesTaken extends Error {}

/**
 * Freezes the built parts (so any later run posts the very same text) and the launch count, and
 * records what this digest carried (sql/0012), in one transaction, only while this run holds a
 * live lease and nothing was frozen before. With no parts the window is finished as 'empty'.
 *
 * `carried` says what the parts were built from: the ids of the launches they list (the window's
 * own and the late ones from earlier weeks), or, for a week read only as far as the parts reach
 * (src/db/launches.ts readDigestLaunches), the fingerprint of the window's launches and the late
 * ids. Under a SHARE ROW EXCLUSIVE lock on launches (writers wait the few milliseconds this
 * takes; readers do not), the freeze checks that the window's live launches are still those, then records the window's own launches by range (digests.carried_up_to_id = the highest
 * launch id, and the removed ones in digest_skipped) and marks only the late ones
 * (launches.digest_window_start), so a busy week rewrites no launch rows. Returns false when the
 * lease was lost, 'launches_taken' when a launch of the window was stored or restored since the
 * launches were read, or another digest carried one of the late ones (build again); nothing is
 * written in either case.
 */
export async function freezeParts(
  pool: pg.Pool, windowStart: Date, runId: string, launchCount: number, parts: readonly { content: string; nonce: string }[],
  carried: readonly string[] | CarriedLaunches = [],
): Promise<boolean | 'launches_taken'> {
  try {
    return await withTransaction(pool, async (tx) => {
      const empty = parts.length === 0;
      const r = await tx.query<{ windowEnd: Date }>(
        `UPDATE digests SET launch_count = $3,
           status = CASE WHEN $4::boolean THEN 'empty' ELSE status END,
           finished_at = CASE WHEN $4::boolean THEN now() ELSE finished_at END,
           claimed_by = CASE WHEN $4::boolean THEN NULL ELSE claimed_by END,
           lease_until = CASE WHEN $4::boolean THEN NULL ELSE lease_until END
         WHERE window_start = $1 AND claimed_by = $2 AND status = 'posting' AND lease_until > now()
           AND NOT EXISTS (SELECT 1 FROM digest_parts p WHERE p.window_start = $1)
         RETURNING window_end AS "windowEnd"`,
        [windowStart, runId, launchCount, empty]);
      if ((r.rowCount ?? 0) === 0) return false;
      const windowEnd = r.rows[0]!.windowEnd;
      // Waits for transactions writing launches to finish and keeps new ones out until commit, so
      // what is checked below stays true and every launch stored later gets a higher id. The mode
      // conflicts with itself: two freezes (catch-up, --week) take turns instead of deadlocking.
      await tx.query('LOCK TABLE launches IN SHARE ROW EXCLUSIVE MODE');
      const ids = '(SELECT unnest($2::bigint[]))';
      // The window's live launches must be exactly the ones the parts were built from: none
      // stored or restored since the read (one removed since stays listed, and carried).
      let late: readonly string[];
      let listed: readonly string[];
      if ('weekFingerprint' in carried) {
        const now = await tx.query<{ fingerprint: string }>(WEEK_FINGERPRINT, [windowStart, windowEnd]);
        if (now.rows[0]!.fingerprint !== carried.weekFingerprint) throw new LaunchesTaken();
        late = carried.lateIds;
        listed = [];
      } else {
        const checked = await tx.query<{ unlisted: number; late: string[] }>(
          `SELECT
             (SELECT count(*)::int FROM launches l
              WHERE l.deleted_at IS NULL AND l.created_at >= $1 AND l.created_at < $3
                AND (l.digest_window_start IS NULL OR l.digest_window_start = $1)
                AND l.id NOT IN ${ids}) AS unlisted,
             ARRAY(SELECT l.id::text FROM launches l WHERE l.id IN ${ids} AND l.created_at < $1) AS late`,
          [windowStart, carried, windowEnd]);
        if (checked.rows[0]!.unlisted > 0) throw new LaunchesTaken();
        late = checked.rows[0]!.late;
        listed = carried;
      }
      if (late.length > 0) {
        // Each must still be late: its own week's digest frozen without carrying it (stored after
        // that freeze, or removed then), and no other digest carrying it since.
        const carried = await tx.query(
          `UPDATE launches l SET digest_window_start = $1
           WHERE l.id = ANY($2::bigint[]) AND (l.digest_window_start IS NULL OR l.digest_window_start = $1)
             AND EXISTS (SELECT 1 FROM digests d
                         WHERE l.created_at >= d.window_start AND l.created_at < d.window_end AND d.window_start <> $1
                           AND (d.status <> 'posting' OR EXISTS (SELECT 1 FROM digest_parts p WHERE p.window_start = d.window_start))
                           AND (d.carried_up_to_id IS NULL OR l.id > d.carried_up_to_id OR l.digest_window_start = $1
                                OR EXISTS (SELECT 1 FROM digest_skipped s WHERE s.window_start = d.window_start AND s.launch_id = l.id)))`,
          [windowStart, late]);
        if ((carried.rowCount ?? 0) !== late.length) throw new LaunchesTaken();
      }
      // A week built again (its digests row deleted by hand) replaces what it skipped last time.
      await tx.query('DELETE FROM digest_skipped WHERE window_start = $1', [windowStart]);
      await tx.query(
        `WITH skipped AS (
           INSERT INTO digest_skipped (window_start, launch_id)
           SELECT $1, l.id FROM launches l
           WHERE l.deleted_at IS NOT NULL AND l.created_at >= $1 AND l.created_at < $3 AND l.digest_window_start IS NULL
             AND l.id NOT IN ${ids}
         )
         UPDATE digests SET carried_up_to_id = (SELECT coalesce(max(id), 0) FROM launches) WHERE window_start = $1`,
        [windowStart, listed, windowEnd]);
      if (parts.length > 0) {
        await tx.query(
          `INSERT INTO digest_parts (window_start, part_no, content, nonce)
           SELECT $1, n, c, nonce FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS p(c, nonce, n)`,
          [windowStart, parts.map((p) => p.content), parts.map((p) => p.nonce)]);
      }
      return true;
    });
  } catch (err) {
    if (err instanceof LaunchesTaken) return 'launches_taken';
    throw err;
  }
}

export async function listParts(db: Queryable, windowStart: Date): Promise<DigestPartRow[]> {
  const { rows } = await db.query<DigestPartRow>(
    `SELECT part_no AS "partNo", content, nonce, message_id::text AS "messageId", posted_at AS "postedAt"
     FROM digest_parts WHERE window_start = $1 ORDER BY part_no`, [windowStart]);
  return rows;
}

/** Every Discord message id recorded for any digest part (a message is adopted for one part only). */
export async function recordedMessageIds(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT message_id::text AS id FROM digest_parts WHERE message_id IS NOT NULL');
  return rows.map((r) => r.id);
}

/**
 * The last check before POSTing part `partNo`: 'ok' only if it has no message id yet and this run
 * still holds a live lease; 'posted' if it already has one; 'lease_lost' otherwise (do not post).
 */
export async function checkPart(db: Queryable, windowStart: Date, partNo: number, runId: string): Promise<'ok' | 'posted' | 'lease_lost'> {
  const { rows } = await db.query<{ posted: boolean; held: boolean }>(
    `SELECT p.message_id IS NOT NULL AS posted,
            (d.claimed_by = $3 AND d.status = 'posting' AND d.lease_until > now()) IS TRUE AS held
     FROM digest_parts p JOIN digests d ON d.window_start = p.window_start
     WHERE p.window_start = $1 AND p.part_no = $2`, [windowStart, partNo, runId]);
  const r = rows[0];
  if (!r) return 'lease_lost';
  if (r.posted) return 'posted';
  return r.held ? 'ok' : 'lease_lost';
}

/** Records the Discord message id of a posted part (first writer wins; false if it already had one). */
export async function recordPartPosted(db: Queryable, windowStart: Date, partNo: number, messageId: string): Promise<boolean> {
  const r = await db.query(
    `UPDATE digest_parts SET message_id = $3, posted_at = now()
     WHERE window_start = $1 AND part_no = $2 AND message_id IS NULL`, [windowStart, partNo, messageId]);
  return (r.rowCount ?? 0) > 0;
}

/** Marks the window done when every part has a message id; releases the lease. */
export async function finishDigest(db: Queryable, windowStart: Date, runId: string): Promise<boolean> {
  const r = await db.query(
    `UPDATE digests SET status = 'done', finished_at = now(), claimed_by = NULL, lease_until = NULL
     WHERE window_start = $1 AND claimed_by = $2 AND status = 'posting'
       AND EXISTS (SELECT 1 FROM digest_parts p WHERE p.window_start = $1)
       AND NOT EXISTS (SELECT 1 FROM digest_parts p WHERE p.window_start = $1 AND p.message_id IS NULL)`,
    [windowStart, runId]);
  return (r.rowCount ?? 0) > 0;
}

/** Gives the claim back after a failure so the next run resumes at once instead of waiting out the lease. */
export async function releaseClaim(db: Queryable, windowStart: Date, runId: string): Promise<boolean> {
  const r = await db.query(
    `UPDATE digests SET claimed_by = NULL, lease_until = NULL
     WHERE window_start = $1 AND claimed_by = $2 AND status = 'posting'`, [windowStart, runId]);
  return (r.rowCount ?? 0) > 0;
}
