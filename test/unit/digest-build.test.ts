import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LATE_HEADING, buildDigest, formatWindowDates, packLines, type DigestLaunch } from '../../src/digest/build.js';
import { MAX_CONTENT } from '../../src/discord/interactions/respond.js';
import { windowForIsoWeek } from '../../src/digest/window.js';

const W = windowForIsoWeek('2026-W48'); // [Mon 16 Nov 09:00, Mon 23 Nov 09:00) UTC
const Z = '\u200b';
const HEADER_1 = '🚀 **Launches of the week** — 16–23 Nov 2026 · 1 launch by 1 founder';
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const uid = (n: number) => String(100000000000000000n + BigInt(n));
const at = (hoursAfterStart: number) => new Date(W.start.getTime() + hoursAfterStart * 3_600_000);

function launch(n: number, over: Partial<DigestLaunch> = {}): DigestLaunch {
  return {
    id: String(1000 + n), userId: uid(n), userName: `user${n}`, content: `Shipped product ${n} https://p${n}.example`,
    urls: [`https://p${n}.example`], createdAt: at(1 + n / 100), source: 'channel', ...over,
  };
}

/** Deterministic pseudo-random launches: varied lengths, founders, emoji, markdown, mentions. */
function fixture(count: number, seed = 7): DigestLaunch[] {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const bits = ['ship', '🚀', '**bold**', '@everyone', '<@&42>', 'café', '👩‍👩‍👧', '`x`', 'https://a.example/x_y', 'word', '日本語', '||s||'];
  const out: DigestLaunch[] = [];
  for (let i = 0; i < count; i++) {
    const words = Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => bits[Math.floor(rnd() * bits.length)]!);
    const founder = Math.floor(rnd() * Math.max(1, count / 3));
    out.push({
      id: String(10_000 + i), userId: uid(founder), userName: `f${founder}`, content: words.join(' '),
      urls: rnd() < 0.5 ? [`https://l${i}.example`] : [], createdAt: at(rnd() * 167), source: rnd() < 0.5 ? 'slash' : 'channel',
    });
  }
  return out;
}

/** Independent greedy count: lines never split, joined by '\n', each part <= limit. */
function greedyPartCount(lines: string[], limit: number): number {
  let parts = 0;
  let used = -1;
  for (const l of lines) {
    if (used === -1 || used + 1 + l.length > limit) { parts++; used = l.length; } else used += 1 + l.length;
  }
  return parts;
}

