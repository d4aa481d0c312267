import { stepUpProofOf, type UserPrincipal, type TenantContext } from '#auth';

/** Seconds since the user last authenticated: `auth_time`, else the token's `iat`. */
export function authAgeSeconds(principal: UserPrincipal, now: Date): number {
  const at = principal.authTime ?? principal.issuedAt;
  // No evidence of when the user signed in: treat the session as old, never as fresh.
  if (at === undefined) return 2 ** 31 - 1;
  return secondsSince(at, now);
}

/** "The user has MFA": at least one verified factor or one unused backup code. */
export function holdsMfa(summary: { factorCount: number; unusedBackupCodes: number }): boolean {
  return summary.factorCount > 0 || summary.unusedBackupCodes > 0;
}

/** factor_count and has_mfa of a user's factor summary. */
export function factorHoldings(summary: {
  factorCount: number;
  unusedBackupCodes: number;
}): Pick<UserContextFacts, 'factorCount' | 'hasMfa'> {
  return { factorCount: summary.factorCount, hasMfa: holdsMfa(summary) };
}

/** What a user decision knows besides who asks: the facts of the UserContext record. */
export interface UserContextFacts {
  /** The method concerned: a factor's method type, or "backup_code". */
  methodType: string;
  factorCount: number;
  /** See holdsMfa. */
  hasMfa: boolean;
  now: Date;
  /** verify_factor only: the challenge's acr_values (empty when it asked for none). */
  requestedAcr?: readonly string[];
}

/** The UserContext record of the Cedar schema. */
export function userContext(
  input: UserContextFacts & { principal: UserPrincipal; tenant: TenantContext; ip: string },
): Record<string, unknown> {
  const { principal, now } = input;
  const proof = stepUpProofOf(principal);
  return {
    method_type: input.methodType,
    amr: principal.amr,
    auth_age_seconds: authAgeSeconds(principal, now),
    factor_count: input.factorCount,
    has_mfa: input.hasMfa,
    ip: input.ip,
    tenant_requires_mfa: input.tenant.requireMfa,
    step_up_via: proof.via,
    step_up_age_seconds: proof.via === 'none' ? 0 : secondsSince(proof.authTime, now),
    step_up_amr: proof.via === 'none' ? [] : proof.amr,
    step_up_max_age_seconds: input.tenant.stepUpMaxAgeSeconds,
    ...(input.requestedAcr ? { requested_acr: [...input.requestedAcr] } : {}),
  };
}

function secondsSince(epochSeconds: number, now: Date): number {
  return Math.max(0, Math.floor(now.getTime() / 1000) - epochSeconds);
}
