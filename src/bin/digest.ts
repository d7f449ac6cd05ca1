// `npm run digest` / shiptrack-digest.service (weekly timer): config → DB → build → post → exit.
// REST only (no gateway). The run itself is src/digest/main.ts; this file gives it the process.
// It exits by itself: the pool is ended and the REST client destroyed, so no handle is left open.

import { createLogger } from '../log.js';
import { digestMain } from '../digest/main.js';

/** After cleanup nothing should keep the process alive; if something does, do not hang the unit. */
const EXIT_GRACE_MS = 10_000;

const code = await digestMain(process.argv.slice(2));
// A failed, stopped or refused run exits at once, as before the run was a function.
if (code !== 0) process.exit(code);
// Exit by itself (proves nothing is left open); the unref'd guard only fires if something leaked.
setTimeout(() => {
  createLogger({}, { proc: 'digest' }).warn('digest.exit_forced', { msg: `handles still open ${EXIT_GRACE_MS} ms after finishing` });
  process.exit(process.exitCode ?? 0);
}, EXIT_GRACE_MS).unref();
