// One pool of embedded PostgreSQL (PGlite) instances for a whole `npm test` run on the embedded
// backend. Starting a PGlite from the migrated template costs about 1.5 s of CPU here, and every
// test file that touches a database used to start its own: about 45 starts a run. This process
// keeps them instead: each instance runs in a worker thread of its own (so queries of different
// test files run in parallel, as they did in separate processes), is served over the wire protocol
// on 127.0.0.1, and once a fixture is done it is emptied (resetForReuse in db.ts) and handed to the
// next fixture of any file. An unmigrated ("empty") instance, or one whose tables changed, is
// never reused.
//
// `node <compiled tree>/test/helpers/pglite-pool.js TEMPLATES_DIR`: test/compiled-tree.mjs starts it
// once the tree and the templates exist and puts its address in SHIPTRACK_TEST_PGLITE_POOL; it
// prints `listening <port>`. HTTP, one request per fixture: POST /take?kind=migrated|empty →
// {"id","url"}; POST /release?id=N → 204. It starts a few migrated instances before anyone asks.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres.js';

type Kind = 'migrated' | 'empty';
interface ThreadData { template: string }

interface Instance { id: number; kind: Kind; url: string; thread: Worker }

/** Idle migrated instances kept beyond this many are stopped (each holds ~100 MB). */
const MAX_IDLE = 8;
/** Migrated instances started before the first fixture asks. */
const WARM = 4;

async function serve(templates: string): Promise<void> {
  const { resetForReuse } = await import('./db.js');
  const idle: Promise<Instance | undefined>[] = [];
  const taken = new Map<number, Instance>();
  let nextId = 1;

  const start = (kind: Kind): Promise<Instance> => new Promise((resolve, reject) => {
    const thread = new Worker(new URL(import.meta.url), { workerData: { template: join(templates, `${kind}.tar`) } satisfies ThreadData });
    thread.once('message', (m: { url: string }) => resolve({ id: nextId++, kind, url: m.url, thread }));
    thread.once('error', reject);
  });
  const stop = (i: Instance) => { i.thread.postMessage('stop'); };
  for (let n = 0; n < WARM; n++) idle.push(start('migrated').catch(() => undefined));

  const take = async (kind: Kind): Promise<Instance> => {
    while (kind === 'migrated' && idle.length) {
      const ready = await idle.shift()!;
      if (ready) return ready;
    }
    return start(kind);
  };
  const release = async (i: Instance) => {
    if (i.kind === 'migrated' && idle.length < MAX_IDLE && await resetForReuse(i.url)) idle.push(Promise.resolve(i));
    else stop(i);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://pool');
    const answer = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/take') {
      const kind: Kind = url.searchParams.get('kind') === 'empty' ? 'empty' : 'migrated';
      take(kind).then((i) => { taken.set(i.id, i); answer(200, { id: i.id, url: i.url }); }, (err: Error) => answer(500, { error: err.message }));
    } else if (req.method === 'POST' && url.pathname === '/release') {
      const i = taken.get(Number(url.searchParams.get('id')));
      if (!i) return answer(404);
      taken.delete(i.id);
      // Answer once it is parked or stopping: the next fixture may ask for it right away.
      release(i).then(() => answer(204), () => answer(204));
    } else {
      answer(404);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  // The run ends by closing our stdin (or killing us): every thread ends with the process.
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

if (!isMainThread) {
  // One instance per thread, from the template's data directory; stopped on 'stop'.
  const { template } = workerData as ThreadData;
  const instance = await startEmbeddedPostgres({ loadDataDir: new Blob([readFileSync(template)]) });
  parentPort!.postMessage({ url: instance.url });
  parentPort!.on('message', (m) => {
    if (m === 'stop') void instance.stop().finally(() => parentPort!.close());
  });
} else if (process.argv[2]) {
  await serve(process.argv[2]);
}
