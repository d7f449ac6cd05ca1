// A TCP proxy in front of PostgreSQL that can stop forwarding without closing anything: the
// "connection that stops answering" of the worker-stall test and the faults run.
import net from 'node:net';

export interface StallProxy { url: string; stall(): void; resume(): void; close(): Promise<void> }

/** A TCP proxy that can stop forwarding without closing anything: bytes are held, not dropped, until resume(). */
export async function startStallProxy(targetUrl: string): Promise<StallProxy> {
  const target = new URL(targetUrl);
  let stalled = false;
  const held: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  const forward = (from: net.Socket, to: net.Socket) => from.on('data', (chunk) => {
    const send = () => { if (!to.destroyed) to.write(chunk); };
    if (stalled) held.push(send); else send();
  });
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const sock of [client, upstream]) {
      sockets.add(sock);
      sock.on('error', () => {}).on('close', () => { sockets.delete(sock); client.destroy(); upstream.destroy(); });
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const u = new URL(targetUrl);
  u.hostname = '127.0.0.1';
  u.port = String((server.address() as net.AddressInfo).port);
  return {
    url: u.toString(),
    stall: () => { stalled = true; },
    resume: () => { stalled = false; for (const send of held.splice(0)) send(); },
    close: () => new Promise<void>((resolve) => { for (const sock of sockets) sock.destroy(); server.close(() => resolve()); }),
  };
}

