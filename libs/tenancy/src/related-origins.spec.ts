import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveSettings, relatedOriginsDocument, validateWebAuthnSettings } from './webauthn-settings.js';

describe('related origins', () => {
  it('counts registrable-domain labels as browsers do (example.com and example.co.uk are one label)', () => {
    const base = { rp_id: 'example.com', rp_name: 'Example', origins: ['https://example.com'] };
    assert.deepEqual(
      validateWebAuthnSettings({
        ...base,
        related_origins: [
          'https://example.co.uk',
          'https://a.test',
          'https://b.test',
          'https://c.org',
          'https://d.net',
        ],
      }),
      [],
    );
    const six = validateWebAuthnSettings({
      ...base,
      related_origins: ['https://a.test', 'https://b.test', 'https://c.org', 'https://d.net', 'https://e.io'],
    });
    assert.equal(six.length, 1);
    assert.equal(six[0].field, 'webauthn.related_origins');
  });

  it('uses the public suffix list, private suffixes included', () => {
    const rp = (rp_id: string) => validateWebAuthnSettings({ rp_id, rp_name: 'x', origins: [`https://${rp_id}`] });
    assert.equal(rp('co.uk').length, 1);
    assert.equal(rp('github.io').length, 1);
    assert.deepEqual(rp('me.github.io'), []);
    assert.deepEqual(rp('localhost'), [], 'localhost is not under a public suffix but is allowed for development');
  });

  it('the document drops origins that would add a sixth label, keeping order', () => {
    const origins = [
      'https://a.com',
      'https://www.a.com',
      'https://b.com',
      'https://c.com',
      'https://d.com',
      'https://e.com',
      'https://f.com',
      'https://a.co.uk',
    ];
    assert.deepEqual(relatedOriginsDocument(origins), [
      'https://a.com',
      'https://www.a.com',
      'https://b.com',
      'https://c.com',
      'https://d.com',
      'https://e.com',
      'https://a.co.uk',
    ]);
  });

  it('effective settings fill the defaults', () => {
    assert.deepEqual(
      effectiveSettings({
        rp_id: 'x.com',
        rp_name: 'X',
        origins: ['https://x.com'],
        attestation: { webauthn_fido: 'none' },
      }).attestation,
      { webauthn_passkey: 'none', webauthn_fido: 'none' },
    );
  });
});
