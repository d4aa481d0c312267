import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiKeyMatches, generateApiKey, hashApiKey, parseApiKeyPrefix, safeEqual } from './api-key.js';

describe('API keys', () => {
  it('are tsk_<prefix>_<secret> with 256 random bits, stored only as a SHA-256 hash', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    assert.match(a.key, /^tsk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.key, b.key);
    assert.notEqual(a.prefix, b.prefix);
    assert.equal(a.hash, hashApiKey(a.key));
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.ok(!a.hash.includes(a.key.split('_')[2]));
  });

  it('parses the prefix of a well-formed key only', () => {
    const { key, prefix } = generateApiKey();
    assert.equal(parseApiKeyPrefix(key), prefix);
    assert.equal(parseApiKeyPrefix(`${key}x`), null);
    assert.equal(parseApiKeyPrefix('tsk_short_secret'), null);
    assert.equal(parseApiKeyPrefix(''), null);
  });

  it('matches the whole key against the stored hash', () => {
    const { key, hash } = generateApiKey();
    assert.equal(apiKeyMatches(key, hash), true);
    const tampered = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    assert.equal(apiKeyMatches(tampered, hash), false);
    assert.equal(apiKeyMatches(key, 'not-hex'), false);
  });

  it('safeEqual compares strings of any length', () => {
    assert.equal(safeEqual('platform-key', 'platform-key'), true);
    assert.equal(safeEqual('platform-key', 'platform-ke'), false);
    assert.equal(safeEqual('', 'x'), false);
  });
});
