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

/** The UserContext record of the Cedar schema. */
export function userContext(input: {
  principal: UserPrincipal;
  tenant: TenantContext;
  methodType: string;
  factorCount: number;
  /** See holdsMfa. */
  hasMfa: boolean;
  ip: string;
  now: Date;
}): Record<string, unknown> {
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
  };
}

function secondsSince(epochSeconds: number, now: Date): number {
  return Math.max(0, Math.floor(now.getTime() / 1000) - epochSeconds);
}
