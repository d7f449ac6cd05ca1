// A raw gateway client for testing the fake Discord itself: queues every frame so a test can
// await them in order and assert them exactly. Not a test file.
import { once } from 'node:events';
import WebSocket from 'ws';

export interface Frame { op: number; d: any; s: number | null; t: string | null }

/** A raw gateway client that queues frames so tests can await them in order. */
export class RawClient {
  private readonly queue: Frame[] = [];
  private readonly waiters: ((f: Frame) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as Frame;
      const w = this.waiters.shift();
      if (w) w(f); else this.queue.push(f);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    ws.on('error', () => {});
  }
  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    const c = new RawClient(ws);
    await once(ws, 'open');
    return c;
  }
  next(): Promise<Frame> {
    const f = this.queue.shift();
    if (f) return Promise.resolve(f);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame within 2 s')), 2000);
      this.waiters.push((x) => { clearTimeout(timer); resolve(x); });
    });
  }
  pending(): number { return this.queue.length; }
  send(o: unknown): void { this.ws.send(typeof o === 'string' ? o : JSON.stringify(o)); }
}

