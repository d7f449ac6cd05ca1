// Owns the embedded Postgres used by tests and the demo: PGlite (WASM Postgres) served over the
// Postgres wire protocol on 127.0.0.1, so the application always talks through `pg`.
// Limits: one backend multiplexed across connections, so session state (advisory locks, SET,
// LISTEN) is shared between "connections". Tests that need real sessions run on real Postgres.

import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { AddressInfo } from 'node:net';

export interface EmbeddedPostgres {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts PGlite (in memory, or persisted under `dataDir`) on 127.0.0.1 and a free port. */
export async function startEmbeddedPostgres(options: { dataDir?: string; port?: number; maxConnections?: number } = {}): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: options.port ?? 0, maxConnections: options.maxConnections ?? 32 });
  await server.start();
  const addr = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${addr.port}/postgres`,
    port: addr.port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}
