import type { ApiKeyPrincipal, TenantContext } from '#auth';
import type { AuthorizeInput } from './policy.service.js';
import type { PolicyAction, PolicyAttrs, PolicyEntityType } from './engine/index.js';

/** A tenant admin request: the API key, its tenant (from the guards) and the client address. */
export interface AdminCaller {
  tenant: TenantContext;
  key: ApiKeyPrincipal;
  ip: string;
}

/** The authorization question of an admin operation: AdminContext `{ip}`, the key as principal. */
export function adminAuthorization(
  caller: AdminCaller,
  action: PolicyAction,
  resource: { type: PolicyEntityType; id: string; attrs?: PolicyAttrs } = { type: 'Tenant', id: caller.tenant.id },
): AuthorizeInput {
  return { tenant: caller.tenant, principal: caller.key, action, resource, context: { ip: caller.ip } };
}
