// Owns one headless Chromium for a test: launches the distribution's `chromium`, drives one page
// over the Chrome DevTools Protocol on a `ws` socket, and always kills it. Not a general browser
// library: only what the site's browser test needs (load, console errors, viewport, colour
// scheme, evaluate, screenshot).
// Protocol reference: https://chromedevtools.github.io/devtools-protocol/ (domains Target, Page,
// Runtime, Log, Emulation; "flatten" sessions: Target.attachToTarget).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

/** The Debian package's launcher (`apt-get install chromium`); CHROMIUM_BIN overrides it. */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const chromiumInstalled = (): boolean => existsSync(CHROMIUM_BIN);

/** Every command and awaited event gives up after this long, so a wedged browser fails the test instead of hanging it. */
const STEP_MS = 15_000;

interface Pending { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }
type Listener = (params: Record<string, unknown>) => void;

export interface Chromium {
  /** Console errors, uncaught exceptions and error log entries (CSP violations, failed loads) since the last navigate(). */
  readonly errors: string[];
  /** Loads `url` and resolves at its load event (Page.loadEventFired); rejects on a network error. */
  navigate(url: string): Promise<void>;
  /** Emulation.setDeviceMetricsOverride: a `width` × `height` CSS-pixel viewport, as a phone when `mobile`. */
  viewport(width: number, height: number, mobile: boolean): Promise<void>;
  /** Emulation.setEmulatedMedia: `prefers-color-scheme` as given ('' restores the default, light). */
  colorScheme(value: 'light' | 'dark' | ''): Promise<void>;
  /** Runtime.evaluate of an expression in the page; its value, returned by value (JSON). */
  evaluate<T>(expression: string): Promise<T>;
  /** Page.captureScreenshot of the whole page (at most `max` CSS pixels each way) into a PNG file. */
  screenshot(file: string, max?: number): Promise<void>;
  /** Closes the browser, kills its process group and removes its profile directory. Never rejects. */
  close(): Promise<void>;
}

/** Starts headless Chromium with a throwaway profile and one blank page attached. */
export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'shiptrack-chromium-'));
  // --remote-debugging-port=0 picks a free port and prints "DevTools listening on ws://…" on
  // stderr. The --disable-* flags keep the browser off the network (component updates, sync,
  // background requests): no test touches the internet.
  const proc = spawn(CHROMIUM_BIN, [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--remote-debugging-port=0', `--user-data-dir=${profile}`,
    '--no-first-run', '--no-default-browser-check', '--disable-extensions', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-default-apps', '--hide-scrollbars', '--mute-audio',
    'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true }); // own process group: close() kills renderers too
  const killGroup = () => { try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* already gone */ } };
  // Backstop for a test process that exits without close(): no orphaned browser.
  process.on('exit', killGroup);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  let stderr = '';
  let socket: WebSocket | undefined;
  const cleanUp = async (graceful: boolean) => {
    process.off('exit', killGroup);
    if (graceful) await Promise.race([exited, delay(2000)]); // after Browser.close: let it exit on its own
    socket?.terminate();
    killGroup();
    await Promise.race([exited, delay(5000)]);
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const wsUrl = await withTimeout(new Promise<string>((resolve, reject) => {
      proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr = (stderr + d).slice(-16_384); // enough for the start-up lines and a crash report
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`chromium exited ${code} before listening:\n${stderr.slice(-2000)}`)));
    }), 'chromium start-up');
    socket = new WebSocket(wsUrl, { perMessageDeflate: false });
    await withTimeout(new Promise((resolve, reject) => { socket!.once('open', resolve); socket!.once('error', reject); }), 'DevTools socket');
    return await attach(socket, cleanUp);
  } catch (err) {
    await cleanUp(false);
    throw err;
  }
}

