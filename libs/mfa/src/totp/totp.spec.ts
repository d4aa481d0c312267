import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateSync } from 'otplib';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';

const code = (secret: string, at: Date) => generateSync({ secret, epoch: Math.floor(at.getTime() / 1000) });

describe('totp', () => {
  it('makes 160-bit base32 secrets and an otpauth URI with the issuer', () => {
    const secret = newTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const uri = new URL(totpUri({ issuer: 'Acme Co', account: 'user-1', secret }));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), '/Acme Co:user-1');
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.equal(uri.searchParams.get('issuer'), 'Acme Co');
  });

  it('accepts the current step and one step either side, nothing further', () => {
    const secret = newTotpSecret();
    const now = new Date(1_800_000_000_000);
    const at = (s: number) => new Date(now.getTime() + s * 1000);
    const step = Math.floor(now.getTime() / 30_000);
    assert.equal(matchTotp(secret, code(secret, now), now, null), step);
    assert.equal(matchTotp(secret, code(secret, at(-30)), now, null), step - 1);
    assert.equal(matchTotp(secret, code(secret, at(30)), now, null), step + 1);
    assert.equal(matchTotp(secret, code(secret, at(-60)), now, null), null);
    assert.equal(matchTotp(secret, code(secret, at(60)), now, null), null);
    assert.equal(matchTotp(newTotpSecret(), code(secret, now), now, null), null);
  });

  it('never accepts a step at or before the last used one', () => {
    const secret = newTotpSecret();
    const now = new Date(1_800_000_000_000);
    const step = Math.floor(now.getTime() / 30_000);
    assert.equal(matchTotp(secret, code(secret, now), now, step), null);
    assert.equal(matchTotp(secret, code(secret, now), now, step - 1), step);
    assert.equal(matchTotp(secret, code(secret, new Date(now.getTime() - 30_000)), now, step - 1), null);
  });

  it('rejects anything but six digits', () => {
    const secret = newTotpSecret();
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 123456'])
      assert.equal(matchTotp(secret, bad, new Date(), null), null, bad);
  });
});
