// The one snowflake rule (src/discord/snowflake.ts): the canonical decimal form of an unsigned
// 64-bit integer with 17 to 20 digits, https://discord.com/developers/docs/reference#snowflakes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSnowflake, MAX_SNOWFLAKE, parseSnowflake } from '../../src/discord/snowflake.js';

const valid: string[] = [
  '10000000000000000', // smallest 17-digit: 2015-01-28, before any real id
  '80351110224678912', // 17 digits: an early real id
  '1100000000000000004', // 19 digits
  '9999999999999999999', // largest 19-digit
  '10000000000000000000', // smallest 20-digit
  '18446744073709551615', // 2^64 - 1
];
const invalid: unknown[] = [
  '0', '1', '12', '9999999999999999', // under 17 digits: older than Discord's first ids
  '01100000000000000004', '00000000000000000001', // leading zeros
  '', ' 1100000000000000004', '1100000000000000004 ', '+1100000000000000004', '-1', '1.0', '1e3', '0x1f', 'x', '１２３', '١٢٣', // not canonical ASCII decimal
  '18446744073709551616', // 2^64
  '99999999999999999999', // 20 digits but over 2^64 - 1
  '100000000000000000000', // 21 digits
  '12345678901234567890123',
  1, 0n, null, undefined, {}, [], ['1'], true,
];

for (const s of valid) {
  test(`isSnowflake accepts ${s}`, () => {
    assert.equal(isSnowflake(s), true);
    assert.equal(parseSnowflake(s), s);
  });
}
for (const v of invalid) {
  test(`isSnowflake rejects ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`, () => {
    assert.equal(isSnowflake(v), false);
    assert.equal(parseSnowflake(v), undefined);
  });
}

test('MAX_SNOWFLAKE is 2^64 - 1', () => assert.equal(MAX_SNOWFLAKE, 2n ** 64n - 1n));