/** Opens a page target on the browser socket and drives it through a flattened session. */
async function attach(socket: WebSocket, cleanUp: (graceful: boolean) => Promise<void>): Promise<Chromium> {
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<Listener>>();
  socket.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown; error?: { message: string } };
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(`CDP: ${msg.error.message}`)); else p.resolve(msg.result);
    } else if (msg.method) {
      for (const fn of listeners.get(msg.method) ?? []) fn(msg.params ?? {});
    }
  });
  socket.on('error', () => { /* 'close' follows and fails what is pending */ });
  socket.on('close', () => {
    for (const p of pending.values()) { clearTimeout(p.timer); p.reject(new Error('CDP: browser connection closed')); }
    pending.clear();
  });

  let sessionId: string | undefined;
  // A command on the browser target, or on the page's session once attached (flatten mode puts
  // the sessionId beside the id instead of wrapping messages in Target.sendMessageToTarget).
  const send = <T = Record<string, unknown>>(method: string, params: object = {}): Promise<T> => new Promise((resolve, reject) => {
    if (socket.readyState !== WebSocket.OPEN) { reject(new Error(`CDP: ${method} after the browser connection closed`)); return; }
    const id = nextId++;
    const timer = setTimeout(() => { pending.delete(id); reject(new Error(`CDP: ${method} got no answer in ${STEP_MS} ms`)); }, STEP_MS);
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
    socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
  });
  const on = (method: string, fn: Listener) => {
    let set = listeners.get(method);
    if (!set) listeners.set(method, set = new Set());
    set.add(fn);
    return () => set.delete(fn);
  };

  const { targetId } = await send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
  sessionId = (await send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true })).sessionId;
  await Promise.all([send('Page.enable'), send('Runtime.enable'), send('Log.enable')]);

  const errors: string[] = [];
  on('Runtime.consoleAPICalled', (p) => {
    if (p.type !== 'error') return;
    const args = (p.args as { value?: unknown; description?: string }[] | undefined) ?? [];
    errors.push(`console.error: ${args.map((a) => a.description ?? String(a.value)).join(' ')}`);
  });
  on('Runtime.exceptionThrown', (p) => {
    const d = p.exceptionDetails as { text: string; exception?: { description?: string } };
    errors.push(`exception: ${d.exception?.description ?? d.text}`);
  });
  on('Log.entryAdded', (p) => {
    const e = p.entry as { level: string; source: string; text: string; url?: string };
    if (e.level === 'error') errors.push(`${e.source}: ${e.text}${e.url ? ` (${e.url})` : ''}`);
  });

  return {
    errors,
    async navigate(url) {
      errors.length = 0;
      let off = () => {};
      const loaded = withTimeout(new Promise<void>((r) => { off = on('Page.loadEventFired', () => r()); }), `load of ${url}`);
      try {
        const nav = await send<{ errorText?: string }>('Page.navigate', { url });
        if (nav.errorText) throw new Error(`navigating to ${url}: ${nav.errorText}`);
        await loaded;
      } finally {
        off();
        loaded.catch(() => { /* reported above when it mattered */ });
      }
    },
    async viewport(width, height, mobile) {
      await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile });
    },
    async colorScheme(value) {
      await send('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value }] });
    },
    async evaluate<T>(expression: string) {
      const r = await send<{ result: { value?: unknown }; exceptionDetails?: { text: string; exception?: { description?: string } } }>(
        'Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
      if (r.exceptionDetails) throw new Error(`evaluate(${expression}): ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result.value as T;
    },
    async screenshot(file, max = 4000) {
      const { cssContentSize: size } = await send<{ cssContentSize: { width: number; height: number } }>('Page.getLayoutMetrics');
      const clip = { x: 0, y: 0, width: Math.min(max, Math.ceil(size.width)), height: Math.min(max, Math.ceil(size.height)), scale: 1 };
      const { data } = await send<{ data: string }>('Page.captureScreenshot', { format: 'png', clip, captureBeyondViewport: true });
      writeFileSync(file, Buffer.from(data, 'base64'));
    },
    async close() {
      sessionId = undefined;
      // Browser.close lets Chromium shut down cleanly; whatever happens, the group is killed after.
      const asked = await send('Browser.close').then(() => true, () => false);
      await cleanUp(asked);
    },
  };
}

function withTimeout<T>(p: Promise<T>, what: string, ms = STEP_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
