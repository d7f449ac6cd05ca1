import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeMarkdown, escapeUserText, neutraliseMentions, postableText, suppressLinkEmbeds } from '../../src/discord/escape.js';
import { findUrlSpans, firstLine, normaliseLine, truncateAtWord } from '../../src/text.js';

const Z = '\u200b';

const markdownCases: [name: string, input: string, expected: string][] = [
  ['plain text unchanged', 'ShipTrack v1.2 (beta)', 'ShipTrack v1.2 (beta)'],
  ['bold and italics', '**bold** *it*', '\\*\\*bold\\*\\* \\*it\\*'],
  ['underscore italics at word edges', '_it_ and __u__', '\\_it\\_ and \\_\\_u\\_\\_'],
  ['underscore inside a word stays', 'snake_case_name', 'snake_case_name'],
  ['strikethrough only when doubled', '~~gone~~ ~5 min', '\\~\\~gone\\~\\~ ~5 min'],
  ['spoiler only when doubled', '||secret|| a | b', '\\|\\|secret\\|\\| a | b'],
  ['inline code', '`rm -rf`', '\\`rm -rf\\`'],
  ['code fence', '```js\nx\n```', '\\`\\`\\`js\nx\n\\`\\`\\`'],
  ['backslash', 'C:\\path', 'C:\\\\path'],
  ['masked link brackets', '[click](https://evil.example)', '\\[click\\](https://evil.example)'],
  ['heading at line start', '# Big', '\\# Big'],
  ['h3 at line start after indent', '  ### Small', '  \\### Small'],
  ['hash mid-line stays', 'issue #12', 'issue #12'],
  ['hash without space stays', '#hashtag', '#hashtag'],
  ['subtext', '-# tiny', '\\-# tiny'],
  ['quote', '> quoted', '\\> quoted'],
  ['block quote', '>>> all of it', '\\>>> all of it'],
  ['gt mid-line stays', 'a > b', 'a > b'],
  ['dash list at line start', '- item', '\\- item'],
  ['plus list', '+ item', '\\+ item'],
  ['dash mid-line stays', 'a - b', 'a - b'],
  ['ordered list', '1. first\n12. twelfth', '1\\. first\n12\\. twelfth'],
  ['line starts on every line', 'a\n# b\n> c', 'a\n\\# b\n\\> c'],
  ['url left untouched', 'see https://x.dev/a_b*c*_/~~x~~/||y||/end', 'see https://x.dev/a_b*c*_/~~x~~/||y||/end'],
  ['markdown closers after a url are not part of it', '~~https://x.dev~~', '\\~\\~https://x.dev\\~\\~'],
  ['markdown around url escaped, url kept', '**https://x.dev**', '\\*\\*https://x.dev\\*\\*'],
  ['url at line start then heading next line', 'https://x.dev\n# h', 'https://x.dev\n\\# h'],
  ['emoji and non-ASCII untouched', 'café 🚀 日本語', 'café 🚀 日本語'],
];

for (const [name, input, expected] of markdownCases) {
  test(`escapeMarkdown: ${name}`, () => assert.equal(escapeMarkdown(input), expected));
}

const mentionCases: [name: string, input: string, expected: string][] = [
  ['@everyone', 'hi @everyone', `hi @${Z}everyone`],
  ['@here', '@here now', `@${Z}here now`],
  ['case-insensitive', '@EveryOne', `@${Z}EveryOne`],
  ['user', '<@123456789012345678>', `<@${Z}123456789012345678>`],
  ['user nickname form', '<@!123>', `<@!${Z}123>`],
  ['role', '<@&42>', `<@&${Z}42>`],
  ['channel', '<#42>', `<#${Z}42>`],
  ['slash command', '</ship:42>', `<${Z}/ship:42>`],
  ['slash subcommand', '</ship now:42>', `<${Z}/ship now:42>`],
  ['guild navigation', '<id:customize>', `<${Z}id:customize>`],
  ['email-like text untouched', 'me@example.com', 'me@example.com'],
  ['custom emoji untouched', '<:rocket:123>', '<:rocket:123>'],
  ['@here inside a URL untouched', 'https://x.dev/@here', 'https://x.dev/@here'],
];

for (const [name, input, expected] of mentionCases) {
  test(`neutraliseMentions: ${name}`, () => assert.equal(neutraliseMentions(input), expected));
}

const embedCases: [name: string, input: string, expected: string][] = [
  ['bare url', 'see https://x.dev now', 'see <https://x.dev> now'],
  ['already wrapped', 'see <https://x.dev>', 'see <https://x.dev>'],
  ['trailing punctuation outside', 'at https://x.dev.', 'at <https://x.dev>.'],
  ['two urls', 'https://a.dev https://b.dev', '<https://a.dev> <https://b.dev>'],
  ['parenthesised', '(https://x.dev)', '(<https://x.dev>)'],
  ['no url', 'nothing here', 'nothing here'],
];

for (const [name, input, expected] of embedCases) {
  test(`suppressLinkEmbeds: ${name}`, () => assert.equal(suppressLinkEmbeds(input), expected));
}

test('escapeUserText escapes markdown and neutralises mentions together', () => {
  assert.equal(escapeUserText('**@everyone** <@1> _hi_'), `\\*\\*@${Z}everyone\\*\\* <@${Z}1> \\_hi\\_`);
  assert.equal(
    escapeUserText('[x](https://e.dev) `@here`', { suppressEmbeds: true }),
    `\\[x\\](<https://e.dev>) \\\`@${Z}here\\\``,
  );
});

