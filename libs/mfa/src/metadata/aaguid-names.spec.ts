import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAaguidNames, SHIPPED_AAGUID_NAMES } from './aaguid-names.js';

describe('aaguid names', () => {
  it('keeps well-formed entries only, keyed by lower-case AAGUID; icons only as data: URLs', () => {
    const names = parseAaguidNames({
      aaguids: {
        'C3E9A1B5-7D2F-4C8E-A6B0-4F1D3E5C7A29': { name: ' Model X ', icon: 'data:image/png;base64,AAAA' },
        'a1c5e2f0-3b7d-4e59-8c21-6d0f9b4e7a13': { name: 'Model Y', icon: 'https://tracker.example/icon.png' },
        'not-a-uuid': { name: 'Nope' },
        'b7d2c4e8-1f3a-4b6c-9d0e-2a5f8c1e3b47': { name: '' },
      },
    });
    assert.deepEqual(
      [...names.entries()],
      [
        ['c3e9a1b5-7d2f-4c8e-a6b0-4f1d3e5c7a29', { name: 'Model X', icon: 'data:image/png;base64,AAAA' }],
        ['a1c5e2f0-3b7d-4e59-8c21-6d0f9b4e7a13', { name: 'Model Y' }],
      ],
    );
    assert.equal(parseAaguidNames(null).size, 0);
    assert.equal(parseAaguidNames({ aaguids: 'x' }).size, 0);
  });

  it('never names the all-zero AAGUID (it is no model)', () => {
    assert.equal(
      parseAaguidNames({ aaguids: { '00000000-0000-0000-0000-000000000000': { name: 'Anything' } } }).size,
      0,
    );
  });

  it('the shipped file names the common passkey providers (community list)', () => {
    const named = (aaguid: string) => SHIPPED_AAGUID_NAMES.get(aaguid)?.name;
    assert.equal(named('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4'), 'Google Password Manager');
    assert.equal(named('08987058-cadc-4b81-b6e1-30de50dcbe96'), 'Windows Hello');
    assert.equal(named('bada5566-a7aa-401f-bd96-45619a55120d'), '1Password');
    assert.equal(named('d548826e-79b4-db40-a3d8-11116f7e8349'), 'Bitwarden');
    assert.equal(named('fbfc3007-154e-4ecc-8c0b-6e020557d7bd'), 'Apple Passwords');
    assert.ok(SHIPPED_AAGUID_NAMES.size >= 40);
  });
});
