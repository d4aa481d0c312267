import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseQuery } from 'node:querystring';
import { stripProtoKeys } from '@nestjs/common/utils/strip-proto-keys.util.js';
import { stripPrototypeKeys } from './prototype-keys.js';

/** Request values as the body parser and the query parser hand them over. */
function samples(): unknown[] {
  const cyclic: Record<string, unknown> = { name: 'a' };
  cyclic.self = cyclic;
  return [
    JSON.parse('{"__proto__": {"admin": true}, "name": "x"}'),
    JSON.parse('{"a": {"b": [{"__proto__": {"x": 1}}, {"constructor": {"prototype": {"y": 2}}}]}}'),
    JSON.parse('{"constructor": "text", "prototype": 1, "keep": {"constructor": null}}'),
    JSON.parse('[{"__proto__": []}, [{"constructor": 0}], 3, "s", null]'),
    JSON.parse('{"credential": {"id": "abc", "response": {"clientDataJSON": "e30", "transports": ["usb"]}}}'),
    parseQuery('constructor=x&__proto__=y&prototype=z&ok=1'),
    { when: new Date(0), bytes: new Uint8Array([1, 2]), pattern: /x/, list: new Map([['constructor', 1]]) },
    cyclic,
    'plain string',
    42,
    null,
  ];
}

/** Own keys and values all the way down, so a key left behind (even `__proto__`) shows. */
function shape(value: unknown, seen = new Set<unknown>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '<cycle>';
  seen.add(value);
  // A built-in is left whole by both walks: its kind stands for it.
  if (value instanceof Date || value instanceof RegExp || value instanceof Map || ArrayBuffer.isView(value))
    return Object.prototype.toString.call(value);
  return Reflect.ownKeys(value).map((key) => [String(key), shape((value as Record<PropertyKey, unknown>)[key], seen)]);
}

describe('stripPrototypeKeys: the prototype keys Nest strips, stripped alike', () => {
  it('leaves every request value exactly as Nest’s own walk leaves it', () => {
    const ours = samples();
    const nest = samples();
    ours.forEach((value) => stripPrototypeKeys(value));
    nest.forEach((value) => stripProtoKeys(value));
    for (let i = 0; i < ours.length; i++) assert.deepEqual(shape(ours[i]), shape(nest[i]), `sample ${i}`);
  });

  it('removes __proto__, prototype and constructor at any depth and keeps everything else', () => {
    const value = JSON.parse('{"a": [{"__proto__": {"x": 1}, "b": 1}], "constructor": {}, "prototype": 2, "c": 3}');
    stripPrototypeKeys(value);
    assert.deepEqual(shape(value), shape({ a: [{ b: 1 }], c: 3 }));
    assert.equal(Object.getPrototypeOf(value.a[0]), Object.prototype);
  });
});