test('escapeUserText output contains no live mention or unescaped formatting', () => {
  const nasty = '@everyone @here <@1> <@!2> <@&3> <#4> </c:5> **b** __u__ ~~s~~ ||sp|| `c` ```f``` [m](https://e.dev) \\';
  const out = escapeUserText(nasty, { suppressEmbeds: true });
  assert.doesNotMatch(out, /@(everyone|here)/);
  assert.doesNotMatch(out, /<(@[!&]?|#|\/)\w/);
  assert.doesNotMatch(out, /(?<!\\)(\*\*|~~|\|\||`)/);
});

test('findUrlSpans handles punctuation, spoilers, masked links and emoji', () => {
  const urls = (t: string) => findUrlSpans(t).map((s) => s.url);
  assert.deepEqual(urls('(see https://en.wikipedia.org/wiki/Foo_(bar)).'), ['https://en.wikipedia.org/wiki/Foo_(bar)']);
  assert.deepEqual(urls('||https://s.dev|| **https://b.dev**'), ['https://s.dev', 'https://b.dev']);
  assert.deepEqual(urls('[https://a.dev](https://b.dev)'), ['https://a.dev', 'https://b.dev']);
  assert.deepEqual(urls('https://x.dev🎉🎉 _https://y.dev_ https://z.dev/a_'), ['https://x.dev', 'https://y.dev', 'https://z.dev/a_']);
  assert.deepEqual(urls('https:// and http://. and ftp://x.dev'), []);
  const [span] = findUrlSpans('go: <https://x.dev>');
  assert.deepEqual(span, { start: 5, end: 18, url: 'https://x.dev' });
});

test('firstLine skips blank lines and trims', () => {
  assert.equal(firstLine('\n  \n  hello world  \nsecond'), 'hello world');
  assert.equal(firstLine('a\r\nb'), 'a');
  assert.equal(firstLine('   \n\t'), '');
});

test('normaliseLine folds whitespace and drops controls, bidi overrides and lone surrogates', () => {
  assert.equal(normaliseLine(' a\n# b\t\tc\r\n'), 'a # b c');
  assert.equal(normaliseLine('evil\u202eolleh\u0007'), 'evilolleh');
  assert.equal(normaliseLine('x\ud800y'), 'x\ufffdy');
});

test('postableText: one line, controls and bidi stripped, mentions inert, markdown escaped, URLs whole', () => {
  assert.equal(postableText('evil\u202eolleh\u0007 **x**\n@here \u2066<@123>\u2069 https://x.dev/a_b'),
    `evilolleh \\*\\*x\\*\\* @${Z}here <@${Z}123> https://x.dev/a_b`);
  assert.equal(postableText('see https://x.dev/a_b\u0000!', { suppressEmbeds: true }), 'see <https://x.dev/a_b>!');
  const once = postableText('# a\tb\u202e');
  assert.equal(once, '\\# a b');
});

const truncateCases: [name: string, text: string, max: number, expected: string][] = [
  ['short text unchanged', 'hello', 10, 'hello'],
  ['exact length unchanged', 'hello', 5, 'hello'],
  ['cuts at last space', 'hello brave new world', 12, 'hello brave…'],
  ['cut already at a word end', 'hello brave new', 6, 'hello…'],
  ['long word hard-cut', 'a'.repeat(20), 10, 'aaaaaaaaa…'],
  ['space too early → hard cut', 'a ' + 'b'.repeat(30), 12, 'a bbbbbbbbb…'],
  ['never half an emoji', '🚀🚀🚀🚀', 4, '🚀…'],
  ['keeps ZWJ sequence whole or drops it', 'ab👩‍👩‍👧x', 6, 'ab…'],
];

for (const [name, text, max, expected] of truncateCases) {
  test(`truncateAtWord: ${name}`, () => {
    const out = truncateAtWord(text, max);
    assert.equal(out, expected);
    assert.ok(out.length <= max);
  });
}

test('truncateAtWord rejects a non-positive max', () => {
  assert.throws(() => truncateAtWord('x', 0), RangeError);
});

test('escapeMarkdown: the fast path for text with nothing to escape gives what the character-by-character pass gives', () => {
  // s + '*' always takes the full pass (a `*` is always escaped) and, on one line, escapes s exactly
  // as s alone is escaped; s alone takes the fast path whenever it has nothing to escape.
  const alphabet = ['a', 'B', '7', ' ', '\t', '.', '>', '#', '-', '+', '_', '~', '|', '`', '[', 'é', '🚀', '1.', '-#', 'x_y'];
  let seed = 42;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  for (let k = 0; k < 2000; k++) {
    let s = '';
    for (let n = rand(12); n > 0; n--) s += alphabet[rand(alphabet.length)];
    assert.equal(escapeMarkdown(`${s}*`), `${escapeMarkdown(s)}\\*`, JSON.stringify(s));
  }
  assert.equal(escapeMarkdown('Pocket Ledger 1.0 is out'), 'Pocket Ledger 1.0 is out');
  assert.equal(escapeMarkdown('  1. first'), '  1\\. first');
});

test('normaliseLine: text it would not change comes back as it is, and everything else takes the full pass', () => {
  const full = (t: string) => t.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/[\r\n\t]/g, ' ').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu, '')
    .replace(/\s+/gu, ' ').trim();
  const alphabet = ['a', 'Z', ' ', '  ', '\t', '\n', '\u00a0', '\u200b', '\u202e', '\u0007', '🚀', '\ud800', '\udc00', 'é', '.', '\u3000'];
  let seed = 7;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  for (let k = 0; k < 3000; k++) {
    let s = '';
    for (let n = rand(10); n > 0; n--) s += alphabet[rand(alphabet.length)];
    assert.equal(normaliseLine(s), full(s), JSON.stringify(s));
  }
});