function checkParts(parts: string[], expectedLaunchLines: number) {
  const lines = parts.flatMap((p) => p.split('\n'));
  for (const p of parts) assert.ok(p.length <= MAX_CONTENT, `part of ${p.length} characters`);
  assert.equal(greedyPartCount(lines, MAX_CONTENT), parts.length, 'minimum greedy number of parts');
  for (let i = 0; i + 1 < parts.length; i++) {
    assert.ok(parts[i]!.length + 1 + parts[i + 1]!.split('\n')[0]!.length > MAX_CONTENT, `part ${i + 1} could hold one more line`);
  }
  assert.ok(parts[0]!.startsWith('🚀 **Launches of the week**'));
  for (const p of parts.slice(1)) assert.ok(p.startsWith('• <@'), 'header only in part 1');
  const launchLines = lines.filter((l) => l.startsWith('• '));
  assert.equal(launchLines.length, expectedLaunchLines);
  for (const l of launchLines) {
    assert.match(l, /^• <@\d{17,20}> — /, 'each line opens with a real mention');
    assert.equal(l.match(/<@!?&?\d+>/g)?.length, 1, `exactly one live mention: ${l}`);
    assert.doesNotMatch(l, /@(everyone|here)/);
    assert.doesNotMatch(l, /(?<!<)https?:\/\//, 'every link is wrapped in <…>');
    assert.doesNotMatch(l, LONE_SURROGATE);
  }
}

test('no launches: nothing to post, or one quiet-week line', () => {
  assert.deepEqual(buildDigest([], W), { parts: [], count: 0, founders: 0, late: 0 });
  assert.deepEqual(buildDigest([], W, { quietWeek: false }), { parts: [], count: 0, founders: 0, late: 0 });
  assert.deepEqual(buildDigest([], W, { quietWeek: true }), {
    parts: ['Quiet week: no launches logged between 16 and 23 Nov 2026.'], count: 0, founders: 0, late: 0,
  });
});

test('one launch: exact message', () => {
  const d = buildDigest([launch(1)], W);
  assert.deepEqual(d, {
    parts: [`${HEADER_1}\n• <@${uid(1)}> — Shipped product 1 <https://p1.example>`], count: 1, founders: 1, late: 0,
  });
});

test('theme line: escaped, one line, omitted when blank', () => {
  const d = buildDigest([launch(1)], W, { theme: '  AI *tools*\n# week @here  ' });
  assert.equal(d.parts[0]!.split('\n')[1], `Theme: AI \\*tools\\* # week @${Z}here`);
  assert.equal(buildDigest([launch(1)], W, { theme: ' \n ' }).parts[0]!.split('\n').length, 2);
});

test('user text is escaped; only the author mention stays live', () => {
  const content = '@everyone <@&42> <@123> <#7> **bold** _it_ ```js alert(1)``` [x](https://evil.example) # not a heading';
  const [part] = buildDigest([launch(1, { content, urls: [] })], W, { maxTextLength: 300 }).parts;
  const line = part!.split('\n')[1];
  assert.equal(line,
    `• <@${uid(1)}> — @${Z}everyone <@&${Z}42> <@${Z}123> <#${Z}7> \\*\\*bold\\*\\* \\_it\\_ \\\`\\\`\\\`js alert(1)\\\`\\\`\\\` \\[x\\](<https://evil.example>) # not a heading`);
});

test('slash launch: product text plus its separate URL, not embedded', () => {
  const l = launch(2, { content: 'ShipTrack — launch log bot', urls: ['https://ship.example/a_b'], source: 'slash' });
  assert.equal(buildDigest([l], W).parts[0]!.split('\n')[1], `• <@${uid(2)}> — ShipTrack — launch log bot · <https://ship.example/a_b>`);
});

test('falls back to the message link; placeholder when there is nothing', () => {
  const jump = 'https://discord.com/channels/1/2/3';
  assert.equal(buildDigest([launch(3, { content: 'ta-da', urls: [], messageUrl: jump })], W).parts[0]!.split('\n')[1], `• <@${uid(3)}> — ta-da · <${jump}>`);
  assert.equal(buildDigest([launch(3, { content: '', urls: [] })], W).parts[0]!.split('\n')[1], `• <@${uid(3)}> — (no description)`);
  assert.equal(buildDigest([launch(3, { content: '', urls: ['not a url'] })], W).parts[0]!.split('\n')[1], `• <@${uid(3)}> — (no description)`);
});

test('first line only, truncated at a word boundary', () => {
  const content = 'Launched the brand new ShipTrack dashboard with weekly charts and a much faster search page for everyone\nsecond line';
  const line = buildDigest([launch(4, { content, urls: [] })], W, { maxTextLength: 60 }).parts[0]!.split('\n')[1]!;
  assert.equal(line, `• <@${uid(4)}> — Launched the brand new ShipTrack dashboard with weekly…`);
});

test('a 3000-character word is cut; a cut URL is dropped and appended whole', () => {
  const long = buildDigest([launch(5, { content: 'x'.repeat(3000), urls: [] })], W).parts[0]!.split('\n')[1]!;
  assert.equal(long, `• <@${uid(5)}> — ${'x'.repeat(139)}…`);
  const url = `https://x.example/${'a'.repeat(200)}`;
  const cut = buildDigest([launch(5, { content: `Launched ${url}`, urls: [] })], W).parts[0]!.split('\n')[1]!;
  assert.equal(cut, `• <@${uid(5)}> — Launched… · <${url}>`);
});

test('emoji and ZWJ sequences are never cut in half', () => {
  for (const content of ['🚀'.repeat(200), '👩‍👩‍👧'.repeat(60), 'a' + '🎉'.repeat(100), 'é'.normalize('NFD').repeat(100)]) {
    const line = buildDigest([launch(6, { content })], W).parts[0]!.split('\n')[1]!;
    assert.doesNotMatch(line, LONE_SURROGATE);
    assert.match(line, /… · <https:\/\/p6\.example>$/u);
    assert.doesNotMatch(line, /e…/u, 'a combining accent stays with its letter');
  }
  const family = buildDigest([launch(6, { content: '👩‍👩‍👧'.repeat(60) })], W).parts[0]!.split('\n')[1]!;
  assert.match(family, /— (👩‍👩‍👧)+… · </u, 'whole family emoji only');
});

test('launches outside [start, end) and repeated ids are ignored', () => {
  const d = buildDigest([
    launch(1, { createdAt: W.start }),
    launch(2, { createdAt: new Date(W.end.getTime() - 1) }),
    launch(3, { createdAt: W.end }),
    launch(4, { createdAt: new Date(W.start.getTime() - 1) }),
    launch(1, { createdAt: at(5), content: 'duplicate id' }),
  ], W);
  assert.equal(d.count, 2);
  assert.doesNotMatch(d.parts.join('\n'), /product 3|product 4|duplicate/);
});

test('grouped by founder: count desc, then first launch; chronological within a founder', () => {
  const a = uid(1), b = uid(2), c = uid(3);
  const d = buildDigest([
    launch(10, { userId: c, content: 'c1', createdAt: at(1), urls: [] }),
    launch(11, { userId: b, content: 'b2', createdAt: at(50), urls: [] }),
    launch(12, { userId: a, content: 'a1', createdAt: at(2), urls: [] }),
    launch(13, { userId: b, content: 'b1', createdAt: at(3), urls: [] }),
    launch(14, { userId: a, content: 'a2', createdAt: at(40), urls: [] }),
  ], W);
  assert.deepEqual(d.parts[0]!.split('\n').slice(1), [
    `• <@${a}> — a1`, `• <@${a}> — a2`, `• <@${b}> — b1`, `• <@${b}> — b2`, `• <@${c}> — c1`,
  ]);
  assert.match(d.parts[0]!, /· 5 launches by 3 founders$/m);
});

test('non-snowflake user id falls back to the escaped name', () => {
  const line = buildDigest([launch(1, { userId: 'x<@1>', userName: '*sam* @everyone' })], W).parts[0]!.split('\n')[1]!;
  assert.equal(line, `• \\*sam\\* @${Z}everyone — Shipped product 1 <https://p1.example>`);
});

for (const n of [150, 5000]) {
  test(`${n} launches: bounded parts, greedy minimum, header once`, () => {
    const launches = fixture(n);
    const d = buildDigest(launches, W, { theme: 'Big week' });
    assert.equal(d.count, n);
    assert.equal(d.founders, new Set(launches.map((l) => l.userId)).size);
    assert.ok(d.parts.length > 1);
    checkParts(d.parts, n);
  });
}

test('deterministic: same input, or the same launches in another order, gives identical parts', () => {
  const launches = fixture(300, 11);
  const a = buildDigest(launches, W);
  const b = buildDigest(launches, W);
  const c = buildDigest([...launches].reverse(), W);
  assert.deepEqual(b.parts, a.parts);
  assert.deepEqual(c.parts, a.parts);
});

test('packLines: greedy, never splits a line, rejects a line over the limit', () => {
  assert.deepEqual(packLines(['aaa', 'bb', 'c', 'dddd'], 6), ['aaa\nbb', 'c\ndddd']);
  assert.deepEqual(packLines([], 6), []);
  assert.throws(() => packLines(['x'.repeat(7)], 6), RangeError);
});

test('options are validated so a line always fits a part', () => {
  assert.throws(() => buildDigest([launch(1)], W, { maxTextLength: 10 }), RangeError);
  assert.throws(() => buildDigest([launch(1)], W, { maxTextLength: 1000 }), RangeError);
  assert.throws(() => buildDigest([launch(1)], W, { maxPartLength: 2001 }), RangeError);
  // The largest allowed text, all escapable characters, still fits.
  const d = buildDigest([launch(1, { content: '*'.repeat(5000), urls: [] })], W, { maxTextLength: 697 });
  assert.ok(d.parts[0]!.length <= MAX_CONTENT);
});

test('window dates across months and years', () => {
  assert.equal(formatWindowDates(W), '16–23 Nov 2026');
  assert.equal(formatWindowDates(windowForIsoWeek('2026-W45')), '26 Oct – 2 Nov 2026');
  assert.equal(formatWindowDates(windowForIsoWeek('2027-W01')), '28 Dec 2026 – 4 Jan 2027');
  assert.equal(formatWindowDates(windowForIsoWeek('2026-W45'), 'and'), '26 Oct and 2 Nov 2026');
});

test('maxParts caps a huge week: the first launches in order, then one "…and N more" line', () => {
  const window = windowForIsoWeek('2026-W48');
  const many = Array.from({ length: 10_000 }, (_, i) => ({
    id: String(i + 1), userId: String(100000000000000000n + BigInt(i % 700)), userName: `u${i % 700}`,
    content: `Shipped product number ${i} with a reasonably long description https://p${i}.example`, urls: [`https://p${i}.example`],
    createdAt: new Date(window.start.getTime() + i * 1000), source: 'channel' as const,
  }));
  const capped = buildDigest(many, window, { maxParts: 10 });
  assert.equal(capped.parts.length, 10);
  assert.equal(capped.count, 10_000);
  assert.ok(capped.parts.every((p) => p.length <= 2000));
  const lines = capped.parts.join('\n').split('\n');
  const shown = lines.filter((l) => l.startsWith('• ')).length;
  const tail = lines.at(-1)!;
  assert.match(tail, /^…and ([\d]+) more launches this week/);
  assert.equal(Number(/and (\d+) more/.exec(tail)![1]) + shown, 10_000);
  // The shown lines are exactly the uncapped digest's first lines.
  const full = buildDigest(many, window).parts.join('\n').split('\n');
  assert.deepEqual(lines.slice(0, -1), full.slice(0, lines.length - 1));
  // Adding one more line would not fit in 10 parts.
  assert.ok(buildDigest(many, window, { maxParts: 11 }).parts.join('\n').split('\n').filter((l) => l.startsWith('• ')).length > shown);
  // Under the cap nothing changes.
  const few = many.slice(0, 20);
  assert.deepEqual(buildDigest(few, window, { maxParts: 10 }).parts, buildDigest(few, window).parts);
});

// Launches stored after their own week's digest was frozen (issue 13): listed once, in the next
// digest, under their own heading, oldest first, each with its date (src/digest/build.ts).
const before = (hours: number) => new Date(W.start.getTime() - hours * 3_600_000);

test('late launches: after the week\'s, under "Logged late, from earlier weeks:", oldest first, dated, counted in the header', () => {
  const lateA = launch(7, { id: '7', createdAt: before(30), content: 'Backfilled: shipped https://a.example' });
  const lateB = launch(8, { id: '8', createdAt: before(200), content: 'Older edit: released @everyone <@&42> **bold**', urls: ['https://b.example'] });
  const d = buildDigest([launch(1), launch(2)], W, { lateLaunches: [lateA, lateB] });
  assert.deepEqual(d, {
    parts: [[
      '🚀 **Launches of the week** — 16–23 Nov 2026 · 2 launches by 2 founders, plus 2 logged late',
      `• <@${uid(1)}> — Shipped product 1 <https://p1.example>`,
      `• <@${uid(2)}> — Shipped product 2 <https://p2.example>`,
      LATE_HEADING,
      `• <@${uid(8)}> — Older edit: released @${Z}everyone <@&${Z}42> \\*\\*bold\\*\\* · <https://b.example> (8 Nov)`,
      `• <@${uid(7)}> — Backfilled: shipped <https://a.example> (15 Nov)`,
    ].join('\n')],
    count: 4, founders: 2, late: 2,
  });
});

test('late launches alone make a digest (not a quiet week); the year shows when it differs; duplicates and in-window ones are ignored', () => {
  const w = windowForIsoWeek('2027-W02'); // [4 Jan 2027 09:00, 11 Jan 2027 09:00)
  const old = launch(3, { createdAt: new Date('2026-12-30T12:00:00Z') });
  const inside = launch(4, { createdAt: new Date(w.start.getTime() + 1000) });
  const d = buildDigest([], w, { quietWeek: true, lateLaunches: [old, old, inside] });
  assert.deepEqual(d.parts, [
    `🚀 **Launches of the week** — 4–11 Jan 2027 · no launches this week, 1 logged late\n${LATE_HEADING}\n• <@${uid(3)}> — Shipped product 3 <https://p3.example> (30 Dec 2026)`,
  ]);
  assert.equal(d.count, 1);
  assert.equal(d.late, 1);
  // A launch passed both as the week's and as late is listed once, as the week's.
  const both = buildDigest([launch(1)], W, { lateLaunches: [launch(1)] });
  assert.equal(both.late, 0);
  assert.equal(both.parts[0]!.split('\n').length, 2);
  assert.equal(buildDigest([], W, { late: true, lateLaunches: [launch(5, { createdAt: before(1) })] }).parts[0]!.split('\n')[0],
    '🚀 **Launches of the week** — 16–23 Nov 2026 (posted late) · no launches this week, 1 logged late');
});

test('late launches split like any line: parts stay <= 2000, the heading never ends a part, maxParts still caps with "…and N more"', () => {
  const week = fixture(60);
  const lates = fixture(60, 11).map((l, i) => ({ ...l, id: `late${i}`, createdAt: before(1 + i) }));
  const d = buildDigest(week, W, { lateLaunches: lates });
  assert.equal(d.count, 120);
  assert.equal(d.late, 60);
  for (const p of d.parts) {
    assert.ok(p.length <= MAX_CONTENT);
    assert.notEqual(p.split('\n').at(-1), LATE_HEADING, 'heading left alone at the end of a part');
  }
  const lines = d.parts.join('\n').split('\n');
  assert.equal(lines.filter((l) => l === LATE_HEADING).length, 1);
  const heading = lines.indexOf(LATE_HEADING);
  assert.equal(lines.slice(0, heading).filter((l) => l.startsWith('• ')).length, 60);
  const lateLines = lines.slice(heading + 1);
  assert.equal(lateLines.length, 60);
  for (const l of lateLines) assert.match(l, /^• <@\d{17,20}> — .* \(\d{1,2} (Nov|Oct)\)$/);
  // Oldest first: before(60) … before(1).
  assert.match(lateLines[0]!, /\(13 Nov\)$/);
  assert.match(lateLines.at(-1)!, /\(16 Nov\)$/);

  const capped = buildDigest(week, W, { lateLaunches: lates, maxParts: 2 });
  assert.equal(capped.parts.length, 2);
  const tail = capped.parts.join('\n').split('\n').at(-1)!;
  const shown = capped.parts.join('\n').split('\n').filter((l) => l.startsWith('• ')).length;
  assert.match(tail, /^…and \d+ more launches \(`\/profile` shows anyone's full list\)\.$/);
  assert.equal(Number(/and (\d+) more/.exec(tail)![1]) + shown, 120);

  // The largest allowed text, all escapable, on a late line with the longest date still fits.
  const huge = launch(9, { content: '*'.repeat(5000), urls: [], createdAt: new Date('2025-11-20T00:00:00Z') });
  const big = buildDigest([], W, { maxTextLength: 697, lateLaunches: [huge] });
  for (const p of big.parts) assert.ok(p.length <= MAX_CONTENT);
  assert.match(big.parts.join('\n'), /\(20 Nov 2025\)$/);
});
