// Owns running the fake Discord standalone (`npm run fake-discord -- --port N --interaction-url URL`):
// prints KEY=value lines for the other processes' environment, then serves until SIGINT/SIGTERM.
// Without --interaction-url, commands go where the web service listens by default (README "Try it").
import { parseArgs } from 'node:util';
import { createLogger } from '../log.js';
import { startFakeDiscord } from './index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' }, host: { type: 'string' }, 'interaction-url': { type: 'string' },
      'heartbeat-interval': { type: 'string' }, 'no-message-content': { type: 'boolean' }, verbose: { type: 'boolean' },
      'nonce-window': { type: 'string' }, 'identify-window': { type: 'string' }, 'global-rate-limit': { type: 'string' },
    },
    strict: true,
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${values.port}`);
  // Logs go to stderr so stdout carries only the KEY=value lines.
  const log = createLogger({ level: values.verbose ? 'debug' : 'notice', write: (line) => process.stderr.write(line + '\n') });
  const num = (name: 'heartbeat-interval' | 'nonce-window' | 'identify-window' | 'global-rate-limit'): number | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new Error(`--${name} must be a whole number, got ${v}`);
    return Number(v);
  };
  const fake = await startFakeDiscord({
    host: values.host ?? '127.0.0.1', port, interactionUrl: values['interaction-url'] ?? defaultInteractionUrl(process.env), log,
    heartbeatIntervalMs: num('heartbeat-interval'), nonceWindowMs: num('nonce-window'), identifyWindowMs: num('identify-window'),
    globalRateLimit: num('global-rate-limit'), messageContentIntentEnabled: !values['no-message-content'],
  });
  const lines = {
    DISCORD_API_BASE: fake.apiBase, DISCORD_GATEWAY_URL: fake.gatewayUrl, DISCORD_BOT_TOKEN: fake.botToken,
    DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_PUBLIC_KEY: fake.publicKeyHex, DISCORD_GUILD_ID: fake.guildId,
    SHIPPED_CHANNEL_ID: fake.channels.shipped, ANNOUNCEMENTS_CHANNEL_ID: fake.channels.announcements, GENERAL_CHANNEL_ID: fake.channels.general,
    FAKE_DISCORD_CONTROL_URL: fake.controlUrl,
  };
  process.stdout.write(Object.entries(lines).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  log.notice('fake_discord.listening', { api: fake.apiBase, control: fake.controlUrl, interaction_url: values['interaction-url'] ?? defaultInteractionUrl(process.env) });

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => { log.notice('fake_discord.stopping', { signal }); resolve(); };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await fake.close();
}

/**
 * The web service's interaction endpoint at its configured address: `POST /api/discord/interact` on
 * HOST:PORT, default 127.0.0.1:3000 (README.md, "Configuration" and "The interaction endpoint").
 */
function defaultInteractionUrl(env: NodeJS.ProcessEnv): string {
  const host = env.HOST || '127.0.0.1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.PORT || '3000'}/api/discord/interact`;
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`fake_discord.failed err=${JSON.stringify(String((err as Error)?.message ?? err))}\n`);
  process.exit(1);
});
