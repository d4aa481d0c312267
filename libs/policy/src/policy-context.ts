import type { UserPrincipal, TenantContext } from '../../auth/src/index.js';

/** Seconds since the user last authenticated: `auth_time`, else the token's `iat`. */
export function authAgeSeconds(principal: UserPrincipal, now: Date): number {
  const at = principal.authTime ?? principal.issuedAt;
  // No evidence of when the user signed in: treat the session as old, never as fresh.
  if (at === undefined) return 2 ** 31 - 1;
  return Math.max(0, Math.floor(now.getTime() / 1000) - at);
}

/** The UserContext record of the Cedar schema. */
export function userContext(input: {
  principal: UserPrincipal;
  tenant: TenantContext;
  methodType: string;
  factorCount: number;
  ip: string;
  now: Date;
}): Record<string, unknown> {
  return {
    method_type: input.methodType,
    amr: input.principal.amr,
    auth_age_seconds: authAgeSeconds(input.principal, input.now),
    factor_count: input.factorCount,
    ip: input.ip,
    tenant_requires_mfa: input.tenant.requireMfa,
  };
}
