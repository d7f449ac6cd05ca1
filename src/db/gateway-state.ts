// Owns SQL for the worker's durable state: the gateway session (so a restart RESUMEs), the
// per-channel backfill cursor, and the status row the sysadmin's `shiptrack status` reads.

import type { StoredSession } from '../discord/gateway/session.js';
import type { Queryable } from './pool.js';

export type { StoredSession };

export async function loadSession(db: Queryable, shardId = 0): Promise<StoredSession | undefined> {
  const { rows } = await db.query<{ session_id: string | null; seq: string | null; resume_url: string | null }>(
    'SELECT session_id, seq::text, resume_url FROM gateway_sessions WHERE shard_id = $1', [shardId]);
  const r = rows[0];
  if (!r?.session_id || r.seq === null || !r.resume_url) return undefined;
  return { sessionId: r.session_id, seq: Number(r.seq), resumeUrl: r.resume_url };
}

export async function saveSession(db: Queryable, s: StoredSession | undefined, shardId = 0): Promise<void> {
  await db.query(
    `INSERT INTO gateway_sessions (shard_id, session_id, seq, resume_url, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (shard_id) DO UPDATE SET session_id = $2, seq = $3, resume_url = $4, updated_at = now()`,
    [shardId, s?.sessionId ?? null, s?.seq ?? null, s?.resumeUrl ?? null]);
}

export async function getCursor(db: Queryable, channelId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>('SELECT last_message_id::text AS id FROM channel_cursors WHERE channel_id = $1', [channelId]);
  return rows[0]?.id;
}

/** Moves the cursor forward only; an older id (out-of-order processing) never moves it back. */
export async function advanceCursor(db: Queryable, channelId: string, messageId: string): Promise<void> {
  await db.query(
    `INSERT INTO channel_cursors (channel_id, last_message_id, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (channel_id) DO UPDATE SET last_message_id = GREATEST(channel_cursors.last_message_id, EXCLUDED.last_message_id), updated_at = now()`,
    [channelId, messageId]);
}

export interface WorkerStatus {
  instance: string;
  state: string;
  detail?: string | null;
  lastEventAt?: Date | null;
  lastAckLatencyMs?: number | null;
  lastAckAt?: Date | null;
  /** Events received and not yet handled (sql/0005); with the arrival of the oldest of them (null: none waiting). */
  ingestQueueDepth?: number | null;
  ingestOldestPendingAt?: Date | null;
  ingestLastHandledAt?: Date | null;
  /** Without a gateway connection since (sql/0007; null while connected), and connection attempts made since. */
  gatewayDownSince?: Date | null;
  gatewayAttempts?: number | null;
  /**
   * What makes the configured channel unusable (sql/0008): null when the worker found it usable;
   * undefined (not checked yet, e.g. before the first GUILD_CREATE) keeps what the row holds.
   */
  channelProblem?: string | null;
}

export async function writeWorkerStatus(db: Queryable, s: WorkerStatus, shardId = 0): Promise<void> {
  await db.query(
    `INSERT INTO worker_status (shard_id, instance, state, detail, last_event_at, last_ack_latency_ms, last_ack_at,
                                ingest_queue_depth, ingest_oldest_pending_at, ingest_last_handled_at, gateway_down_since, gateway_attempts, channel_problem, started_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now(), now())
     ON CONFLICT (shard_id) DO UPDATE SET
       started_at = CASE WHEN worker_status.instance = EXCLUDED.instance THEN worker_status.started_at ELSE now() END,
       instance = $2, state = $3, detail = $4,
       last_event_at = COALESCE($5, worker_status.last_event_at),
       last_ack_latency_ms = COALESCE($6, worker_status.last_ack_latency_ms),
       last_ack_at = COALESCE($7, worker_status.last_ack_at),
       ingest_queue_depth = $8, ingest_oldest_pending_at = $9,
       ingest_last_handled_at = COALESCE($10, worker_status.ingest_last_handled_at),
       gateway_down_since = $11, gateway_attempts = $12,
       channel_problem = CASE WHEN $14::boolean THEN $13 ELSE worker_status.channel_problem END, updated_at = now()`,
    [shardId, s.instance, s.state, s.detail ?? null, s.lastEventAt ?? null, s.lastAckLatencyMs ?? null, s.lastAckAt ?? null,
      s.ingestQueueDepth ?? null, s.ingestOldestPendingAt ?? null, s.ingestLastHandledAt ?? null, s.gatewayDownSince ?? null, s.gatewayAttempts ?? null,
      s.channelProblem ?? null, s.channelProblem !== undefined]);
}

export interface WorkerStatusRow extends WorkerStatus { startedAt: Date; updatedAt: Date }

export async function readWorkerStatus(db: Queryable, shardId = 0): Promise<WorkerStatusRow | undefined> {
  const { rows } = await db.query<WorkerStatusRow>(
    `SELECT instance, state, detail, last_event_at AS "lastEventAt", last_ack_latency_ms AS "lastAckLatencyMs",
            last_ack_at AS "lastAckAt", ingest_queue_depth AS "ingestQueueDepth", ingest_oldest_pending_at AS "ingestOldestPendingAt",
            ingest_last_handled_at AS "ingestLastHandledAt", gateway_down_since AS "gatewayDownSince",
            gateway_attempts AS "gatewayAttempts", channel_problem AS "channelProblem", started_at AS "startedAt", updated_at AS "updatedAt"
     FROM worker_status WHERE shard_id = $1`, [shardId]);
  return rows[0];
}
