import type { TenantContext, UserPrincipal } from '#auth';
import type { MfaChallengeEntity } from '#persistence';

/** How a client names a challenge: its id (the capability), and the tenant header when it sends one. */
export interface ChallengeRef {
  challengeId: string;
  tenantHeader: string | undefined;
}

/** A challenge that may still be completed, with its tenant and the user it is for. */
export interface LiveChallenge {
  row: MfaChallengeEntity;
  tenant: TenantContext;
  /**
   * The user being verified, as the policy sees them (roles/amr of the step-up bearer, else none);
   * null for a usernameless challenge until its assertion names the user (see withUser).
   */
  user: UserPrincipal | null;
}

/** The principal of a challenge's user: the roles, amr and auth_time the challenge was opened with. */
export function challengePrincipal(row: MfaChallengeEntity, tenantId: string, userId: string): UserPrincipal {
  return {
    kind: 'user',
    userId,
    tenantId,
    roles: row.roles,
    amr: row.amr,
    authTime: row.authTime ?? undefined,
  };
}

/** A usernameless challenge once its assertion has named the user (a sign-in: no roles, no amr). */
export function withUser(live: LiveChallenge, userId: string): LiveChallenge {
  return { ...live, user: challengePrincipal(live.row, live.tenant.id, userId) };
}

/** The user a challenge is for; only called once the user is known. */
export function challengeUser(live: LiveChallenge): UserPrincipal {
  if (!live.user) throw new Error('The challenge has no user yet');
  return live.user;
}
