/** A challenge lives 5 minutes, dies after 5 wrong answers and succeeds once. */
export const CHALLENGE_TTL_MS = 300_000;
export const MAX_CHALLENGE_FAILURES = 5;

export const CHALLENGE_PURPOSES = ['sign_in', 'step_up'] as const;
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number];

/** What can complete a challenge: a factor type, or a backup code. */
export const CHALLENGE_METHODS = ['webauthn_passkey', 'webauthn_fido', 'totp', 'backup_code'] as const;
export type ChallengeMethod = (typeof CHALLENGE_METHODS)[number];

/**
 * RFC 8176 `amr` and an `acr` for each way a challenge can be completed.
 * - security key: `hwk` (proof of a hardware-bound key); acr `phrh` (phishing-resistant, hardware)
 * - passkey: `hwk` when device-bound, `swk` when backup-eligible (the private key is synced through
 *   a cloud keychain, so it is not bound to one piece of hardware); acr `phrh` / `phr`
 * - TOTP: `otp`; backup code: `kba` (a pre-shared secret the user keeps); acr `mfa` for both
 * Every token also says `method_type`, the exact method used.
 */
export function authenticationMethod(method: ChallengeMethod, opts: { backupEligible?: boolean } = {}): { amr: string[]; acr: string } {
  switch (method) {
    case 'webauthn_fido':
      return { amr: ['hwk'], acr: 'phrh' };
    case 'webauthn_passkey':
      return opts.backupEligible ? { amr: ['swk'], acr: 'phr' } : { amr: ['hwk'], acr: 'phrh' };
    case 'totp':
      return { amr: ['otp'], acr: 'mfa' };
    case 'backup_code':
      return { amr: ['kba'], acr: 'mfa' };
  }
}
