import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findUnsafeField, hasUnsafeCharacters } from './unsafe-characters.js';

// The definition, as a regular expression: U+0000, or a surrogate without its pair.
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const DEFINITION = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('unsafe characters', () => {
  it('are U+0000 and unpaired surrogates, exactly as the definition says', () => {
    const pieces = ['a', 'é', '\u0000', '\uD83D', '\uDE00', '\uD83D\uDE00', '\uFFFF', '\u0001', 'zz'];
    // Every string of up to four pieces, and then some longer random ones.
    const strings: string[] = [''];
    for (let length = 1; length <= 4; length++) {
      const next: string[] = [];
      for (const s of strings.filter((x) => x.length >= length - 1)) for (const p of pieces) next.push(s + p);
      strings.push(...next);
    }
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 2000; i++) {
      let s = '';
      for (let j = 0; j < 40; j++) s += pieces[Math.floor(random() * pieces.length)];
      strings.push(s);
    }
    let unsafe = 0;
    for (const s of strings) {
      const expected = DEFINITION.test(s);
      assert.equal(hasUnsafeCharacters(s), expected, JSON.stringify(s));
      if (expected) unsafe++;
    }
    assert.ok(unsafe > 100 && unsafe < strings.length - 100, 'the corpus has both kinds');
  });

  it('are found by the path of the first field that holds them, keys included', () => {
    const body = {
      device_name: 'Laptop',
      credential: { id: 'abc', response: { transports: ['usb', 'nf\u0000c'] } },
      later: '\uD800',
    };
    assert.equal(findUnsafeField(body), 'credential.response.transports[1]');
    assert.equal(findUnsafeField(body, 'body'), 'body.credential.response.transports[1]');
    assert.equal(findUnsafeField({ ok: 'fine', ['bad\uDC00key']: 1 }), 'bad\uDC00key');
    assert.equal(findUnsafeField([['x', '\u0000']]), '[0][1]');
    assert.equal(findUnsafeField('\u0000'), 'value');
    assert.equal(findUnsafeField('\u0000', 'id'), 'id');
    assert.equal(findUnsafeField({ a: ['fine', { b: 'fine' }], c: 3, d: null, e: '\uD83D\uDE00' }), null);
    const withProto = JSON.parse('{"__proto__": {"x": "\\u0000"}}') as unknown;
    assert.equal(findUnsafeField(withProto), '__proto__.x');
  });
});
