// `npm run worker` / shiptrack-worker.service: the gateway worker's process shell. Reads config,
// builds the worker (src/worker/app.ts) from it, turns SIGTERM/SIGINT into a stop, bounds every
// stop by a hard deadline, and exits with the stop's code. Everything else lives in the app.
//
// Exit codes: 0 after SIGTERM/SIGINT (gateway closed resumably, session saved, lock released);
// 1 when the lock connection is lost or start-up fails (systemd restarts us; the new process
// waits in standby if another worker took over); 78 bad configuration; 79 Discord closed the
// gateway with a fatal code (4004 bad token, 4010-4014): restarting cannot help; 80 another
// ShipTrack keeps taking over our gateway session (two installations on one bot token).
// Every exit is announced by `worker.stopping why=<reason>` (STOP_EXIT_CODES): lock loss and a failed
// start both exit 1 for systemd, and the log line tells them apart for the sysadmin.
import { hostname } from 'node:os';
import { fatal, openDatabase, startProcess } from './bootstrap.js';
import { systemClock } from '../clock.js';
import { RestClient } from '../discord/rest/client.js';
import { createNotifier, createWatchdogFeeder } from '../systemd/notify.js';
import { createWorker } from '../worker/app.js';

/** SIGTERM to exit: systemd's TimeoutStopSec is 10 s; we promise 5. */
const SHUTDOWN_DEADLINE_MS = 5000;

const rt = startProcess('worker');
const { config, log } = rt;
const clock = systemClock;
const notifier = createNotifier({ env: process.env, log });
const worker = createWorker({
  config, clock, log, instance: `${hostname()}:${process.pid}`,
  openPool: () => openDatabase(rt),
  rest: new RestClient({ baseUrl: config.discordApiBase, token: config.botToken, timeoutMs: config.restTimeoutMs, clock, log: log.child({ component: 'rest' }) }),
  notifier, watchdog: createWatchdogFeeder(notifier, clock),
});

void worker.stopping.then(({ why, exitCode }) => {
  const hard = setTimeout(() => { log.warn('worker.shutdown_forced', { after_ms: SHUTDOWN_DEADLINE_MS, why }); process.exit(exitCode); }, SHUTDOWN_DEADLINE_MS);
  hard.unref();
});
void worker.stopped.then(({ why, exitCode }) => {
  log.notice('worker.exit', { code: exitCode, why });
  process.exit(exitCode);
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => { void worker.stop(sig); });
}
// start() handles its own failures (why=start_failed); a rejection here is a bug in it.
worker.start().catch((err: unknown) => fatal(log, err));
