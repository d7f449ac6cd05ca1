import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectLaunch, extractUrls, findLaunchWord, visibleText, type LaunchMessage } from '../../src/launch/detect.js';
import { DEFAULT_LAUNCH_WORDS, DEFAULT_MIN_LENGTH, type LaunchReason, type LaunchRules } from '../../src/launch/rules.js';

const CHANNEL = '100000000000000010';
const BOT = '100000000000000099';
const HUMAN = '100000000000000001';
const rules: LaunchRules = { channelId: CHANNEL, botUserId: BOT, words: DEFAULT_LAUNCH_WORDS, minLength: DEFAULT_MIN_LENGTH };

const msg = (content: string, over: Partial<LaunchMessage> = {}): LaunchMessage =>
  ({ channelId: CHANNEL, content, authorId: HUMAN, authorIsBot: false, type: 0, ...over });

interface Case {
  readonly name: string;
  readonly msg: LaunchMessage;
  readonly reason: LaunchReason;
  readonly word?: string;
  readonly urls?: string[];
}

const X = 'https://x.dev';
const cases: Case[] = [
  // Who and where
  { name: 'plain launch', msg: msg(`Just shipped ${X}`), reason: 'launch', word: 'shipped', urls: [X] },
  { name: 'other channel', msg: msg(`Just shipped ${X}`, { channelId: '100000000000000011' }), reason: 'other-channel' },
  { name: 'thread of the launch channel has its own id', msg: msg(`Just shipped ${X}`, { channelId: '100000000000000012' }), reason: 'other-channel' },
  { name: 'own message (checked before bot-author)', msg: msg(`Just shipped ${X}`, { authorId: BOT, authorIsBot: true }), reason: 'own-message' },
  { name: 'other bot', msg: msg(`Just shipped ${X}`, { authorIsBot: true }), reason: 'bot-author' },
  { name: 'webhook (its author is flagged bot too)', msg: msg(`Just shipped ${X}`, { webhookId: '5', authorIsBot: true }), reason: 'webhook' },
  { name: 'webhook id null means no webhook', msg: msg(`Just shipped ${X}`, { webhookId: null }), reason: 'launch', word: 'shipped' },
  { name: 'reply (type 19) counts', msg: msg(`Just shipped ${X}`, { type: 19 }), reason: 'launch', word: 'shipped' },
  { name: 'missing type counts as DEFAULT', msg: msg(`Just shipped ${X}`, { type: undefined }), reason: 'launch', word: 'shipped' },
  { name: 'pin notice (type 6) is a system message', msg: msg(`Just shipped ${X}`, { type: 6 }), reason: 'system-message' },
  { name: 'thread created (type 18) is a system message', msg: msg(`Just shipped ${X}`, { type: 18 }), reason: 'system-message' },
  // Length
  { name: 'empty content (no MESSAGE_CONTENT intent)', msg: msg(''), reason: 'empty-content' },
  { name: 'whitespace only', msg: msg('   \n '), reason: 'empty-content' },
  { name: 'too short', msg: msg('shipped!'), reason: 'too-short' },
  { name: 'length counts code points after trimming', msg: msg('   🚀🚀🚀 live x   '), reason: 'too-short' },
  { name: 'just long enough', msg: msg('live http://a'), reason: 'launch', word: 'live', urls: ['http://a'] },
  // URLs
  { name: 'no url', msg: msg('We shipped the new version today!'), reason: 'no-url' },
  { name: 'url only in a code block', msg: msg('shipped:\n```\nhttps://x.dev\n```'), reason: 'no-url' },
  { name: 'url only in inline code', msg: msg('shipped `https://x.dev` today'), reason: 'no-url' },
  { name: 'url only in double-backtick code', msg: msg('shipped ``https://x.dev`` today'), reason: 'no-url' },
  { name: 'url in an unclosed fence still counts', msg: msg(`shipped \`\`\` ${X}`), reason: 'launch', word: 'shipped', urls: [X] },
  { name: 'bare domain is not a url', msg: msg('shipped x.dev today, go see'), reason: 'no-url' },
  { name: 'scheme without host', msg: msg('shipped https:// soon ok'), reason: 'no-url' },
  { name: 'angle-bracket url', msg: msg(`Launched <${X}/app>`), reason: 'launch', word: 'launched', urls: [`${X}/app`] },
  { name: 'spoiler url counts', msg: msg(`Launched ||${X}||`), reason: 'launch', word: 'launched', urls: [X] },
  { name: 'trailing punctuation stripped', msg: msg(`Is it live? (${X}/a).`), reason: 'launch', word: 'live', urls: [`${X}/a`] },
  { name: 'exclamation after url', msg: msg(`Released ${X}!!`), reason: 'launch', word: 'released', urls: [X] },
  { name: 'markdown link text and url', msg: msg(`[ShipTrack](${X}) launched`), reason: 'launch', word: 'launched', urls: [X] },
  { name: 'urls deduplicated, order kept', msg: msg(`shipped ${X} and https://b.dev and ${X}`), reason: 'launch', word: 'shipped', urls: [X, 'https://b.dev'] },
  { name: 'uppercase scheme', msg: msg('SHIPPED HTTPS://X.DEV'), reason: 'launch', word: 'shipped', urls: ['HTTPS://X.DEV'] },
  // Words
  { name: 'no launch word', msg: msg(`Check out my thing ${X}`), reason: 'no-launch-word', urls: [X] },
  { name: 'word only inside the url host', msg: msg('Check this out https://live.example.com'), reason: 'no-launch-word' },
  { name: 'word only inside the url path', msg: msg('notes at https://x.dev/released/v2 ok'), reason: 'no-launch-word' },
  { name: 'word only in code', msg: msg(`look \`launched\` ${X}`), reason: 'no-launch-word' },
  { name: 'word only in a quoted line', msg: msg(`> I shipped ${X}\nnice one`), reason: 'no-url' },
  { name: 'quote line ignored, own words count', msg: msg(`> congrats\nI shipped ${X}`), reason: 'launch', word: 'shipped' },
  { name: 'everything after >>> ignored', msg: msg(`well\n>>> shipped ${X}\nmore`), reason: 'no-url' },
  { name: '>text without space is not a quote', msg: msg(`>shipped ${X}`), reason: 'launch', word: 'shipped' },
  { name: 'uppercase word', msg: msg(`WE LAUNCHED ${X}`), reason: 'launch', word: 'launched' },
  { name: 'word with punctuation', msg: msg(`Shipped! ${X}`), reason: 'launch', word: 'shipped' },
  { name: 'bold word', msg: msg(`**Launching** today: ${X}`), reason: 'launch', word: 'launching' },
  { name: 'italic underscore word', msg: msg(`_released_ ${X}`), reason: 'launch', word: 'released' },
  { name: 'prefix is not a whole word', msg: msg(`relaunch of ${X}`), reason: 'no-launch-word' },
  { name: 'hyphenated compound is not the word', msg: msg(`pre-launch list ${X}`), reason: 'no-launch-word' },
  { name: 'live-streaming is not live', msg: msg(`live-streaming at ${X}`), reason: 'no-launch-word' },
  { name: 'domain-like token is not the word', msg: msg(`see shipped.app and ${X}`), reason: 'no-launch-word' },
  { name: 'TLD is not the word', msg: msg(`my site example.live ${X}`), reason: 'no-launch-word' },
  { name: 'word at sentence end before a dot', msg: msg(`${X} is live.`), reason: 'launch', word: 'live' },
  { name: 'custom emoji named like a word', msg: msg(`<:shipped:123456> ${X}`), reason: 'no-launch-word' },
  { name: 'mention is not prose', msg: msg(`<@123> ${X} release notes`), reason: 'launch', word: 'release' },
  { name: 'emoji around the word', msg: msg(`🚀shipped🎉 ${X}`), reason: 'launch', word: 'shipped' },
  { name: 'non-ASCII letter glued to the word', msg: msg(`shippedé ${X}`), reason: 'no-launch-word' },
  { name: 'non-ASCII text with a word', msg: msg(`日本語のアプリ launched ${X}/日本`), reason: 'launch', word: 'launched', urls: [`${X}/日本`] },
  { name: 'not in the list (stems are not guessed)', msg: msg(`ships today ${X}`), reason: 'no-launch-word' },
];

