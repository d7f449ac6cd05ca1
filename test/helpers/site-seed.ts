// Owns the launches the public site's browser test and benchmark read: the same kind of week
// `npm run demo` plays (src/demo/week.ts: ada's Pocket Ledger, cy's /ship, dee's edited post, a
// launch logged with "Log as launch", one un-shipped and one deleted), earlier weeks for the chart
// and ada's streak, and a member posting hostile text (markup, attribute breakouts, `javascript:`
// links, bidi overrides, mentions, a 2000-character word). Rows go through the same store
// functions the worker and the commands use. Times are relative to `now`, since the web process
// reads the real clock. Finished weeks are marked posted as the digest leaves them (postWeeks).
import type { Queryable } from '../../src/db/pool.js';
import { insertLaunch, softDeleteByMessageIds } from '../../src/db/launches.js';
import { logMessageLaunch, unshipLaunch } from '../../src/db/corrections.js';
import { dateToSnowflake } from '../../src/discord/snowflake.js';
import { isoWeekOf, windowEndingAt, type DigestWindow } from '../../src/digest/window.js';

export const GUILD = '1200000000000000002';
export const SHIPPED = '1210000000000000003';
export const GENERAL = '1210000000000000004';

/** The members, ids as Discord would send them; `name` is the display name ShipTrack stores. */
export const MEMBERS = {
  ada: { id: '1100000000000000101', name: 'ada' },
  bob: { id: '1100000000000000102', name: 'bob' },
  cy: { id: '1100000000000000103', name: 'cy' },
  dee: { id: '1100000000000000104', name: 'dee' },
  eve: { id: '1100000000000000105', name: 'eve' },
  mo: { id: '1100000000000000106', name: 'mo' },
  mallory: { id: '1100000000000000107', name: 'Mallory "><b>bold</b>' },
  /** Chose `/site visibility:hide me` (site_hidden_members, sql/0011): the site never names her. */
  hana: { id: '1100000000000000108', name: 'Hana Hidden' },
} as const;
type Who = keyof typeof MEMBERS;

/** Hostile launch texts (mallory's); each must appear literally as text, never as markup. */
export const HOSTILE = {
  script: 'Shipped <script>window.__xss = 1</script> https://evil.example/a',
  breakout: 'Launched "><img src=x onerror="window.__xss=2"> https://evil.example/b?q="><svg onload=alert(1)>',
  jsLink: 'Released javascript:window.__xss=3 and [click](javascript:alert(1)) https://evil.example/c',
  bidi: 'Shipped \u202Egnp.exe\u202C the invoice tool https://bidi.example',
  mention: 'Launched for <@1100000000000000101> and @everyone https://mention.example',
  longWord: `Launched ${'W'.repeat(2000)} https://long.example`,
} as const;

export interface SiteSeed {
  now: Date;
  /** The digest week in progress (its start is the last Monday 09:00 UTC) and the one before it. */
  thisWeek: DigestWindow;
  lastWeek: DigestWindow;
  /** Short pieces of text each page must show. */
  expect: { home: string[]; thisWeek: string[]; lastWeek: string[]; ada: string[]; mallory: string[] };
  /** Text of removed launches and the hidden member's name: no page may show them. */
  absent: string[];
}

