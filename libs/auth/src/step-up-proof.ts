import type { UserPrincipal } from './principal.js';

/** `amr` values by which an identity provider asserts that the user just did MFA (RFC 8176). */
export const IDP_STEP_UP_AMR: readonly string[] = ['mfa', 'hwk', 'swk', 'otp', 'kba'];

/**
 * The freshest proof of a factor the request carries: Tessera's own MFA token, else the bearer's
 * claims when they assert MFA with an `auth_time`, else none. Age limits are left to the policy.
 */
export type StepUpProof = { via: 'tessera' | 'idp'; authTime: number; amr: string[] } | { via: 'none' };

export function stepUpProofOf(principal: UserPrincipal): StepUpProof {
  if (principal.stepUp) return { via: 'tessera', authTime: principal.stepUp.authTime, amr: principal.stepUp.amr };
  // `iat` is no evidence of when MFA happened: only an explicit auth_time counts.
  if (principal.authTime !== undefined && principal.amr.some((m) => IDP_STEP_UP_AMR.includes(m))) {
    return { via: 'idp', authTime: principal.authTime, amr: principal.amr };
  }
  return { via: 'none' };
}