for (const c of cases) {
  test(`detectLaunch: ${c.name}`, () => {
    const d = detectLaunch(c.msg, rules);
    assert.equal(d.reason, c.reason);
    assert.equal(d.launch, c.reason === 'launch');
    assert.equal(d.word, c.word);
    if (c.urls) assert.deepEqual(d.urls, c.urls);
    if (['other-channel', 'own-message', 'webhook', 'bot-author', 'system-message', 'empty-content', 'too-short', 'no-url'].includes(c.reason)) {
      assert.deepEqual(d.urls, []);
    }
  });
}

test('detectLaunch: table covers every reason', () => {
  const all: LaunchReason[] = ['other-channel', 'own-message', 'webhook', 'bot-author', 'system-message', 'empty-content',
    'too-short', 'no-url', 'no-launch-word', 'launch'];
  assert.deepEqual([...new Set(cases.map((c) => c.reason))].sort(), [...all].sort());
  assert.ok(cases.length >= 40);
});

test('detectLaunch: custom words, phrases and non-ASCII words', () => {
  const custom: LaunchRules = { ...rules, words: ['went live', 'lancé', 'v1.0'] };
  assert.equal(detectLaunch(msg(`We went\nlive ${X}`), custom).word, 'went live');
  assert.equal(detectLaunch(msg(`LANCÉ aujourd'hui ${X}`), custom).word, 'lancé');
  // Decomposed é (e + U+0301) still matches the composed configured word.
  assert.equal(detectLaunch(msg(`lance\u0301 hier ${X}`), custom).word, 'lancé');
  assert.equal(detectLaunch(msg(`v1.0 is out ${X}`), custom).word, 'v1.0');
  assert.equal(detectLaunch(msg(`v1x0 is out ${X}`), custom).reason, 'no-launch-word', 'the dot is literal');
  assert.equal(detectLaunch(msg(`shipped ${X}`), custom).reason, 'no-launch-word');
  assert.equal(detectLaunch(msg(`shipped ${X}`), { ...rules, words: [] }).reason, 'no-launch-word');
});

