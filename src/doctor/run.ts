// Owns running every `shiptrack doctor` check in one fixed order: the database, Discord, the web
// service and the timer are independent and run in parallel; within Discord a check that needs an
// earlier one is skipped when that one fails. Each network call is bounded by `timeoutMs`.
import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';
import type { RestClient } from '../discord/rest/client.js';
import { checkDatabaseSchema } from './database.js';
import { discordChecks } from './discord.js';
import { checkWeb } from './web.js';
import { checkTimer } from './timer.js';
import type { CheckResult } from './check.js';

export interface DoctorOptions {
  config: Config;
  db: Queryable;
  /** Where the database is, without its password (describeDatabase). */
  dbWhere: string;
  rest: RestClient;
  timeoutMs: number;
  systemdRunDir: string;
  systemctl: string;
}

export async function runDoctor(o: DoctorOptions): Promise<CheckResult[]> {
  const c = o.config;
  const [database, discord, web, timer] = await Promise.all([
    checkDatabaseSchema(o.db, o.dbWhere),
    discordChecks({ rest: o.rest, applicationId: c.applicationId, publicKey: c.publicKey, guildId: c.guildId,
      shippedChannelId: c.shippedChannelId, announcementsChannelId: c.announcementsChannelId, timeoutMs: o.timeoutMs }),
    checkWeb(c.host, c.port, o.timeoutMs),
    checkTimer({ systemdRunDir: o.systemdRunDir, systemctl: o.systemctl, timeoutMs: o.timeoutMs }),
  ]);
  return [database, ...discord, web, timer];
}
