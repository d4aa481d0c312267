import type { WebAuthnCredentialEntity } from '#persistence';
import type { PolicyAttrValue } from '#policy';
import type { WebAuthnMethodType } from '../shared/method-types.js';
import type { AttestationAssessment } from '../metadata/attestation.assessor.js';
import type { VerifiedAuthenticator } from '../webauthn/registration.verifier.js';

/** The Cedar `Tessera::Authenticator` of a registration being completed (complete_enrollment). */
export function enrollingAuthenticatorAttrs(
  v: VerifiedAuthenticator,
  methodType: WebAuthnMethodType,
  a: AttestationAssessment,
): Record<string, PolicyAttrValue> {
  return {
    method_type: methodType,
    aaguid: v.aaguid,
    user_verified: v.userVerified,
    backup_eligible: v.backupEligible,
    backed_up: v.backedUp,
    attachment: v.attachment,
    attestation_format: v.attestationFormat,
    transports: v.transports,
    attestation_trusted: a.trusted,
    ...(a.untrustedReason ? { untrusted_reason: a.untrustedReason } : {}),
    ...(a.certificationLevel ? { certification_level: a.certificationLevel } : {}),
    ...(a.model ? { model: a.model } : {}),
    ...(v.credPropsRk !== null ? { cred_props_rk: v.credPropsRk } : {}),
  };
}

/**
 * The Cedar `Tessera::Authenticator` of a stored credential being used (verify_factor): the flags of
 * this assertion, and the trust assessment stored with the credential (re-judged when metadata
 * changes), so rules like "only trusted security keys sign in to admin" can be written.
 */
export function storedAuthenticatorAttrs(
  c: WebAuthnCredentialEntity,
  assertion: { userVerified: boolean; backedUp: boolean },
): Record<string, PolicyAttrValue> {
  return {
    method_type: c.methodType,
    aaguid: c.aaguid,
    user_verified: assertion.userVerified,
    backup_eligible: c.backupEligible,
    backed_up: assertion.backedUp,
    attachment: c.attachment === 'unknown' ? '' : c.attachment,
    attestation_format: c.attestationFormat,
    transports: c.transports,
    attestation_trusted: c.attestationTrusted,
    ...(c.untrustedReason ? { untrusted_reason: c.untrustedReason } : {}),
    ...(c.certificationLevel ? { certification_level: c.certificationLevel } : {}),
    ...(c.model ? { model: c.model } : {}),
    ...(c.credPropsRk !== null ? { cred_props_rk: c.credPropsRk } : {}),
    ...(c.modelStatus ? { model_status: c.modelStatus } : {}),
  };
}
