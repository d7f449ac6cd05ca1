// Owns the shapes of READY and GUILD_CREATE as the fake sends them (typed by discord-api-types).
// Does not decide when they are sent; gateway-server.ts does.
import type { GatewayGuildCreateDispatchData, GatewayReadyDispatchData } from 'discord-api-types/v10';
import type { World } from './world.js';
import { apiGuild } from './guild-payload.js';

export function readyPayload(w: World, s: { id: string; shard?: [number, number] }, resumeUrl: string): GatewayReadyDispatchData & Record<string, unknown> {
  const bot = w.users.get(w.botUserId)!;
  // The same flags GET /applications/@me reports (World.applicationFlags).
  const flags = w.applicationFlags;
  const d: GatewayReadyDispatchData & Record<string, unknown> = {
    v: 10,
    user: { ...w.apiUser(bot), verified: true, mfa_enabled: false, email: null },
    guilds: [{ id: w.guildId, unavailable: true }],
    session_id: s.id,
    resume_gateway_url: resumeUrl,
    application: { id: w.applicationId, flags, flags_new: String(flags) },
    session_type: 'normal', user_settings: {}, private_channels: [], relationships: [], presences: [],
    guild_join_requests: [], geo_ordered_rtc_regions: ['fake'], auth: {}, _trace: ['["fake-discord",{}]'],
  };
  if (s.shard) d.shard = s.shard;
  return d;
}

export function guildCreatePayload(w: World): GatewayGuildCreateDispatchData {
  const members = [...w.users.values()].map((u) => w.member(u));
  return {
    ...apiGuild(w),
    joined_at: new Date(w.clock.now()).toISOString(), large: false, unavailable: false, member_count: members.length,
    voice_states: [], members, channels: [...w.channels.values()], threads: [], presences: [], stage_instances: [], guild_scheduled_events: [], soundboard_sounds: [],
  };
}
