import type { ChallengeMethod } from './method-types.js';

/** What the token claims about a verified factor: the facts its `amr` and `acr` are decided from. */
export interface FactorAssurance {
  /** BE flag of the credential: it may be synced to a cloud keychain. */
  backupEligible?: boolean;
  /** The credential's attestation chains to a root FIDO metadata lists for its model (stored per credential). */
  attestationTrusted?: boolean;
}

/**
 * The `acr` values of MFA tokens, strongest first; a challenge may ask for a subset in `acr_values`.
 * - `phrh` phishing-resistant, hardware: an attested, device-bound hardware key (hardwareBound)
 * - `phr`  phishing-resistant: a WebAuthn credential; a request for it also needs user verification
 * - `mfa`  any factor
 */
export const ACR_VALUES = ['phrh', 'phr', 'mfa'] as const;
export type Acr = (typeof ACR_VALUES)[number];

/** A stored WebAuthn credential as the acr_values rules judge it. */
export interface CredentialStrength {
  method: 'webauthn_passkey' | 'webauthn_fido';
  attestationTrusted: boolean;
  backupEligible: boolean;
}

/**
 * The `acr` a factor achieves. `phrh` (phishing-resistant, hardware-protected key) needs proof that
 * the key lives in hardware: an attestation trusted through FIDO metadata, on a credential that is
 * not backup-eligible. BE=0 alone is the authenticator's own claim, so an unattested device-bound
 * passkey or security key is `phr`, like a synced passkey. TOTP and backup codes are `mfa`.
 *
 * | method                         | BE | attestation trusted | amr   | acr    |
 * |--------------------------------|----|---------------------|-------|--------|
 * | webauthn_fido / passkey        | 0  | yes                 | `hwk` | `phrh` |
 * | webauthn_fido / passkey        | 0  | no                  | `swk` | `phr`  |
 * | webauthn_fido / passkey        | 1  | either              | `swk` | `phr`  |
 * | totp                           |    |                     | `otp` | `mfa`  |
 * | backup_code                    |    |                     | `kba` | `mfa`  |
 */
export function achievedAcr(method: ChallengeMethod, assurance: FactorAssurance = {}): Acr {
  if (method === 'totp' || method === 'backup_code') return 'mfa';
  return hardwareBound(assurance) ? 'phrh' : 'phr';
}

/** The `phrh` rule: attested (attestation trusted by FIDO metadata) and device-bound (BE=0). */
export function hardwareBound(assurance: FactorAssurance): boolean {
  return assurance.attestationTrusted === true && assurance.backupEligible !== true;
}

/**
 * RFC 8176 `amr` and the `acr` (achievedAcr) for each way a challenge can be completed: `hwk` only
 * where acr is `phrh` (a key proven hardware-bound), `swk` for any other WebAuthn credential,
 * `otp` for TOTP, `kba` for a backup code (a pre-shared secret the user keeps). Every token also
 * says `method_type`, the exact method used.
 */
export function authenticationMethod(
  method: ChallengeMethod,
  assurance: FactorAssurance = {},
): { amr: string[]; acr: Acr } {
  const acr = achievedAcr(method, assurance);
  switch (method) {
    case 'webauthn_fido':
    case 'webauthn_passkey':
      return { amr: [acr === 'phrh' ? 'hwk' : 'swk'], acr };
    case 'totp':
      return { amr: ['otp'], acr };
    case 'backup_code':
      return { amr: ['kba'], acr };
  }
}

/** Whether an achieved acr meets one of the requested ones (a stronger value meets a weaker request). */
export function satisfiesAcr(achieved: Acr, requested: readonly string[] | null): boolean {
  if (!requested || requested.length === 0) return true;
  const rank = (a: string) => ACR_VALUES.indexOf(a as Acr);
  return requested.some((r) => rank(r) >= 0 && rank(achieved) <= rank(r));
}

/**
 * Whether a proof meets the challenge's acr_values. A request for `phr` also asks for user
 * verification: a security key that only proved presence meets `mfa` (and `phrh` when it is
 * attested and device-bound), not `phr`, although its token says `phr`.
 */
export function proofMeetsRequest(
  method: ChallengeMethod,
  assurance: FactorAssurance & { userVerified?: boolean },
  requested: readonly string[] | null,
): boolean {
  const acr = achievedAcr(method, assurance);
  return satisfiesAcr(acr === 'phr' && assurance.userVerified === false ? 'mfa' : acr, requested);
}

/** Whether a method that always yields `mfa` (TOTP, backup code) may answer the challenge. */
export function acceptsPlainMfa(requested: readonly string[] | null): boolean {
  return satisfiesAcr('mfa', requested);
}

/**
 * Whether a credential can meet the request, and whether it must verify the user to do so.
 * Passkeys always verify the user. A security key can meet `phr` only with user verification,
 * so it is offered for `phr` when it verified the user at enrollment.
 */
export function credentialQualification(
  c: CredentialStrength & { enrolledWithUv: boolean },
  requested: readonly string[] | null,
): { qualifies: boolean; needsUv: boolean } {
  const passkey = c.method === 'webauthn_passkey';
  if (hardwareBound(c) && satisfiesAcr('phrh', requested)) return { qualifies: true, needsUv: passkey };
  if (satisfiesAcr('mfa', requested)) return { qualifies: true, needsUv: passkey };
  return { qualifies: (passkey || c.enrolledWithUv) && satisfiesAcr('phr', requested), needsUv: true };
}

/** The notice of a 403 step_up_unavailable: what the user would need to hold. */
export function acrNeededNotice(requested: readonly string[]): string {
  const needs: Record<Acr, string> = {
    phrh: 'a hardware security key or device-bound passkey whose attestation is trusted (acr "phrh")',
    phr: 'a passkey, or a security key that checks a PIN or biometric (acr "phr")',
    mfa: 'any second factor: a passkey, security key, authenticator app or backup code (acr "mfa")',
  };
  const wanted = requested.map((r) => needs[r as Acr]).filter(Boolean);
  return `This step needs ${wanted.join(', or ')}, and none of your factors qualifies. Enroll one, then try again.`;
}
