import type { ChallengeMethod } from '../shared/method-types.js';

/** A challenge lives 5 minutes, dies after 5 wrong answers and succeeds once. */
export const CHALLENGE_TTL_MS = 300_000;
export const MAX_CHALLENGE_FAILURES = 5;
/** The longest `max_age` a challenge accepts (one day); anything from 300 s up leaves the 5-minute expiry as it is. */
export const MAX_CHALLENGE_MAX_AGE_SECONDS = 86_400;

export const CHALLENGE_PURPOSES = ['sign_in', 'step_up'] as const;
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number];

/** Methods an attacker can guess at (and so the ones the per-user failure limit protects). */
export function isGuessable(method: ChallengeMethod | 'webauthn'): method is 'totp' | 'backup_code' {
  return method === 'totp' || method === 'backup_code';
}
