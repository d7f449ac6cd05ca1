// A small TCP proxy on 127.0.0.1 for fault tests: put it between a process and its database (or
// any TCP server) and make the target "unreachable" on demand — cut() resets every connection and
// refuses new ones (a Postgres restart, a dropped link), restore() lets traffic through again.
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** `url` with its host:port replaced by the proxy's (e.g. a postgres:// URL). */
  rewrite(url: string): string;
  /** Live proxied connections. */
  readonly connections: number;
  /** Total connections accepted while passing (reconnects show up here). */
  readonly accepted: number;
  /** Destroys every open connection and resets new ones until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let passing = true;
  let accepted = 0;
  const server = net.createServer((client) => {
    if (!passing) { client.resetAndDestroy(); return; }
    accepted++;
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => { pairs.delete(pair); client.destroy(); upstream.destroy(); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as net.AddressInfo).port;
  const endAll = (how: 'reset' | 'close') => {
    for (const p of [...pairs]) {
      for (const s of [p.client, p.upstream]) {
        if (s.destroyed) continue;
        // close() is teardown, not a fault: a plain destroy(). Resetting every socket of several
        // proxies at once left Node 20 spinning at exit (in Environment::CleanupHandles).
        if (how === 'reset') s.resetAndDestroy(); else s.destroy();
      }
    }
    pairs.clear();
  };
  return {
    port,
    rewrite(url) { const u = new URL(url); u.hostname = '127.0.0.1'; u.port = String(port); return u.toString(); },
    get connections() { return pairs.size; },
    get accepted() { return accepted; },
    cut() { passing = false; endAll('reset'); },
    restore() { passing = true; },
    close: () => new Promise<void>((resolve) => { endAll('close'); server.close(() => resolve()); }),
  };
}
