/** Public types of the Cedar policy engine. Framework-free: no Nest, no HTTP. */

/** Every action id of `policies/schema.cedarschema` (namespace `Tessera`). */
export const POLICY_ACTIONS = [
  'begin_enrollment',
  'complete_enrollment',
  'rename_factor',
  'remove_factor',
  'regenerate_backup_codes',
  'verify_factor',
  'manage_policies',
  'manage_api_keys',
  'read_audit_log',
  'manage_user_factors',
  'read_authenticator_report',
  'manage_webhooks',
] as const;

export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export const POLICY_ENTITY_TYPES = [
  'Tenant',
  'User',
  'ApiKey',
  'Authenticator',
  'Factor',
  'BackupCodes',
  'Policy',
  'AuditLog',
  'Webhook',
] as const;

export type PolicyEntityType = (typeof POLICY_ENTITY_TYPES)[number];
export type PolicyPrincipalType = 'User' | 'ApiKey';

/** A reference to an entity, e.g. a Factor's `owner: {type: 'User', id}`. Type without namespace. */
export interface PolicyEntityRef {
  type: PolicyEntityType;
  id: string;
}

/**
 * An attribute value: string, boolean, integer (Cedar Long), array (Cedar Set), a
 * PolicyEntityRef, or a record of these. `tenant` is added by the engine; don't pass it.
 */
export type PolicyAttrValue =
  | string
  | boolean
  | number
  | PolicyEntityRef
  | readonly PolicyAttrValue[]
  | { readonly [key: string]: PolicyAttrValue };

export type PolicyAttrs = Readonly<Record<string, PolicyAttrValue>>;

export interface PolicyEntity<T extends PolicyEntityType = PolicyEntityType> {
  type: T;
  id: string;
  tenantId: string;
  attrs: PolicyAttrs;
}

export interface PolicyRequest {
  principal: PolicyEntity<PolicyPrincipalType>;
  action: PolicyAction;
  /** For `type: 'Tenant'`, `id` must equal `tenantId` and `attrs` is ignored. */
  resource: PolicyEntity;
  /** UserContext or AdminContext of the schema. */
  context: Readonly<Record<string, unknown>>;
  /**
   * Extra entities a rule may read, e.g. the owner of a Factor when an API key acts on it.
   * Keep it small: every entity costs ~30 µs per evaluation.
   */
  related?: readonly PolicyEntity[];
}

export interface DeterminingRule {
  id: string;
  /** The shipped baseline (policies/baseline.cedar) or one of the tenant's own rules. */
  source: 'baseline' | 'tenant';
  notice?: string;
  /** The notice in other languages, by BCP 47 primary subtag (`@notice_de("…")`). */
  noticeTranslations?: Readonly<Record<string, string>>;
}

export interface Decision {
  allowed: boolean;
  /**
   * Deny: the satisfied forbids. Allow: the satisfied permits. Default deny: [].
   * Baseline rules first (file order), then tenant rules (given order).
   */
  determining: DeterminingRule[];
  /** Evaluation errors. Any error means `allowed: false`. Not for clients verbatim. */
  errors: string[];
}

/** One Cedar statement. Tenant rules: `id` from the caller (e.g. a uuid). */
export interface RuleSource {
  id: string;
  text: string;
  /** Wins over an `@notice("…")` annotation in the text. */
  notice?: string;
}

/** Loads a tenant's enabled rules, in evaluation order. */
export type RuleLoader = () => Promise<readonly RuleSource[]> | readonly RuleSource[];

export interface RulePosition {
  /** Character offset (UTF-16, as JS strings count) into the rule text. */
  offset?: number;
  /** 1-based. */
  line?: number;
  /** 1-based, in characters. */
  column?: number;
}

export interface RuleValidationError {
  rule_id?: string;
  /** 0-based index of the statement, when a text of several statements was validated. */
  statement?: number;
  message: string;
  position?: RulePosition;
}

export type RuleValidationResult = { ok: true } | { ok: false; errors: RuleValidationError[] };

/** Scope of a principal or resource in an assembled rule. All fields optional. */
export interface ScopeFields {
  /** `principal is Tessera::<is>` */
  is?: PolicyEntityType;
  /** `principal == Tessera::<type>::"<id>"` (exclusive with `in`). */
  eq?: PolicyEntityRef;
  /** `principal in Tessera::<type>::"<id>"` */
  in?: PolicyEntityRef;
}

export interface RuleFields {
  effect: 'permit' | 'forbid';
  principal?: ScopeFields;
  /** One action (`==`) or several (`in [...]`); omitted = every action. */
  action?: PolicyAction | readonly PolicyAction[];
  resource?: ScopeFields;
  /** Cedar expressions, each parenthesised and joined with `&&` in one `when` clause. */
  conditions?: readonly string[];
  notice?: string;
}
