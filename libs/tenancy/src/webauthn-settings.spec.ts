import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeOrigins, sharedRegistrableDomain, validateWebAuthnSettings } from './webauthn-settings.js';

const settings = (rp_id: string, origins: string[]) => ({ rp_id, rp_name: 'Example', origins });

describe('validateWebAuthnSettings', () => {
  it('accepts https origins on the rp id or its subdomains, and http://localhost', () => {
    assert.deepEqual(
      validateWebAuthnSettings(settings('example.com', ['https://example.com', 'https://app.example.com:8443'])),
      [],
    );
    assert.deepEqual(validateWebAuthnSettings(settings('localhost', ['http://localhost:3000'])), []);
    assert.deepEqual(validateWebAuthnSettings(settings('Example.COM', ['https://app.example.com'])), []);
  });

  it('names each bad field', () => {
    assert.deepEqual(
      validateWebAuthnSettings(settings('https://example.com', ['https://example.com'])).map((e) => e.field),
      ['webauthn.rp_id', 'webauthn.origins[0]'],
    );
    assert.deepEqual(
      validateWebAuthnSettings(settings('10.0.0.1', ['https://10.0.0.1'])).map((e) => e.field),
      ['webauthn.rp_id'],
    );
    const errors = validateWebAuthnSettings(
      settings('example.com', [
        'http://app.example.com',
        'https://evil.com',
        'not a url',
        'https://app.example.com/path',
      ]),
    );
    assert.deepEqual(errors, [
      { field: 'webauthn.origins[0]', reason: 'must use https (http is allowed only for localhost)' },
      { field: 'webauthn.origins[1]', reason: 'host must be example.com or a subdomain of it' },
      { field: 'webauthn.origins[2]', reason: 'must be an origin such as https://app.example.com' },
      { field: 'webauthn.origins[3]', reason: 'must be a bare origin (scheme, host and optional port)' },
    ]);
  });

  it('rejects a look-alike suffix that is not a subdomain', () => {
    assert.equal(validateWebAuthnSettings(settings('example.com', ['https://badexample.com'])).length, 1);
  });

  it('normalizes origins: trailing slash, case, duplicates', () => {
    assert.deepEqual(
      normalizeOrigins(['https://App.Example.com/', 'https://app.example.com', 'https://example.com:443']),
      ['https://app.example.com', 'https://example.com'],
    );
  });
});

describe('sharedRegistrableDomain', () => {
  it('is the registrable domain every host shares, public-suffix aware', () => {
    assert.equal(sharedRegistrableDomain(['app.acme.com', 'admin.acme.com']), 'acme.com');
    assert.equal(sharedRegistrableDomain(['acme.com', 'login.acme.com']), 'acme.com');
    assert.equal(sharedRegistrableDomain(['shop.example.co.uk', 'example.co.uk']), 'example.co.uk');
    assert.equal(sharedRegistrableDomain(['App.Acme.COM']), 'acme.com');
    assert.equal(sharedRegistrableDomain(['localhost', 'localhost']), 'localhost');
  });

  it('is null when there is none: other sites, private suffixes, IP addresses, nothing', () => {
    assert.equal(sharedRegistrableDomain(['app.acme.com', 'app.globex.com']), null);
    assert.equal(sharedRegistrableDomain(['a.github.io', 'b.github.io']), null);
    assert.equal(sharedRegistrableDomain(['10.0.0.5']), null);
    assert.equal(sharedRegistrableDomain(['localhost', 'app.acme.com']), null);
    assert.equal(sharedRegistrableDomain([]), null);
  });
});
