/**
 * A small, strict XML 1.0 well-formedness parser for tests (no XML package is installed).
 * Handles the XML declaration, elements, attributes (no duplicates, quoted, normalised), the five
 * predefined entities and character references, text, CDATA, comments and processing
 * instructions. Rejects what a real parser rejects in those: mismatched or unclosed tags, a raw
 * `<` or `&` in text or attribute values, undefined entities, characters XML 1.0 forbids, `]]>`
 * in text, more than one root element, and content after the root. DOCTYPE is not supported
 * (rejected), which is fine for JUnit reports.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

export interface XmlDocument {
  declaration: { version: string; encoding?: string; standalone?: string } | null;
  root: XmlElement;
}

export class XmlError extends Error {
  constructor(message: string, readonly offset: number, src: string) {
    const before = src.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    super(`${message} at line ${line}, column ${column}`);
    this.name = 'XmlError';
  }
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NAME = /[A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD][-A-Za-z0-9_:.\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F-\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]*/y;

/** XML 1.0 `Char`: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** Parse `src`; throws XmlError on anything that is not well-formed. */
export function parseXml(src: string): XmlDocument {
  let pos = 0;
  const fail = (message: string, at = pos): never => {
    throw new XmlError(message, at, src);
  };

  for (let i = 0; i < src.length; ) {
    const cp = src.codePointAt(i) as number;
    if (cp >= 0xd800 && cp <= 0xdfff) fail('lone surrogate', i);
    if (!isXmlChar(cp)) fail(`character U+${cp.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML 1.0`, i);
    i += cp > 0xffff ? 2 : 1;
  }

  const startsWith = (s: string): boolean => src.startsWith(s, pos);
  const expect = (s: string): void => {
    if (!startsWith(s)) fail(`expected ${JSON.stringify(s)}`);
    pos += s.length;
  };
  const skipSpace = (): boolean => {
    const start = pos;
    while (pos < src.length && ' \t\r\n'.includes(src[pos] as string)) pos++;
    return pos > start;
  };
  const name = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(src);
    if (!m) return fail('expected a name');
    pos += m[0].length;
    return m[0];
  };

  /** `&…;` at pos: the character(s) it stands for. */
  const reference = (): string => {
    const start = pos;
    expect('&');
    let out: string;
    if (startsWith('#x')) {
      pos += 2;
      const m = /^[0-9a-fA-F]+/.exec(src.slice(pos));
      if (!m) return fail('bad hexadecimal character reference', start);
      pos += m[0].length;
      const cp = parseInt(m[0], 16);
      if (!isXmlChar(cp)) return fail('character reference to a forbidden character', start);
      out = String.fromCodePoint(cp);
    } else if (startsWith('#')) {
      pos += 1;
      const m = /^[0-9]+/.exec(src.slice(pos));
      if (!m) return fail('bad decimal character reference', start);
      pos += m[0].length;
      const cp = parseInt(m[0], 10);
      if (!isXmlChar(cp)) return fail('character reference to a forbidden character', start);
      out = String.fromCodePoint(cp);
    } else {
      NAME.lastIndex = pos;
      const m = NAME.exec(src);
      if (!m) return fail('unescaped "&" (not the start of an entity reference)', start);
      pos += m[0].length;
      const value = PREDEFINED[m[0]];
      if (value === undefined) return fail(`undefined entity &${m[0]};`, start);
      out = value;
    }
    if (src[pos] !== ';') return fail('entity reference without ";" (unescaped "&"?)', start);
    pos++;
    return out;
  };

  const attrValue = (): string => {
    const quote = src[pos];
    if (quote !== '"' && quote !== "'") return fail('attribute value must be quoted');
    pos++;
    let value = '';
    for (;;) {
      if (pos >= src.length) return fail('unterminated attribute value');
      const c = src[pos] as string;
      if (c === quote) {
        pos++;
        return value;
      }
      if (c === '<') return fail('unescaped "<" in an attribute value');
      if (c === '&') value += reference();
      else {
        // Attribute-value normalisation: literal whitespace becomes a space.
        value += c === '\t' || c === '\n' || c === '\r' ? ' ' : c;
        pos++;
      }
    }
  };

  const comment = (): void => {
    expect('<!--');
    const end = src.indexOf('-->', pos);
    if (end < 0) fail('unterminated comment');
    if (src.slice(pos, end).includes('--') || src[end - 1] === '-') fail('"--" inside a comment');
    pos = end + 3;
  };

  const pi = (): void => {
    const start = pos;
    expect('<?');
    const target = name();
    if (target.toLowerCase() === 'xml') fail('XML declaration only allowed at the very start', start);
    const end = src.indexOf('?>', pos);
    if (end < 0) fail('unterminated processing instruction', start);
    if (end > pos && !skipSpace()) fail('expected space after processing instruction target');
    pos = end + 2;
  };

  /** Comments, PIs and whitespace outside the root element. */
  const misc = (): void => {
    for (;;) {
      skipSpace();
      if (startsWith('<!--')) comment();
      else if (startsWith('<?')) pi();
      else return;
    }
  };

  const element = (): XmlElement => {
    const start = pos;
    expect('<');
    const tag = name();
    const attrs: Record<string, string> = {};
    for (;;) {
      const spaced = skipSpace();
      if (startsWith('/>')) {
        pos += 2;
        return { name: tag, attrs, children: [] };
      }
      if (startsWith('>')) {
        pos += 1;
        break;
      }
      if (pos >= src.length) return fail(`unterminated start tag <${tag}>`, start);
      if (!spaced) return fail('expected whitespace before an attribute');
      const attrAt = pos;
      const attr = name();
      if (Object.prototype.hasOwnProperty.call(attrs, attr)) return fail(`duplicate attribute "${attr}"`, attrAt);
      skipSpace();
      expect('=');
      skipSpace();
      attrs[attr] = attrValue();
    }

    const children: (XmlElement | string)[] = [];
    let text = '';
    const flush = (): void => {
      if (text) children.push(text);
      text = '';
    };
    for (;;) {
      if (pos >= src.length) return fail(`<${tag}> is never closed`, start);
      if (startsWith('</')) {
        const endAt = pos;
        pos += 2;
        const closing = name();
        skipSpace();
        expect('>');
        if (closing !== tag) return fail(`mismatched end tag </${closing}> for <${tag}>`, endAt);
        flush();
        return { name: tag, attrs, children };
      }
      if (startsWith('<!--')) comment();
      else if (startsWith('<![CDATA[')) {
        pos += 9;
        const end = src.indexOf(']]>', pos);
        if (end < 0) return fail('unterminated CDATA section');
        text += src.slice(pos, end);
        pos = end + 3;
      } else if (startsWith('<?')) pi();
      else if (startsWith('<!')) return fail('declarations (<!…>) are not supported here');
      else if (startsWith('<')) {
        flush();
        children.push(element());
      } else if (startsWith('&')) text += reference();
      else if (startsWith(']]>')) return fail('"]]>" is not allowed in text');
      else {
        text += src[pos];
        pos++;
      }
    }
  };

  if (src.charCodeAt(0) === 0xfeff) pos = 1;
  let declaration: XmlDocument['declaration'] = null;
  if (/^<\?xml[ \t\r\n]/.test(src.slice(pos))) {
    pos += 5;
    const attrs: Record<string, string> = {};
    for (;;) {
      const spaced = skipSpace();
      if (startsWith('?>')) {
        pos += 2;
        break;
      }
      if (pos >= src.length) fail('unterminated XML declaration');
      if (!spaced) fail('expected whitespace in the XML declaration');
      const key = name();
      skipSpace();
      expect('=');
      skipSpace();
      if (Object.prototype.hasOwnProperty.call(attrs, key)) fail(`duplicate "${key}" in the XML declaration`);
      attrs[key] = attrValue();
    }
    const keys = Object.keys(attrs);
    const order = ['version', 'encoding', 'standalone'];
    if (keys[0] !== 'version') fail('the XML declaration must start with version', 0);
    if (keys.some((k, i) => !order.includes(k) || (i > 0 && order.indexOf(k) <= order.indexOf(keys[i - 1] as string)))) fail('bad pseudo-attributes in the XML declaration', 0);
    if (!/^1\.[0-9]+$/.test(attrs.version as string)) fail(`unsupported XML version ${attrs.version}`, 0);
    if (attrs.encoding !== undefined && !/^[A-Za-z][A-Za-z0-9._-]*$/.test(attrs.encoding)) fail('bad encoding name', 0);
    if (attrs.standalone !== undefined && !['yes', 'no'].includes(attrs.standalone)) fail('standalone must be yes or no', 0);
    declaration = { version: attrs.version as string, ...(attrs.encoding !== undefined ? { encoding: attrs.encoding } : {}), ...(attrs.standalone !== undefined ? { standalone: attrs.standalone } : {}) };
  }
  misc();
  if (startsWith('<!DOCTYPE')) fail('DOCTYPE is not supported');
  if (!startsWith('<')) fail(pos >= src.length ? 'no root element' : 'text before the root element');
  const root = element();
  misc();
  if (pos < src.length) fail(startsWith('<') ? 'more than one root element' : 'content after the root element');
  return { declaration, root };
}

/** Child elements, optionally only those named `name`. */
export function elements(el: XmlElement, name?: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string' && (name === undefined || c.name === name));
}

/** All text inside `el`, entities decoded. */
export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}
