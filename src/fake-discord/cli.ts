// Owns running the fake Discord standalone (`npm run fake-discord -- --port N --interaction-url URL`):
// prints KEY=value lines for the other processes' environment, then serves until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { createLogger } from '../log.js';
import { startFakeDiscord } from './index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' }, host: { type: 'string' }, 'interaction-url': { type: 'string' },
      'heartbeat-interval': { type: 'string' }, 'no-message-content': { type: 'boolean' }, verbose: { type: 'boolean' },
    },
    strict: true,
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${values.port}`);
  // Logs go to stderr so stdout carries only the KEY=value lines.
  const log = createLogger({ level: values.verbose ? 'debug' : 'notice', write: (line) => process.stderr.write(line + '\n') });
  const fake = await startFakeDiscord({
    host: values.host ?? '127.0.0.1', port, interactionUrl: values['interaction-url'], log,
    heartbeatIntervalMs: values['heartbeat-interval'] ? Number(values['heartbeat-interval']) : undefined,
    messageContentIntentEnabled: !values['no-message-content'],
  });
  const lines = {
    DISCORD_API_BASE: fake.apiBase, DISCORD_GATEWAY_URL: fake.gatewayUrl, DISCORD_BOT_TOKEN: fake.botToken,
    DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_PUBLIC_KEY: fake.publicKeyHex, DISCORD_GUILD_ID: fake.guildId,
    SHIPPED_CHANNEL_ID: fake.channels.shipped, ANNOUNCEMENTS_CHANNEL_ID: fake.channels.announcements, GENERAL_CHANNEL_ID: fake.channels.general,
    FAKE_DISCORD_CONTROL_URL: fake.controlUrl,
  };
  process.stdout.write(Object.entries(lines).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  log.notice('fake_discord.listening', { api: fake.apiBase, control: fake.controlUrl });

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => { log.notice('fake_discord.stopping', { signal }); resolve(); };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await fake.close();
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`fake_discord.failed err=${JSON.stringify(String((err as Error)?.message ?? err))}\n`);
  process.exit(1);
});
