// Regression (the bad-input storm's "oversized" case once saw a closed connection instead of 413):
// the interactions server answered 413 to an over-large Content-Length and then closed the socket
// as soon as the answer was written, while the client was still sending its body. The kernel
// answers data arriving on a closed socket with RST, so a client that writes its whole body before
// reading (curl, most HTTP libraries) got EPIPE/ECONNRESET and never saw the 413. The server must
// answer, close its side (FIN), and keep reading and discarding until the client is done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Queryable } from '../../src/db/pool.js';
import { destroyAgent, startWeb } from '../integration/web-harness.js';

/** The server never reaches the database here: every request is refused before the router. */
const noDatabase = { query: async () => { throw new Error('no database in this test'); } } as unknown as Queryable;

const BODY_BYTES = 4 * 1024 * 1024; // far more than the socket buffers on both sides hold

/** Sends headers and the whole body, waits until every byte was handed to the kernel, then reads. */
function writeAllThenRead(port: number, path: string): Promise<{ text: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let error: string | undefined;
    socket.on('error', (err: NodeJS.ErrnoException) => { error = err.code ?? err.message; });
    socket.on('close', () => resolve({ text, ...(error ? { error } : {}) }));
    socket.on('connect', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BODY_BYTES}\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < BODY_BYTES) {
          sent += chunk.length;
          const last = sent >= BODY_BYTES;
          const more = socket.write(chunk, last ? () => socket.on('data', (d: Buffer) => { text += d.toString('latin1'); }) : undefined);
          if (!more && !last) { socket.once('drain', pump); return; }
        }
      };
      pump();
    });
  });
}

test('a client that sends an oversized body in full before reading still reads its 413', { timeout: 60_000 }, async (t) => {
  const web = await startWeb({ db: noDatabase });
  t.after(async () => { await web.close(); destroyAgent(); });
  const port = Number(new URL(web.base).port);
  for (let i = 0; i < 5; i++) {
    const r = await writeAllThenRead(port, '/api/discord/interact');
    assert.equal(r.error, undefined, `round ${i}: the connection was reset (${r.error}) before the answer could be read`);
    assert.match(r.text, /^HTTP\/1\.1 413 Payload Too Large\r\n/, `round ${i}`);
    assert.match(r.text, /\r\nConnection: close\r\n/i);
    assert.ok(r.text.endsWith('\r\n\r\nContent-Length 4194304 is over 131072'), JSON.stringify(r.text.slice(-80)));
  }
});
