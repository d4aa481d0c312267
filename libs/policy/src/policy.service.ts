import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ApiError, type LocalizedText } from '#errors';
import { actorOf, type TenantContext, type TenantPrincipal } from '#auth';
// The service file, not the index: libs/audit's admin routes depend on this service.
import { AuditService, resourceTypeOf } from '#audit';
import { PolicyEntity, PolicyRuleEntity } from '#persistence';
import { Metrics } from '#observability';
import {
  PolicyEngine,
  type Decision,
  type PolicyAction,
  type PolicyAttrs,
  type PolicyEntity as CedarEntity,
  type PolicyEntityType,
  type RuleSource,
} from './engine/index.js';

export const POLICY_ENGINE = Symbol('POLICY_ENGINE');

/** The baseline rule that asks for a fresh proof of an existing factor (policies/baseline.cedar). */
export const STEP_UP_RULE_ID = 'baseline.step_up_to_change_factors';

/** Where a client opens the step-up challenge whose MFA token goes into X-MFA-Token. */
export const STEP_UP_CHALLENGE_PATH = '/v1/users/me/mfa/challenges';

function stepUpRequired(maxAgeSeconds: number, determining: string[], notices: LocalizedText[]): ApiError {
  return new ApiError(
    'step_up_required',
    'Confirm it is you with one of your existing factors, then retry with the X-MFA-Token header.',
    {
      details: {
        determining_policies: determining,
        max_age_seconds: maxAgeSeconds,
        challenge_path: STEP_UP_CHALLENGE_PATH,
      },
      localizedNotices: notices,
      headers: { 'WWW-Authenticate': `Bearer error="insufficient_user_authentication", max_age="${maxAgeSeconds}"` },
    },
  );
}

export interface AuthorizeInput {
  tenant: TenantContext;
  principal: TenantPrincipal;
  action: PolicyAction;
  /** The resource; for `Tenant` the id is the tenant's. */
  resource: { type: PolicyEntityType; id: string; attrs?: PolicyAttrs };
  context: Record<string, unknown>;
  related?: readonly CedarEntity[];
}

/**
 * Every state change asks this service first. Baseline + the tenant's enabled rules, evaluated
 * by Cedar on a set preparsed per (tenant, policy version); the version comes with the tenant on
 * every request, so a rule change is enforced by every node on its next request.
 */
@Injectable()
export class PolicyService implements OnModuleInit {
  private readonly logger = new Logger(PolicyService.name);

  constructor(
    @Inject(POLICY_ENGINE) readonly engine: PolicyEngine,
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    // Cedar's first calls are slow (wasm compile, V8 warm-up): pay that at start, not on a user.
    this.engine.simulate([], {
      principal: { type: 'User', id: 'warmup', tenantId: 'warmup', attrs: { roles: [] } },
      action: 'begin_enrollment',
      resource: { type: 'Tenant', id: 'warmup', tenantId: 'warmup', attrs: {} },
      context: {
        method_type: 'webauthn_passkey',
        amr: [],
        auth_age_seconds: 0,
        factor_count: 0,
        has_mfa: false,
        ip: '',
        tenant_requires_mfa: false,
        step_up_via: 'none',
        step_up_age_seconds: 0,
        step_up_amr: [],
        step_up_max_age_seconds: 300,
      },
    });
  }

  async authorize(input: AuthorizeInput): Promise<Decision> {
    const { tenant } = input;
    const stopTimer = this.metrics.policyDecisionDuration.startTimer({ action: input.action });
    const decision = await this.engine.authorize(
      tenant.id,
      tenant.policyVersion,
      () => this.loadTenantRules(tenant.id),
      {
        principal: principalEntity(input.principal),
        action: input.action,
        resource: {
          type: input.resource.type,
          id: input.resource.id,
          tenantId: tenant.id,
          attrs: input.resource.attrs ?? {},
        },
        context: input.context,
        related: input.related,
      },
    );
    stopTimer();
    this.metrics.policyDecisions.inc({
      action: input.action,
      outcome: decision.allowed ? 'allow' : decision.errors.length ? 'error' : 'deny',
    });
    return decision;
  }

