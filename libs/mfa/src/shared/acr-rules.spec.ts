import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  acceptsPlainMfa,
  acrNeededNotice,
  credentialQualification,
  hardwareBound,
  proofMeetsRequest,
  satisfiesAcr,
} from './acr-rules.js';

const key = (o: Partial<{ attestationTrusted: boolean; backupEligible: boolean; enrolledWithUv: boolean }> = {}) => ({
  method: 'webauthn_fido' as const,
  attestationTrusted: false,
  backupEligible: false,
  enrolledWithUv: false,
  ...o,
});
const passkey = (o: Partial<{ attestationTrusted: boolean; backupEligible: boolean }> = {}) => ({
  ...key({ enrolledWithUv: true, ...o }),
  method: 'webauthn_passkey' as const,
});

describe('acr rules', () => {
  it('phrh needs trusted attestation and BE=0, nothing less', () => {
    assert.equal(hardwareBound({ attestationTrusted: true, backupEligible: false }), true);
    assert.equal(hardwareBound({ attestationTrusted: true, backupEligible: true }), false);
    assert.equal(hardwareBound({ attestationTrusted: false, backupEligible: false }), false);
  });

  it('a proof meets the request by its acr; a "phr" request also needs user verification', () => {
    const attested = { attestationTrusted: true, backupEligible: false };
    assert.equal(proofMeetsRequest('webauthn_fido', { ...attested, userVerified: false }, ['phrh']), true);
    assert.equal(
      proofMeetsRequest('webauthn_fido', { ...attested, userVerified: false }, ['phr']),
      true,
      'phrh meets phr',
    );
    assert.equal(
      proofMeetsRequest('webauthn_fido', { attestationTrusted: false, backupEligible: false, userVerified: false }, [
        'phr',
      ]),
      false,
    );
    assert.equal(
      proofMeetsRequest('webauthn_fido', { attestationTrusted: false, backupEligible: false, userVerified: true }, [
        'phr',
      ]),
      true,
    );
    assert.equal(
      proofMeetsRequest('webauthn_fido', { attestationTrusted: false, backupEligible: false, userVerified: false }, [
        'mfa',
      ]),
      true,
    );
    assert.equal(
      proofMeetsRequest('webauthn_passkey', { attestationTrusted: false, backupEligible: true, userVerified: true }, [
        'phrh',
      ]),
      false,
    );
    assert.equal(proofMeetsRequest('totp', {}, ['phr']), false);
    assert.equal(proofMeetsRequest('totp', {}, null), true);
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
    assert.deepEqual(credentialQualification(key({ attestationTrusted: true }), ['phrh']), {
      qualifies: true,
      needsUv: false,
    });
    assert.deepEqual(credentialQualification(passkey({ backupEligible: true }), ['phrh']), {
      qualifies: false,
      needsUv: true,
    });
    assert.deepEqual(credentialQualification(passkey({ backupEligible: true }), ['phr']), {
      qualifies: true,
      needsUv: true,
    });
    assert.deepEqual(
      credentialQualification(key(), ['phr']),
      { qualifies: false, needsUv: true },
      'never verified the user',
    );
    assert.deepEqual(credentialQualification(key({ enrolledWithUv: true }), ['phr']), {
      qualifies: true,
      needsUv: true,
    });
    assert.deepEqual(credentialQualification(key(), null), { qualifies: true, needsUv: false });
  });

  it('the notice names what is needed', () => {
    assert.match(acrNeededNotice(['phrh']), /security key or device-bound passkey whose attestation is trusted/);
    assert.match(acrNeededNotice(['phrh', 'phr']), /trusted \(acr "phrh"\), or a passkey/);
  });
});
