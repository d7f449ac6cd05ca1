// Owns the fake guild's object as Discord serialises it (APIGuild): what GET /guilds/{id} returns and
// what GUILD_CREATE extends. https://discord.com/developers/docs/resources/guild#guild-object
import {
  GuildDefaultMessageNotifications, GuildExplicitContentFilter, GuildMFALevel, GuildNSFWLevel, GuildPremiumTier,
  GuildVerificationLevel, Locale, type APIGuild, type GuildHubType, type GuildSystemChannelFlags,
} from 'discord-api-types/v10';
import type { World } from './world.js';

export const GUILD_NAME = 'ShipTrack Test Guild';

export function apiGuild(w: World): APIGuild {
  return {
    id: w.guildId, name: GUILD_NAME, icon: null, splash: null, discovery_splash: null, banner: null, description: null,
    owner_id: [...w.users.values()].find((u) => !u.bot)?.id ?? w.botUserId, afk_channel_id: null, afk_timeout: 300,
    verification_level: GuildVerificationLevel.None, default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.Disabled, mfa_level: GuildMFALevel.None, nsfw_level: GuildNSFWLevel.Default,
    premium_tier: GuildPremiumTier.None, premium_subscription_count: 0, premium_progress_bar_enabled: false, preferred_locale: Locale.EnglishUS,
    roles: [...w.roles.values()].map((r) => w.apiRole(r)),
    emojis: [], stickers: [], features: [], application_id: null, system_channel_id: null, system_channel_flags: 0 as GuildSystemChannelFlags,
    rules_channel_id: null, public_updates_channel_id: null, safety_alerts_channel_id: null, vanity_url_code: null, hub_type: null as GuildHubType | null,
    incidents_data: null, max_members: 500000, max_video_channel_users: 25,
  };
}
