import { factorHoldings, userContext, type PolicyAttrValue, type PolicyRequest } from '#policy';
import type { TenantContext, UserPrincipal } from '#auth';

/** The tenant the in-process decisions are asked for (any id: the engine keeps one set per tenant). */
export const DECISION_TENANT_ID = '00000000-0000-4000-8000-000000000001';

const TENANT = { id: DECISION_TENANT_ID, requireMfa: false, stepUpMaxAgeSeconds: 300 } as TenantContext;

/** What a bearer token tells a decision about its user. */
export interface BearerFacts {
  amr: string[];
  /** Seconds since epoch. */
  authTime?: number;
  issuedAt?: number;
}

function userRequest(
  userId: string,
  bearer: BearerFacts,
  action: PolicyRequest['action'],
  resource: { type: 'Tenant' | 'Authenticator'; id: string; attrs: Record<string, PolicyAttrValue> },
  facts: { factorCount: number; hasMfa: boolean; now: Date; requestedAcr?: string[] },
): PolicyRequest {
  const tenantId = DECISION_TENANT_ID;
  const principal: UserPrincipal = { kind: 'user', userId, tenantId, roles: [], ...bearer };
  return {
    principal: { type: 'User', id: userId, tenantId, attrs: { roles: [] } },
    action,
    resource: { ...resource, tenantId },
    context: userContext({ principal, tenant: TENANT, ip: '127.0.0.1', methodType: 'webauthn_passkey', ...facts }),
  };
}

/**
 * A verify_factor request shaped as a sign-in's: the user, the passkey's authenticator and the
 * UserContext, under the baseline. The benchmark's Cedar floor and the minimal server ask it.
 */
export function signInDecisionRequest(userId: string, credentialId: string, now = new Date()): PolicyRequest {
  const resource = {
    type: 'Authenticator' as const,
    id: credentialId,
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
  };
  return userRequest(userId, { amr: [] }, 'verify_factor', resource, {
    factorCount: 1,
    hasMfa: true,
    now,
    requestedAcr: [],
  });
}

/** What the user holds when a registration's decision is asked. */
export interface Holdings {
  factorCount: number;
  unusedBackupCodes: number;
}

/** begin_enrollment of a passkey, on the Tenant, as a registration's options call asks it. */
export function beginEnrollmentRequest(userId: string, bearer: BearerFacts, held: Holdings): PolicyRequest {
  const resource = { type: 'Tenant' as const, id: DECISION_TENANT_ID, attrs: {} };
  return userRequest(userId, bearer, 'begin_enrollment', resource, holdingFacts(held));
}

/** complete_enrollment of a verified passkey: `authenticator` is its Tessera::Authenticator attributes. */
export function completeEnrollmentRequest(
  userId: string,
  bearer: BearerFacts,
  held: Holdings,
  credentialId: string,
  authenticator: Record<string, PolicyAttrValue>,
): PolicyRequest {
  const resource = { type: 'Authenticator' as const, id: credentialId, attrs: authenticator };
  return userRequest(userId, bearer, 'complete_enrollment', resource, holdingFacts(held));
}

function holdingFacts(held: Holdings) {
  return { ...factorHoldings(held), now: new Date() };
}
