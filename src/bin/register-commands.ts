// `npm run register-commands`: one PUT of ShipTrack's full command set, to DISCORD_GUILD_ID when
// set (instant, for development) or globally. A bulk overwrite, so running it again is harmless.
import { fatal, startProcess } from './bootstrap.js';
import { RestClient } from '../discord/rest/client.js';
import { putCommands } from '../discord/rest/api.js';
import { commandDefinitions } from '../commands/definitions.js';

const { config, log } = startProcess('register-commands');
const rest = new RestClient({ baseUrl: config.discordApiBase, token: config.botToken, timeoutMs: config.restTimeoutMs, log });
try {
  const commands = commandDefinitions();
  const result = await putCommands(rest, config.applicationId, config.guildId, commands);
  log.notice('commands.registered', {
    scope: config.guildId ? `guild ${config.guildId}` : 'global',
    commands: commands.map((c) => c.name).join(','),
    returned: Array.isArray(result) ? result.length : undefined,
  });
  rest.destroy();
} catch (err) {
  rest.destroy();
  fatal(log, err);
}
