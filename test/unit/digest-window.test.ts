import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoWeekOf, isoWeeksInYear, parseIsoWeek, windowEndingAt, windowForIsoWeek } from '../../src/digest/window.js';

const iso = (s: string) => new Date(s);
const WEEK = 7 * 86_400_000;

const endingAt: [name: string, now: string, end: string, isoWeek: string][] = [
  ['exactly Monday 09:00:00.000 is the new window', '2026-11-23T09:00:00.000Z', '2026-11-23T09:00:00.000Z', '2026-W48'],
  ['one ms before is the previous window', '2026-11-23T08:59:59.999Z', '2026-11-16T09:00:00.000Z', '2026-W47'],
  ['Monday 00:00', '2026-11-23T00:00:00.000Z', '2026-11-16T09:00:00.000Z', '2026-W47'],
  ['Monday 09:00:00.001', '2026-11-23T09:00:00.001Z', '2026-11-23T09:00:00.000Z', '2026-W48'],
  ['Tuesday', '2026-11-24T12:00:00.000Z', '2026-11-23T09:00:00.000Z', '2026-W48'],
  ['Sunday 23:59:59.999', '2026-11-29T23:59:59.999Z', '2026-11-23T09:00:00.000Z', '2026-W48'],
  ['first Monday of ISO 2026 is in December 2025', '2025-12-29T09:00:00.000Z', '2025-12-29T09:00:00.000Z', '2026-W01'],
  ['New Year in a 53-week year', '2027-01-03T10:00:00.000Z', '2026-12-28T09:00:00.000Z', '2026-W53'],
  ['2020-W53', '2021-01-01T00:00:00.000Z', '2020-12-28T09:00:00.000Z', '2020-W53'],
  ['2025-W01 starts in 2024', '2024-12-31T00:00:00.000Z', '2024-12-30T09:00:00.000Z', '2025-W01'],
  ['leap day', '2028-02-29T09:00:00.000Z', '2028-02-28T09:00:00.000Z', '2028-W09'],
  ['European DST change weekend is irrelevant (UTC)', '2026-03-30T09:00:00.000Z', '2026-03-30T09:00:00.000Z', '2026-W14'],
];

for (const [name, now, end, isoWeek] of endingAt) {
  test(`windowEndingAt: ${name}`, () => {
    const w = windowEndingAt(iso(now));
    assert.equal(w.end.toISOString(), end);
    assert.equal(w.start.getTime(), w.end.getTime() - WEEK);
    assert.equal(w.isoWeek, isoWeek);
  });
}

const forWeek: [label: string, start: string, end: string][] = [
  ['2026-W48', '2026-11-16T09:00:00.000Z', '2026-11-23T09:00:00.000Z'],
  ['2026-W01', '2025-12-22T09:00:00.000Z', '2025-12-29T09:00:00.000Z'],
  ['2026-W53', '2026-12-21T09:00:00.000Z', '2026-12-28T09:00:00.000Z'],
  ['2020-W53', '2020-12-21T09:00:00.000Z', '2020-12-28T09:00:00.000Z'],
  ['2021-W01', '2020-12-28T09:00:00.000Z', '2021-01-04T09:00:00.000Z'],
  ['2027-W01', '2026-12-28T09:00:00.000Z', '2027-01-04T09:00:00.000Z'],
];

for (const [label, start, end] of forWeek) {
  test(`windowForIsoWeek: ${label}`, () => {
    const w = windowForIsoWeek(label);
    assert.deepEqual({ start: w.start.toISOString(), end: w.end.toISOString(), isoWeek: w.isoWeek }, { start, end, isoWeek: label });
  });
}

const badLabels: [label: string, pattern: RegExp][] = [
  ['2026-48', /look like 2026-W48/],
  ['2026-W4', /look like/],
  ['2026W48', /look like/],
  ['26-W48', /look like/],
  ['2026-w48', /look like/],
  ['2026-W48x', /look like/],
  ['', /look like/],
  ['2026-W00', /weeks 01-53, got W00/],
  ['2026-W54', /weeks 01-53/],
  ['2021-W53', /2021 has ISO weeks 01-52, got W53/],
  ['2024-W53', /weeks 01-52/],
];

for (const [label, pattern] of badLabels) {
  test(`windowForIsoWeek rejects "${label}"`, () => {
    assert.throws(() => windowForIsoWeek(label), (err: Error) => err instanceof RangeError && pattern.test(err.message));
  });
}

test('parseIsoWeek tolerates surrounding whitespace', () => {
  assert.deepEqual(parseIsoWeek(' 2026-W07\n'), { year: 2026, week: 7 });
});

test('invalid dates are rejected', () => {
  assert.throws(() => windowEndingAt(new Date('nope')), RangeError);
  assert.throws(() => isoWeekOf(new Date(Number.NaN)), RangeError);
});

test('isoWeeksInYear matches the known 53-week years 2000-2040', () => {
  const long = [2004, 2009, 2015, 2020, 2026, 2032, 2037];
  for (let y = 2000; y <= 2040; y++) assert.equal(isoWeeksInYear(y), long.includes(y) ? 53 : 52, String(y));
});

test('isoWeekOf at year edges', () => {
  assert.equal(isoWeekOf(iso('2021-01-03T23:59:59.999Z')), '2020-W53');
  assert.equal(isoWeekOf(iso('2021-01-04T00:00:00.000Z')), '2021-W01');
  assert.equal(isoWeekOf(iso('2008-12-29T00:00:00.000Z')), '2009-W01');
  assert.equal(isoWeekOf(iso('2010-01-03T12:00:00.000Z')), '2009-W53');
});

test('every week 2019-2031 round-trips and windows tile without gaps', () => {
  let prev: Date | undefined;
  for (let y = 2019; y <= 2031; y++) {
    for (let wk = 1; wk <= isoWeeksInYear(y); wk++) {
      const label = `${y}-W${String(wk).padStart(2, '0')}`;
      const w = windowForIsoWeek(label);
      assert.equal(w.isoWeek, label);
      assert.equal(w.end.getUTCDay(), 1, `${label} ends on a Monday`);
      assert.equal(w.end.getUTCHours(), 9);
      assert.equal(w.end.getTime() % 3_600_000, 0);
      assert.deepEqual(windowEndingAt(w.end), w);
      assert.deepEqual(windowEndingAt(new Date(w.end.getTime() + WEEK - 1)), w);
      if (prev) assert.equal(w.start.getTime(), prev.getTime(), `${label} starts where the previous ended`);
      prev = w.end;
    }
  }
});
