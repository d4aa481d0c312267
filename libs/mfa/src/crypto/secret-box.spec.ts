import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '#config';
import { open, seal, SecretBoxError } from './secret-box.js';
import { resolveMfaEncryptionKey } from './encryption-key.js';

describe('secret box', () => {
  const key = randomBytes(32);

  it('round-trips and never contains the plaintext', () => {
    const sealed = seal(key, 'JBSWY3DPEHPK3PXP', 'totp:t:1');
    assert.match(sealed, /^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'));
    assert.equal(open(key, sealed, 'totp:t:1'), 'JBSWY3DPEHPK3PXP');
    assert.notEqual(seal(key, 'x', 'a'), seal(key, 'x', 'a'), 'fresh IV each time');
  });

  it('refuses another key, another AAD, and any tampering', () => {
    const sealed = seal(key, 'secret', 'totp:t:1');
    assert.throws(() => open(randomBytes(32), sealed, 'totp:t:1'), SecretBoxError);
    assert.throws(() => open(key, sealed, 'totp:t:2'), SecretBoxError);
    const [v, iv, tag, ct] = sealed.split('.');
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] ^= 1;
    assert.throws(() => open(key, [v, iv, tag, flipped.toString('base64url')].join('.'), 'totp:t:1'), SecretBoxError);
    assert.throws(() => open(key, `v2.${iv}.${tag}.${ct}`, 'totp:t:1'), SecretBoxError);
    assert.throws(() => open(key, 'garbage', 'totp:t:1'), SecretBoxError);
  });
});

describe('resolveMfaEncryptionKey', () => {
  it('uses the configured key', () => {
    const hex = randomBytes(32).toString('hex');
    const config = loadConfig({ NODE_ENV: 'test', MFA_ENCRYPTION_KEY: hex, DATABASE_URL: 'sqlite::memory:' });
    assert.equal(resolveMfaEncryptionKey(config).toString('hex'), hex);
  });

  it('in dev mode generates one key file (0600) and keeps it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-key-'));
    try {
      const config = loadConfig({ NODE_ENV: 'development', DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}` });
      const first = resolveMfaEncryptionKey(config);
      assert.equal(first.length, 32);
      assert.equal(statSync(join(dir, 'mfa-encryption-key')).mode & 0o777, 0o600);
      assert.deepEqual(resolveMfaEncryptionKey(config), first);
      assert.equal(Buffer.from(readFileSync(join(dir, 'mfa-encryption-key'), 'utf8'), 'base64url').length, 32);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
