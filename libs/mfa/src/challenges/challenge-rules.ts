/** A challenge lives 5 minutes, dies after 5 wrong answers and succeeds once. */
export const CHALLENGE_TTL_MS = 300_000;
export const MAX_CHALLENGE_FAILURES = 5;

export const CHALLENGE_PURPOSES = ['sign_in', 'step_up'] as const;
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number];

/** What can complete a challenge: a factor type, or a backup code. */
export const CHALLENGE_METHODS = ['webauthn_passkey', 'webauthn_fido', 'totp', 'backup_code'] as const;
export type ChallengeMethod = (typeof CHALLENGE_METHODS)[number];

/** What the token claims about a verified factor: the facts its `amr` and `acr` are decided from. */
export interface FactorAssurance {
  /** BE flag of the credential: it may be synced to a cloud keychain. */
  backupEligible?: boolean;
  /** The credential's attestation chains to a root FIDO metadata lists for its model (stored per credential). */
  attestationTrusted?: boolean;
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
export function achievedAcr(method: ChallengeMethod, assurance: FactorAssurance = {}): 'phrh' | 'phr' | 'mfa' {
  if (method === 'totp' || method === 'backup_code') return 'mfa';
  return hardwareBound(assurance) ? 'phrh' : 'phr';
}

function hardwareBound(assurance: FactorAssurance): boolean {
  return assurance.attestationTrusted === true && assurance.backupEligible !== true;
}

/**
 * RFC 8176 `amr` and the `acr` (achievedAcr) for each way a challenge can be completed: `hwk` only
 * where acr is `phrh` (a key proven hardware-bound), `swk` for any other WebAuthn credential,
 * `otp` for TOTP, `kba` for a backup code (a pre-shared secret the user keeps). Every token also
 * says `method_type`, the exact method used.
 */
export function authenticationMethod(method: ChallengeMethod, assurance: FactorAssurance = {}): { amr: string[]; acr: string } {
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
