/** The test-only XML parser is strict enough to catch a broken JUnit report. */
import assert from 'node:assert/strict';
import { XmlError, elements, parseXml, textOf } from './xml.js';

describe('test XML parser (strict well-formedness)', () => {
  it('parses the declaration, nested elements, attributes, entities, character references, CDATA and comments', () => {
    const doc = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?>\n<!-- report -->\n<a x="1 &lt; 2" y='it&apos;s'>\n  <b/>\n  <c z="&#65;&#x42;">t &amp; &quot;q&quot; &gt; <![CDATA[<raw & stuff>]]></c>\n</a>\n`,
    );
    assert.deepEqual(doc.declaration, { version: '1.0', encoding: 'UTF-8' });
    assert.equal(doc.root.name, 'a');
    assert.deepEqual(doc.root.attrs, { x: '1 < 2', y: "it's" });
    assert.deepEqual(elements(doc.root).map((e) => e.name), ['b', 'c']);
    const c = elements(doc.root, 'c')[0]!;
    assert.equal(c.attrs.z, 'AB');
    assert.equal(textOf(c), 't & "q" > <raw & stuff>');
  });

  it('normalises literal newlines in attribute values to spaces, as XML parsers do', () => {
    assert.equal(parseXml('<a m="x\ny"/>').root.attrs.m, 'x y');
  });

  const bad: [string, string, RegExp][] = [
    ['mismatched end tag', '<a><b></a></b>', /mismatched end tag <\/a> for <b>/],
    ['unclosed element', '<a><b></b>', /<a> is never closed/],
    ['raw < in text', '<a>1 < 2</a>', /expected a name/],
    ['raw & in text', '<a>fish & chips</a>', /unescaped "&"|without ";"/],
    ['raw < in an attribute', '<a m="<b>"/>', /unescaped "<" in an attribute/],
    ['raw & in an attribute', '<a m="a & b"/>', /unescaped "&"|without ";"/],
    ['undefined entity', '<a>&nbsp;</a>', /undefined entity &nbsp;/],
    ['unquoted attribute', '<a m=1/>', /must be quoted/],
    ['duplicate attribute', '<a m="1" m="2"/>', /duplicate attribute "m"/],
    ['attributes without whitespace', '<a m="1"n="2"/>', /expected whitespace/],
    ['two roots', '<a/><b/>', /more than one root/],
    ['text after the root', '<a/>x', /content after the root/],
    ['no root', '<?xml version="1.0"?>\n', /no root element/],
    ['declaration not at the start', '\n<?xml version="1.0"?><a/>', /only allowed at the very start/],
    ['forbidden control character', '<a>\x1b[31mred</a>', /U\+001B is not allowed/],
    ['character reference to a forbidden character', '<a>&#0;</a>', /forbidden character/],
    [']]> in text', '<a>x ]]> y</a>', /"]]>" is not allowed/],
    ['-- in a comment', '<a><!-- x -- y --></a>', /"--" inside a comment/],
  ];
  for (const [what, xml, message] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(() => parseXml(xml), (e: unknown) => e instanceof XmlError && message.test(e.message));
    });
  }
});
