import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonDepthExceeds } from './body-parsing.middleware.js';

describe('jsonDepthExceeds', () => {
  const deep = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));
  it('counts objects and arrays', () => {
    assert.equal(jsonDepthExceeds(deep(32), 32), false);
    assert.equal(jsonDepthExceeds(deep(33), 32), true);
    assert.equal(jsonDepthExceeds(Buffer.from('{"a":{"b":[{}]}}'), 3), true);
    assert.equal(jsonDepthExceeds(Buffer.from('{"a":{"b":[{}]}}'), 4), false);
  });
  it('ignores brackets inside strings, including escaped quotes', () => {
    assert.equal(jsonDepthExceeds(Buffer.from(JSON.stringify({ s: '[[[[[[[[' })), 1), false);
    assert.equal(jsonDepthExceeds(Buffer.from(JSON.stringify({ s: 'a\\"[[[[' })), 1), false);
    assert.equal(jsonDepthExceeds(Buffer.from(JSON.stringify({ s: '"', t: [[[]]] })), 3), true);
  });
});
