// Owns the shapes of READY and GUILD_CREATE as the fake sends them (typed by discord-api-types).
// Does not decide when they are sent; gateway-server.ts does.
import {
  ApplicationFlags, GuildDefaultMessageNotifications, GuildExplicitContentFilter, GuildHubType, GuildMFALevel, GuildNSFWLevel,
  GuildPremiumTier, GuildSystemChannelFlags, GuildVerificationLevel, Locale,
  type GatewayGuildCreateDispatchData, type GatewayReadyDispatchData, type RoleFlags,
} from 'discord-api-types/v10';
import type { World } from './world.js';

export function readyPayload(w: World, s: { id: string; shard?: [number, number] }, resumeUrl: string, contentIntent: boolean): GatewayReadyDispatchData & Record<string, unknown> {
  const bot = w.users.get(w.botUserId)!;
  const flags = contentIntent ? ApplicationFlags.GatewayMessageContent : ApplicationFlags.GatewayMessageContentLimited;
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
    id: w.guildId, name: 'ShipTrack Test Guild', icon: null, splash: null, discovery_splash: null, banner: null, description: null,
    owner_id: [...w.users.values()].find((u) => !u.bot)?.id ?? w.botUserId, afk_channel_id: null, afk_timeout: 300,
    verification_level: GuildVerificationLevel.None, default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.Disabled, mfa_level: GuildMFALevel.None, nsfw_level: GuildNSFWLevel.Default,
    premium_tier: GuildPremiumTier.None, premium_subscription_count: 0, premium_progress_bar_enabled: false, preferred_locale: Locale.EnglishUS,
    roles: [{ id: w.everyoneRoleId, name: '@everyone', color: 0, colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false, icon: null, unicode_emoji: null, position: 0, permissions: '2248473465835073', managed: false, mentionable: false, flags: 0 as RoleFlags }],
    emojis: [], stickers: [], features: [], application_id: null, system_channel_id: null, system_channel_flags: 0 as GuildSystemChannelFlags,
    rules_channel_id: null, public_updates_channel_id: null, safety_alerts_channel_id: null, vanity_url_code: null, hub_type: null as GuildHubType | null,
    incidents_data: null, max_members: 500000, max_video_channel_users: 25,
    joined_at: new Date(w.clock.now()).toISOString(), large: false, unavailable: false, member_count: members.length,
    voice_states: [], members, channels: [...w.channels.values()], threads: [], presences: [], stage_instances: [], guild_scheduled_events: [], soundboard_sounds: [],
  };
}