/** Seeds an empty, migrated database with the demo-like weeks; returns what the pages should show. */
export async function seedSite(db: Queryable, now = new Date()): Promise<SiteSeed> {
  const lastWeek = windowEndingAt(now);
  const end = new Date(lastWeek.end.getTime() + WEEK_MS);
  const thisWeek: DigestWindow = { start: lastWeek.end, end, isoWeek: isoWeekOf(end) };
  let n = 0;
  const id = (at: Date) => (BigInt(dateToSnowflake(at)) + BigInt(n++)).toString();
  const add = async (who: Who, content: string, at: Date, o: { slash?: boolean; channel?: string } = {}) => {
    const m = MEMBERS[who];
    const snowflake = id(at);
    const urls = [...content.matchAll(/https?:\/\/[^\s<>"]+/g)].map((x) => x[0]);
    const r = await insertLaunch(db, {
      source: o.slash ? 'slash' : 'channel', guildId: GUILD, channelId: o.channel ?? SHIPPED, userId: m.id, userName: m.name,
      content, urls, createdAt: at, ...(o.slash ? { interactionId: snowflake } : { messageId: snowflake }),
    });
    return { id: r.id, messageId: snowflake };
  };

  // This week so far (the demo's week), spread between Monday 09:00 UTC and now.
  const span = now.getTime() - thisWeek.start.getTime();
  const at = (k: number) => new Date(thisWeek.start.getTime() + Math.floor((span * (k + 1)) / 14));
  await add('ada', 'Just shipped Pocket Ledger 1.0 🎉 https://ledger.example', at(0));
  await add('cy', 'Typewriter — a distraction-free editor https://typewriter.example', at(1), { slash: true });
  await add('dee', 'Launched my portfolio, now with dark mode https://dee.example', at(2));
  await add('bob', 'It is live! https://bob.example', at(3));
  const deleted = await add('eve', 'Released a build by mistake https://oops.example', at(4));
  await softDeleteByMessageIds(db, [deleted.messageId], at(5));
  const wrong = await add('cy', 'Shipped the new pricing page https://wrong-link.example', at(6));
  await unshipLaunch(db, MEMBERS.cy.id, wrong.id, at(7));
  const missed = id(at(8));
  await logMessageLaunch(db, {
    guildId: GUILD, channelId: GENERAL, messageId: missed, userId: MEMBERS.dee.id, userName: MEMBERS.dee.name,
    content: 'Pocket Ledger for iPad is out today! https://ipad.example', urls: ['https://ipad.example'], createdAt: at(8),
  }, MEMBERS.mo.id);
  await add('eve', 'Shipped Tiny Forms while your bot was down https://forms.example', at(9));
  await add('mallory', HOSTILE.script, at(10));
  await add('mallory', HOSTILE.breakout, at(11));
  await add('hana', 'Shipped Quiet Notes, a journal that stays private https://quiet.example', at(12));
  await db.query('INSERT INTO site_hidden_members (user_id, hidden_at) VALUES ($1, $2)', [MEMBERS.hana.id, at(12)]);

  // The week before (a finished digest week), and ada every week for eight weeks before it.
  const lw = (hours: number) => new Date(lastWeek.start.getTime() + hours * 3_600_000);
  await add('ada', 'Pocket Ledger beta is live https://beta.ledger.example', lw(10));
  await add('cy', 'Wrote and released Invoice Kit https://cy.example/invoice-kit', lw(30), { slash: true });
  await add('bob', 'Shipped Trailhead maps https://trailhead.example', lw(50));
  await add('mallory', HOSTILE.jsLink, lw(70));
  await add('mallory', HOSTILE.bidi, lw(90));
  await add('mallory', HOSTILE.mention, lw(110));
  await add('mallory', HOSTILE.longWord, lw(130));
  const posted = [lastWeek.start];
  for (let w = 1; w <= 8; w++) {
    const start = lastWeek.start.getTime() - w * WEEK_MS;
    await add('ada', `Ledger weekly update ${9 - w} shipped https://ledger.example/${9 - w}`, new Date(start + 26 * 3_600_000));
    if (w % 3 === 0) await add('bob', `Trailhead ${w} released https://trailhead.example/${w}`, new Date(start + 60 * 3_600_000));
    posted.push(new Date(start));
  }
  // Every finished week had its digest posted (the demo runs the digest as if it were Monday 09:00 UTC).
  await postWeeks(db, posted);

  return {
    now, thisWeek, lastWeek,
    expect: {
      home: ['Pocket Ledger 1.0', 'Typewriter', 'Tiny Forms', 'Pocket Ledger for iPad'],
      thisWeek: ['Pocket Ledger 1.0', 'now with dark mode', 'It is live!', 'Pocket Ledger for iPad', 'Tiny Forms', '<script>window.__xss = 1</script>'],
      lastWeek: ['Pocket Ledger beta is live', 'Invoice Kit', 'Trailhead maps', 'javascript:window.__xss=3'],
      ada: ['Pocket Ledger 1.0', 'Pocket Ledger beta is live', 'Ledger weekly update 1', 'Ledger weekly update 8'],
      mallory: [MEMBERS.mallory.name, '<script>window.__xss = 1</script>', '"><img src=x onerror="window.__xss=2">', 'javascript:window.__xss=3', '@everyone'],
    },
    absent: ['Released a build by mistake', 'wrong-link.example', MEMBERS.hana.name],
  };
}

/** The member the bulk seed gives every tenth launch (the benchmark's "member with many launches"). */
export const BUSY = { id: '1100000000000000999', name: 'busy maker' };

/**
 * `n` launches by 500 makers (every tenth by BUSY), spread evenly over the 26 weeks before `now`,
 * with realistic text lengths; every finished week posted as its digest would leave it
 * (postWeeks). One statement each, so 10,000 take a second.
 */
export async function seedBulk(db: Queryable, n: number, now = new Date()): Promise<void> {
  const weeks = 26;
  const last = windowEndingAt(now);
  const from = new Date(last.end.getTime() - weeks * WEEK_MS);
  await db.query(
    `INSERT INTO launches (source, guild_id, channel_id, user_id, user_name, content, urls, message_id, created_at)
     SELECT 'channel', $1, $2,
            CASE WHEN i % 10 = 0 THEN $6::bigint ELSE 1100000000000001000 + (i % 500) END,
            CASE WHEN i % 10 = 0 THEN $7 ELSE 'maker ' || (i % 500) END,
            'Launched v' || i || ' of my side project today: a small tool that does one thing well, now with dark mode and exports https://p' || i || '.example.com',
            ARRAY['https://p' || i || '.example.com'], 1300000000000000000 + i,
            $3::timestamptz + ((i + 0.5) / $5) * ($4::timestamptz - $3::timestamptz)
     FROM generate_series(0, $5 - 1) AS i`,
    [GUILD, SHIPPED, from, now, n, BUSY.id, BUSY.name]);
  await postWeeks(db, Array.from({ length: weeks }, (_, k) => new Date(from.getTime() + k * WEEK_MS)));
}

/**
 * Marks the digest weeks starting at `starts` as posted, as the digest leaves them since sql/0012:
 * a `done` digests row with its count and `carried_up_to_id` (the highest launch id when it froze:
 * it carried its week's live launches up to there), and its week's removed launches in
 * digest_skipped. Posting a week again (seedSite, then seedBulk) re-freezes it with what is there now.
 */
export async function postWeeks(db: Queryable, starts: Date[]): Promise<void> {
  const weeks = [starts, starts.map((s) => isoWeekOf(new Date(s.getTime() + WEEK_MS)))];
  await db.query(
    `INSERT INTO digests (window_start, window_end, iso_week, status, launch_count, finished_at, carried_up_to_id)
     SELECT s, s + interval '7 days', w, 'done',
            (SELECT count(*) FROM launches WHERE deleted_at IS NULL AND created_at >= s AND created_at < s + interval '7 days'),
            s + interval '7 days 1 minute', (SELECT coalesce(max(id), 0) FROM launches)
     FROM unnest($1::timestamptz[], $2::text[]) AS x(s, w)
     ON CONFLICT (window_start) DO UPDATE SET launch_count = EXCLUDED.launch_count, carried_up_to_id = EXCLUDED.carried_up_to_id`, weeks);
  await db.query(
    `INSERT INTO digest_skipped (window_start, launch_id)
     SELECT s, l.id FROM unnest($1::timestamptz[]) AS x(s)
     JOIN launches l ON l.deleted_at IS NOT NULL AND l.created_at >= s AND l.created_at < s + interval '7 days'
     ON CONFLICT DO NOTHING`, [starts]);
}

const WEEK_MS = 7 * 86_400_000;
