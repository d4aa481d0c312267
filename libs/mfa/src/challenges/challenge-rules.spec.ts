import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsPlainMfa, acrNeededNotice, authenticationMethod, credentialQualification, isAttestedDeviceBound, satisfiesAcr } from './challenge-rules.js';

const key = (o: Partial<{ attestationTrusted: boolean; backupEligible: boolean; enrolledWithUv: boolean }> = {}) => ({
  method: 'webauthn_fido' as const,
  attestationTrusted: false,
  backupEligible: false,
  enrolledWithUv: false,
  ...o,
});
const passkey = (o: Partial<{ attestationTrusted: boolean; backupEligible: boolean }> = {}) => ({ ...key({ enrolledWithUv: true, ...o }), method: 'webauthn_passkey' as const });

describe('acr rules', () => {
  it('phrh needs trusted attestation and BE=0, nothing less', () => {
    assert.equal(isAttestedDeviceBound({ attestationTrusted: true, backupEligible: false }), true);
    assert.equal(isAttestedDeviceBound({ attestationTrusted: true, backupEligible: true }), false);
    assert.equal(isAttestedDeviceBound({ attestationTrusted: false, backupEligible: false }), false);
  });

  it('amr/acr achieved per proof', () => {
    assert.deepEqual(authenticationMethod('webauthn_fido', { ...key({ attestationTrusted: true }), userVerified: false }), { amr: ['hwk'], acr: 'phrh' });
    assert.deepEqual(authenticationMethod('webauthn_passkey', { ...passkey(), userVerified: true }), { amr: ['hwk'], acr: 'phr' }, 'BE=0 but unattested');
    assert.deepEqual(authenticationMethod('webauthn_passkey', { ...passkey({ backupEligible: true, attestationTrusted: true }), userVerified: true }), { amr: ['swk'], acr: 'phr' });
    assert.deepEqual(authenticationMethod('webauthn_fido', { ...key(), userVerified: false }), { amr: ['hwk'], acr: 'mfa' });
    assert.deepEqual(authenticationMethod('webauthn_fido', { ...key(), userVerified: true }), { amr: ['hwk'], acr: 'phr' });
    assert.deepEqual(authenticationMethod('totp'), { amr: ['otp'], acr: 'mfa' });
    assert.deepEqual(authenticationMethod('backup_code'), { amr: ['kba'], acr: 'mfa' });
  });

  it('a stronger acr meets a weaker request; nothing requested accepts anything', () => {
    assert.equal(satisfiesAcr('phrh', ['phr']), true);
    assert.equal(satisfiesAcr('phr', ['phrh']), false);
    assert.equal(satisfiesAcr('mfa', ['phrh', 'phr']), false);
    assert.equal(satisfiesAcr('mfa', ['phrh', 'mfa']), true);
    assert.equal(satisfiesAcr('mfa', null), true);
    assert.equal(acceptsPlainMfa(['phr']), false);
    assert.equal(acceptsPlainMfa(['mfa']), true);
  });

  it('which credentials are offered, and whether they must verify the user', () => {
    assert.deepEqual(credentialQualification(key({ attestationTrusted: true }), ['phrh']), { qualifies: true, needsUv: false });
    assert.deepEqual(credentialQualification(passkey({ backupEligible: true }), ['phrh']), { qualifies: false, needsUv: true });
    assert.deepEqual(credentialQualification(passkey({ backupEligible: true }), ['phr']), { qualifies: true, needsUv: true });
    assert.deepEqual(credentialQualification(key(), ['phr']), { qualifies: false, needsUv: true }, 'never verified the user');
    assert.deepEqual(credentialQualification(key({ enrolledWithUv: true }), ['phr']), { qualifies: true, needsUv: true });
    assert.deepEqual(credentialQualification(key(), null), { qualifies: true, needsUv: false });
  });

  it('the notice names what is needed', () => {
    assert.match(acrNeededNotice(['phrh']), /security key or device-bound passkey whose attestation is trusted/);
    assert.match(acrNeededNotice(['phrh', 'phr']), /trusted \(acr "phrh"\), or a passkey/);
  });
});
