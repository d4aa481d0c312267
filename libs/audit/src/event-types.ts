/**
 * The one catalogue of event types (dot.case, `<resource>.<what happened>`), shared by the audit
 * log and webhooks: an audit event of any of these types is also offered to the tenant's
 * webhook endpoints. A new event needs its type here first, so a misspelt name cannot compile.
 */
export const EVENT_TYPES = [
  'factor.enrolled',
  'factor.renamed',
  'factor.removed',
  'factor.reset_by_admin',
  'factor.counter_regression',
  'factor.backup_state_changed',
  'factor.model_compromised',
  'backup_codes.issued',
  'backup_codes.regenerated',
  'backup_codes.low',
  'mfa.challenge_opened',
  'mfa.verified',
  'mfa.failed',
  'mfa.locked',
  'step_up.required',
  'step_up.unavailable',
  'policy.denied',
  'policy.changed',
  'api_key.created',
  'api_key.revoked',
  'tenant.created',
  'tenant.updated',
  'tenant.webauthn_updated',
  'tenant.authenticators_compromised',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'webhook.disabled',
  'webhook.test',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** `resource_type` of audit events: lower case, snake_case. */
export const RESOURCE_TYPES = [
  'factor',
  'authenticator',
  'backup_codes',
  'mfa_challenge',
  'user',
  'tenant',
  'api_key',
  'policy',
  'policy_rule',
  'audit_log',
  'webhook',
] as const;

export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** A Cedar entity type (`BackupCodes`) as an audit resource type (`backup_codes`). */
export function resourceTypeOf(cedarType: string): ResourceType {
  const snake = cedarType.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  if (!(RESOURCE_TYPES as readonly string[]).includes(snake))
    throw new Error(`no audit resource type for ${cedarType}`);
  return snake as ResourceType;
}
