/** A challenge lives 5 minutes, dies after 5 wrong answers and succeeds once. */
export const CHALLENGE_TTL_MS = 300_000;
export const MAX_CHALLENGE_FAILURES = 5;
/** The longest `max_age` a challenge accepts (one day); anything from 300 s up leaves the 5-minute expiry as it is. */
export const MAX_CHALLENGE_MAX_AGE_SECONDS = 86_400;

export const CHALLENGE_PURPOSES = ['sign_in', 'step_up'] as const;
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number];

/** What can complete a challenge: a factor type, or a backup code. */
export const CHALLENGE_METHODS = ['webauthn_passkey', 'webauthn_fido', 'totp', 'backup_code'] as const;
export type ChallengeMethod = (typeof CHALLENGE_METHODS)[number];

/**
 * The `acr` values of MFA tokens, strongest first; a challenge may ask for a subset in `acr_values`.
 * - `phrh` phishing-resistant, hardware: an attested, device-bound hardware key (see isAttestedDeviceBound)
 * - `phr`  phishing-resistant: any WebAuthn credential whose assertion verified the user
 * - `mfa`  any second factor (TOTP, backup code, a security key without user verification)
 */
export const ACR_VALUES = ['phrh', 'phr', 'mfa'] as const;
export type Acr = (typeof ACR_VALUES)[number];

/** A WebAuthn credential as the acr rules judge it. */
export interface CredentialStrength {
  method: 'webauthn_passkey' | 'webauthn_fido';
  /** Enrollment's attestation chained to a root FIDO metadata lists for the model. */
  attestationTrusted: boolean;
  /** BE flag: the key may be synced to other devices. */
  backupEligible: boolean;
}

/**
 * The `phrh` rule: an attested (attestation trusted by FIDO metadata) device-bound (BE=0) key.
 * BE=0 alone is only the authenticator's own claim; trusted attestation is what backs it.
 */
export function isAttestedDeviceBound(c: { attestationTrusted: boolean; backupEligible: boolean }): boolean {
  return c.attestationTrusted && !c.backupEligible;
}

/**
 * RFC 8176 `amr` and the `acr` a proof achieves.
 * - `amr` says what kind of key answered: `hwk` for a security key or a passkey that reports
 *   BE=0, `swk` for a backup-eligible (syncable) passkey; TOTP `otp`; backup code `kba`
 * - `acr` is what Tessera vouches for: `phrh` only for an attested device-bound key
 *   (isAttestedDeviceBound), else `phr` when the assertion verified the user (every passkey),
 *   else `mfa` (a security key without UV, TOTP, backup codes)
 * Every token also says `method_type`, the exact method used.
 */
export function authenticationMethod(method: ChallengeMethod, webauthn?: CredentialStrength & { userVerified: boolean }): { amr: string[]; acr: Acr } {
  switch (method) {
    case 'webauthn_fido':
    case 'webauthn_passkey': {
      const amr = method === 'webauthn_passkey' && webauthn?.backupEligible ? ['swk'] : ['hwk'];
      if (webauthn && isAttestedDeviceBound(webauthn)) return { amr, acr: 'phrh' };
      return { amr, acr: webauthn?.userVerified ? 'phr' : 'mfa' };
    }
    case 'totp':
      return { amr: ['otp'], acr: 'mfa' };
    case 'backup_code':
      return { amr: ['kba'], acr: 'mfa' };
  }
}

/** Whether an achieved acr meets one of the requested ones (a stronger value meets a weaker request). */
export function satisfiesAcr(achieved: Acr, requested: readonly string[] | null): boolean {
  if (!requested || requested.length === 0) return true;
  const rank = (a: string) => ACR_VALUES.indexOf(a as Acr);
  return requested.some((r) => rank(r) >= 0 && rank(achieved) <= rank(r));
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
export function credentialQualification(c: CredentialStrength & { enrolledWithUv: boolean }, requested: readonly string[] | null): { qualifies: boolean; needsUv: boolean } {
  const passkey = c.method === 'webauthn_passkey';
  if (isAttestedDeviceBound(c) && satisfiesAcr('phrh', requested)) return { qualifies: true, needsUv: passkey };
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
