import { userContext, type PolicyRequest } from '#policy';
import type { TenantContext } from '#auth';

/** The tenant the in-process decisions are asked for (any id: the engine keeps one set per tenant). */
export const DECISION_TENANT_ID = '00000000-0000-4000-8000-000000000001';

/**
 * A verify_factor request shaped as a sign-in's: the user, the passkey's authenticator and the
 * UserContext, under the baseline. The benchmark's Cedar floor and the minimal sign-in server ask it.
 */
export function signInDecisionRequest(userId: string, credentialId: string, now = new Date()): PolicyRequest {
  const tenantId = DECISION_TENANT_ID;
  const tenant = { id: tenantId, requireMfa: false, stepUpMaxAgeSeconds: 300 } as TenantContext;
  const principal = { kind: 'user' as const, userId, tenantId, roles: [], amr: [] };
  return {
    principal: { type: 'User', id: userId, tenantId, attrs: { roles: [] } },
    action: 'verify_factor',
    resource: {
      type: 'Authenticator',
      id: credentialId,
      tenantId,
      attrs: {
        method_type: 'webauthn_passkey',
        aaguid: '00000000-0000-0000-0000-000000000000',
        user_verified: true,
        backup_eligible: true,
        backed_up: true,
        attachment: 'platform',
        attestation_format: 'none',
        transports: ['internal', 'hybrid'],
        attestation_trusted: false,
        untrusted_reason: 'no_attestation',
      },
    },
    context: userContext({
      principal,
      tenant,
      ip: '127.0.0.1',
      methodType: 'webauthn_passkey',
      factorCount: 1,
      hasMfa: true,
      now,
      requestedAcr: [],
    }),
  };
}
