// Owns the embedded Postgres used by tests and the demo: PGlite (WASM Postgres) served over the
// Postgres wire protocol on 127.0.0.1, so the application always talks through `pg`.
// Limits: one backend multiplexed across connections, so session state (advisory locks, SET,
// LISTEN) is shared between "connections". Tests that need real sessions run on real Postgres.

import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';

/**
 * Compile PGlite's WebAssembly with V8's baseline compiler only. By default V8 also recompiles
 * the ~9 MB module with its optimising compiler on background threads, which for the seconds a
 * test or the demo runs costs more CPU than it saves: measured on a 2-core machine, start-up plus
 * 2000 queries took 4.6 s of CPU (3.0 s wall) by default and 2.6 s (1.9 s wall) baseline-only.
 * The flag only affects WebAssembly compiled after it is set, i.e. this process's PGlite
 * (https://nodejs.org/docs/latest-v20.x/api/v8.html#v8setflagsfromstringflags).
 */
let wasmFlagsSet = false;
function baselineWasmOnly(): void {
  if (wasmFlagsSet) return;
  wasmFlagsSet = true;
  setFlagsFromString('--liftoff-only');
}

export interface EmbeddedPostgres {
  readonly url: string;
  readonly port: number;
  /** The whole data directory as an uncompressed tarball, to start copies from (`loadDataDir`). */
  dump(): Promise<Blob>;
  /** Stops serving and hands back the database itself, open, to be served again (`serveEmbeddedPostgres`). */
  detach(): Promise<PGlite>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Persist under this directory (the demo); in memory when absent. */
  dataDir?: string;
  /** Start from a copy of another instance's `dump()` (tests: a migrated template, about 3x faster than a fresh one). */
  loadDataDir?: Blob;
  port?: number;
  maxConnections?: number;
}

/** Starts PGlite and serves it on 127.0.0.1 and a free port. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  baselineWasmOnly();
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  return serveEmbeddedPostgres(db, options);
}

/** Serves an open PGlite database over the wire protocol on 127.0.0.1. */
export async function serveEmbeddedPostgres(db: PGlite, options: { port?: number; maxConnections?: number } = {}): Promise<EmbeddedPostgres> {
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: options.port ?? 0, maxConnections: options.maxConnections ?? 32 });
  await server.start();
  const addr = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${addr.port}/postgres`,
    port: addr.port,
    dump: () => db.dumpDataDir('none'),
    async detach() {
      stopped = true;
      await server.stop();
      return db;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}
