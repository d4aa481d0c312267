import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authenticatorAttrs, type AuthenticatorFacts } from './authenticator-attributes.js';

const key: AuthenticatorFacts = {
  methodType: 'webauthn_fido',
  aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
  userVerified: true,
  backupEligible: false,
  backedUp: false,
  attachment: 'cross-platform',
  attestationFormat: 'packed',
  transports: ['usb', 'nfc'],
};

describe('authenticatorAttrs', () => {
  it('sends the required attributes of Tessera::Authenticator, and no attestation facts a factor does not have', () => {
    assert.deepEqual(authenticatorAttrs(key), {
      method_type: 'webauthn_fido',
      aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
      user_verified: true,
      backup_eligible: false,
      backed_up: false,
      attachment: 'cross-platform',
      attestation_format: 'packed',
      transports: ['usb', 'nfc'],
    });
  });

  it('adds the optional attributes only when known: false is known, null and "" are not', () => {
    const attrs = authenticatorAttrs({
      ...key,
      attestationTrusted: false,
      untrustedReason: 'chain',
      certificationLevel: 'FIDO_CERTIFIED_L1',
      model: 'YubiKey 5',
      credPropsRk: false,
      modelStatus: 'REVOKED',
    });
    assert.equal(attrs.attestation_trusted, false);
    assert.equal(attrs.untrusted_reason, 'chain');
    assert.equal(attrs.certification_level, 'FIDO_CERTIFIED_L1');
    assert.equal(attrs.model, 'YubiKey 5');
    assert.equal(attrs.cred_props_rk, false);
    assert.equal(attrs.model_status, 'REVOKED');
    const unknown = authenticatorAttrs({
      ...key,
      attestationTrusted: true,
      untrustedReason: null,
      certificationLevel: null,
      model: '',
      credPropsRk: null,
      modelStatus: null,
    });
    assert.deepEqual(
      Object.keys(unknown).filter((k) => !(k in authenticatorAttrs(key))),
      ['attestation_trusted'],
    );
  });
});
