// A tiny, strict XML reader for the tests of the Atom feeds (src/site/atom.ts): enough of XML 1.0
// (www.w3.org/TR/xml/) to prove a document well-formed: one root, matched and nested tags, quoted
// attributes without '<', no raw '&' outside the five predefined and numeric references, only XML
// characters. Throws naming the offset of the first problem; returns the element tree.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (entities decoded), children's text excluded. */
  text: string;
}

const NAME = /^[A-Za-z_][-A-Za-z0-9_.:]*/;
// Chars XML 1.0 allows: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
const BAD_CHAR = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

function decode(raw: string, at: number): string {
  if (/<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) throw new Error(`raw < or unescaped & in text or attribute near offset ${at}: ${JSON.stringify(raw.slice(0, 80))}`);
  return raw.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'"
      : String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : Number(e.slice(1))));
}

export function parseXml(doc: string): XmlElement {
  const bad = BAD_CHAR.exec(doc);
  if (bad) throw new Error(`character U+${bad[0].codePointAt(0)!.toString(16).padStart(4, '0')} is not allowed in XML (offset ${bad.index})`);
  let i = 0;
  if (doc.startsWith('<?xml')) {
    const end = doc.indexOf('?>');
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt < 0 ? doc.length : lt);
    if (stack.length === 0) {
      if (text.trim() !== '') throw new Error(`text outside the root element at offset ${i}`);
    } else {
      stack.at(-1)!.text += decode(text, i);
    }
    if (lt < 0) break;
    i = lt;
    if (doc.startsWith('</', i)) {
      const m = /^<\/([^\s>]+)\s*>/.exec(doc.slice(i));
      const open = stack.pop();
      if (!m || !open || open.name !== m[1]) throw new Error(`mismatched end tag at offset ${i}: ${doc.slice(i, i + 30)} (open: ${open?.name})`);
      i += m[0].length;
      continue;
    }
    if (doc.startsWith('<!--', i)) { i = doc.indexOf('-->', i) + 3; continue; }
    const name = NAME.exec(doc.slice(i + 1));
    if (!name) throw new Error(`bad tag at offset ${i}: ${doc.slice(i, i + 30)}`);
    i += 1 + name[0].length;
    const el: XmlElement = { name: name[0], attrs: {}, children: [], text: '' };
    for (;;) {
      const ws = /^\s*/.exec(doc.slice(i))![0];
      i += ws.length;
      if (doc.startsWith('/>', i)) { i += 2; break; }
      if (doc[i] === '>') { i += 1; stack.push(el); break; }
      const attr = /^([A-Za-z_][-A-Za-z0-9_.:]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(doc.slice(i));
      if (!attr || ws === '') throw new Error(`bad attribute at offset ${i}: ${doc.slice(i, i + 30)}`);
      if (attr[1]! in el.attrs) throw new Error(`duplicate attribute ${attr[1]} at offset ${i}`);
      el.attrs[attr[1]!] = decode(attr[3] ?? attr[4] ?? '', i);
      i += attr[0].length;
    }
    if (stack.length === 0 || (stack.length === 1 && stack[0] === el)) {
      if (root) throw new Error(`second root element at offset ${i}`);
      root = el;
    } else {
      const parent = stack.at(-1) === el ? stack.at(-2)! : stack.at(-1)!;
      parent.children.push(el);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed element <${stack.at(-1)!.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Direct children named `name`. */
export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The one direct child named `name` (throws when there is none or more than one). */
export function child(el: XmlElement, name: string): XmlElement {
  const found = children(el, name);
  if (found.length !== 1) throw new Error(`<${el.name}> has ${found.length} <${name}>, expected 1`);
  return found[0]!;
}
