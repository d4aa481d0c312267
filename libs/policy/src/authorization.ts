import type { AdminCaller, TenantContext, UserPrincipal } from '#auth';
import type { AuthorizeInput } from './policy.service.js';
import type { PolicyAction, PolicyAttrs, PolicyEntityType } from './engine/index.js';
import { userContext, type UserContextFacts } from './policy-context.js';

/** A user's own request: the bearer's user, its tenant (from the guards) and the client address. */
export interface UserCaller {
  tenant: TenantContext;
  user: UserPrincipal;
  ip: string;
}

type PolicyResource = { type: PolicyEntityType; id: string; attrs?: PolicyAttrs };

/** The authorization question of an admin operation: AdminContext `{ip}`, the key as principal. */
export function adminAuthorization(
  caller: AdminCaller,
  action: PolicyAction,
  resource: PolicyResource = { type: 'Tenant', id: caller.tenant.id },
): AuthorizeInput {
  return { tenant: caller.tenant, principal: caller.key, action, resource, context: { ip: caller.ip } };
}

/** The authorization question of a user's operation: the UserContext of the Cedar schema, the user as principal. */
export function userAuthorization(
  caller: UserCaller,
  action: PolicyAction,
  resource: PolicyResource,
  facts: UserContextFacts,
): AuthorizeInput {
  const { tenant, user, ip } = caller;
  return { tenant, principal: user, action, resource, context: userContext({ principal: user, tenant, ip, ...facts }) };
}