test('detectLaunch: minLength is configurable', () => {
  assert.equal(detectLaunch(msg(`shipped ${X}`), { ...rules, minLength: 100 }).reason, 'too-short');
  assert.equal(detectLaunch(msg(`shipped ${X}`), { ...rules, minLength: 1 }).reason, 'launch');
});

test('findLaunchWord returns the earliest whole word', () => {
  assert.equal(findLaunchWord('released and shipped', DEFAULT_LAUNCH_WORDS), 'released');
  assert.equal(findLaunchWord('relaunching', DEFAULT_LAUNCH_WORDS), undefined);
});

test('extractUrls ignores code and quotes, strips wrappers and punctuation', () => {
  assert.deepEqual(extractUrls('a `https://c.dev` ```\nhttps://d.dev\n``` <https://e.dev>, ||https://f.dev||.'), ['https://e.dev', 'https://f.dev']);
  assert.deepEqual(extractUrls('> https://quoted.dev\n(https://own.dev/x_(y))!'), ['https://own.dev/x_(y)']);
  assert.deepEqual(extractUrls('[t](https://a.dev), **https://b.dev**'), ['https://a.dev', 'https://b.dev']);
  assert.deepEqual(extractUrls('nothing'), []);
});

test('visibleText: the pass-through for text without code or quotes gives what the full pass gives', () => {
  // The full pass as it was before the shortcut (issue 14), kept here as the reference.
  const CODE = /```[\s\S]*?```|``[^`][\s\S]*?``|`[^`]+`/g;
  const reference = (content: string): string => {
    const kept: string[] = [];
    for (const line of content.replace(CODE, (m) => (m.startsWith('```') ? '\n' : ' ')).split(/\r\n|\r|\n/)) {
      if (/^[ \t]*>>> /.test(line)) break;
      if (!/^[ \t]*> /.test(line)) kept.push(line);
    }
    return kept.join('\n');
  };
  const pool = ['a', 'b', ' ', '\t', '\n', '\r', '\r\n', '`', '```', '>', '> ', '>>> ', 'https://x.dev', '🚀', '\u2028'];
  let seed = 7;
  const next = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed; };
  for (let n = 0; n < 20_000; n++) {
    let s = '';
    for (let k = next() % 12; k > 0; k--) s += pool[next() % pool.length];
    assert.equal(visibleText(s), reference(s), JSON.stringify(s));
  }
});

test('visibleText keeps words apart where code was removed', () => {
  assert.equal(visibleText('a`x`b'), 'a b');
  assert.equal(visibleText('keep\n> drop\n  > drop too\nkeep2'), 'keep\nkeep2');
});
