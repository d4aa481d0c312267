import type { PolicyAttrValue } from '#policy';

/**
 * What Cedar's `Tessera::Authenticator` tells a rule about a factor, whichever source describes
 * it: a registration being completed, a stored credential being used, or a TOTP factor.
 */
export interface AuthenticatorFacts {
  methodType: string;
  aaguid: string;
  userVerified: boolean;
  backupEligible: boolean;
  backedUp: boolean;
  attachment: string;
  attestationFormat: string;
  transports: readonly string[];
  /** Absent for a factor with nothing to attest (TOTP). */
  attestationTrusted?: boolean;
  untrustedReason?: string | null;
  certificationLevel?: string | null;
  model?: string | null;
  /** The client's credProps.rk at registration; null when it said nothing. */
  credPropsRk?: boolean | null;
  /** verify_factor only: the compromised status metadata reports for the model now. */
  modelStatus?: string | null;
}

/**
 * The attributes of `Tessera::Authenticator` (policies/schema.cedarschema), the resource of
 * complete_enrollment and of a WebAuthn verify_factor. Optional attributes are sent only when known.
 */
export function authenticatorAttrs(f: AuthenticatorFacts): Record<string, PolicyAttrValue> {
  return {
    method_type: f.methodType,
    aaguid: f.aaguid,
    user_verified: f.userVerified,
    backup_eligible: f.backupEligible,
    backed_up: f.backedUp,
    attachment: f.attachment,
    attestation_format: f.attestationFormat,
    transports: f.transports,
    ...(f.attestationTrusted !== undefined ? { attestation_trusted: f.attestationTrusted } : {}),
    ...(f.untrustedReason ? { untrusted_reason: f.untrustedReason } : {}),
    ...(f.certificationLevel ? { certification_level: f.certificationLevel } : {}),
    ...(f.model ? { model: f.model } : {}),
    ...(f.credPropsRk !== null && f.credPropsRk !== undefined ? { cred_props_rk: f.credPropsRk } : {}),
    ...(f.modelStatus ? { model_status: f.modelStatus } : {}),
  };
}
