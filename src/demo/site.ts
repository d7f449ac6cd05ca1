// Owns the demo's visit to the public launch log (PUBLIC_SITE=true, docs/site.md): fetches the
// pages and feeds the web process serves, checks they show the week's launches and never the
// removed ones, and has a member hide themselves with /site and come back.

import { windowEndingAt, windowWeeksBefore } from '../digest/window.js';
import type { DemoContext } from './week.js';

async function get(url: string): Promise<{ status: number; text: string; type: string }> {
  const r = await fetch(url);
  return { status: r.status, text: await r.text(), type: r.headers.get('content-type') ?? '' };
}

export async function visitSite(ctx: DemoContext): Promise<void> {
  const { t, fake } = ctx;
  const base = `http://127.0.0.1:${ctx.port}`;
  t.scene('The public launch log (PUBLIC_SITE=true)');
  t.system(`public launch log on ${base}/ (the same web process and port; feeds ${base}/feed.atom and ${base}/weeks.atom)`);
  const week = windowWeeksBefore(windowEndingAt(new Date()), -1);
  // The week's members are the newest of that name (the fake starts with its own ada).
  const member = (name: string) => fake.members.filter((m) => m.username === name).at(-1)!;
  const ada = member('ada'), eve = member('eve');

  const home = await get(`${base}/`);
  t.system(`GET / → ${home.status}, ${home.text.length} bytes`);
  t.expect(home.status === 200 && home.type.startsWith('text/html'), `GET / answered ${home.status}`);
  for (const shown of ['Pocket Ledger 1.0', 'now with dark mode', 'Pocket Ledger for iPad', 'Tiny Forms']) t.expect(home.text.includes(shown), `/ does not show "${shown}"`);
  for (const removed of ['oops.example', 'wrong-link.example']) t.expect(!home.text.includes(removed), `/ shows the removed launch ${removed}`);
  const weekPage = await get(`${base}/weeks/${week.isoWeek}`);
  t.system(`GET /weeks/${week.isoWeek} → ${weekPage.status} (the digest's week: the same launches it posted)`);
  t.expect(weekPage.status === 200 && weekPage.text.includes('Pocket Ledger for iPad') && !weekPage.text.includes('oops.example'), `/weeks/${week.isoWeek} is not the digest's week`);
  const adaPage = await get(`${base}/members/${ada.id}`);
  const streak = /<strong>(\d+ weeks?)<\/strong>current weekly streak/.exec(adaPage.text)?.[1];
  t.system(`GET /members/${ada.id} → ${adaPage.status} (ada: current weekly streak ${streak ?? '?'}, a year of activity as SVG)`);
  t.expect(adaPage.status === 200 && streak !== undefined, `ada's page answered ${adaPage.status}`);
  const feed = await get(`${base}/feed.atom`);
  t.system(`GET /feed.atom → ${feed.status} ${feed.type}`);
  t.expect(feed.status === 200 && feed.text.startsWith('<?xml') && feed.text.includes('Pocket Ledger'), 'the launch feed is not served');

  t.member('eve', 'runs /site visibility:"hide me"');
  const hidden = await fake.runCommand({ userId: eve.id, name: 'site', options: [{ name: 'visibility', type: 3, value: 'hide' }] });
  const said = (hidden.body as { data?: { content?: string } } | undefined)?.data?.content ?? '';
  t.bot('answers only them (ephemeral):');
  t.block(said);
  t.expect(hidden.status === 200 && hidden.ephemeral && said.includes('"a member"'), '/site hide was not answered privately');
  const after = await get(`${base}/`);
  const evePage = await get(`${base}/members/${eve.id}`);
  t.system(`the site now names her "a member" (${after.text.includes('<span class="who">a member</span>') ? 'yes' : 'NO'}); /members/${eve.id} → ${evePage.status}`);
  t.expect(after.text.includes('<span class="who">a member</span>') && !after.text.includes(`/members/${eve.id}"`) && evePage.status === 404, 'a hidden member is still named on the site');
  const shown = await fake.runCommand({ userId: eve.id, name: 'site', options: [{ name: 'visibility', type: 3, value: 'show' }] });
  t.member('eve', 'changes her mind: /site visibility:"show me"');
  t.expect(shown.status === 200 && (await get(`${base}/members/${eve.id}`)).status === 200, 'eve\'s page did not come back');
}