  /**
   * Authorizes or throws 403 carrying the determining rules' notices; denials are audited. A denial
   * the baseline step-up rule takes part in is `step_up_required` (RFC 9470): a fresh proof of a
   * factor can lift it, and the client learns where to get one.
   */
  async enforce(input: AuthorizeInput): Promise<void> {
    const decision = await this.authorize(input);
    if (decision.allowed) return;
    if (decision.errors.length > 0) {
      this.logger.warn(
        `policy evaluation error for ${input.action} in tenant ${input.tenant.id}: ${decision.errors.join('; ')}`,
      );
    }
    const ids = decision.determining.map((r) => r.id);
    const notices = decision.determining
      .filter((r) => typeof r.notice === 'string' && r.notice.length > 0)
      .map((r) => ({ text: r.notice!, ...(r.noticeTranslations ? { translations: r.noticeTranslations } : {}) }));
    const stepUp = decision.errors.length === 0 && ids.includes(STEP_UP_RULE_ID);
    this.logger.log(
      `${stepUp ? 'step-up required for' : 'policy denied'} ${input.action} on ${input.resource.type}: ${ids.join(', ') || 'no rule permits it'}`,
    );
    await this.audit.record(input.tenant.id, {
      ...(actorOf(input.principal) as { actorType: 'user' | 'api_key'; actorId: string }),
      action: stepUp ? 'step_up.required' : 'policy.denied',
      resourceType: resourceTypeOf(input.resource.type),
      resourceId: input.resource.id,
      metadata: {
        cedar_action: input.action,
        principal: principalLabel(input.principal),
        determining_policies: ids,
        evaluation_error: decision.errors.length > 0,
        ...(stepUp ? { step_up_via: input.context['step_up_via'] } : {}),
      },
    });
    if (stepUp) {
      this.metrics.stepUpRequired.inc({ action: input.action });
      throw stepUpRequired(input.tenant.stepUpMaxAgeSeconds, ids, notices);
    }
    const message =
      decision.errors.length > 0
        ? 'The tenant policy could not be evaluated, so the action is denied.'
        : ids.length === 0
          ? 'No tenant policy permits this action.'
          : decision.determining.every((r) => r.source === 'baseline')
            ? // Tessera's baseline, not a rule the tenant wrote: the notices say which.
              "Your organization's security policy does not allow this."
            : 'The tenant policy does not allow this.';
    throw new ApiError('policy_denied', message, {
      details: { determining_policies: ids, action: input.action },
      localizedNotices: notices,
    });
  }

  /**
   * The tenant's enabled rules in evaluation order: policies by priority, then rule position.
   * Pass a transaction's manager to see its uncommitted changes.
   */
  async loadTenantRules(tenantId: string, manager: EntityManager = this.dataSource.manager): Promise<RuleSource[]> {
    const rows = await manager
      .getRepository(PolicyRuleEntity)
      .createQueryBuilder('rule')
      .innerJoin(PolicyEntity, 'policy', 'policy.id = rule.policyId AND policy.tenantId = rule.tenantId')
      .where('rule.tenantId = :tenantId', { tenantId })
      .andWhere('policy.enabled = :enabled', { enabled: true })
      .orderBy('policy.priority', 'DESC')
      .addOrderBy('policy.createdAt', 'ASC')
      // Ids break ties, so the order (and the order of notices) is the same on every load.
      .addOrderBy('policy.id', 'ASC')
      .addOrderBy('rule.position', 'ASC')
      .addOrderBy('rule.createdAt', 'ASC')
      .addOrderBy('rule.id', 'ASC')
      .getMany();
    return rows.map((r) => ({ id: r.id, text: r.policyText, notice: r.notice ?? undefined }));
  }
}

function principalEntity(principal: TenantPrincipal): CedarEntity<'User' | 'ApiKey'> {
  return principal.kind === 'user'
    ? { type: 'User', id: principal.userId, tenantId: principal.tenantId, attrs: { roles: principal.roles } }
    : { type: 'ApiKey', id: principal.keyId, tenantId: principal.tenantId, attrs: { scopes: principal.scopes } };
}

function principalLabel(principal: TenantPrincipal): string {
  return principal.kind === 'user' ? `User::"${principal.userId}"` : `ApiKey::"${principal.keyId}"`;
}
