import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '#config';
import { ApiError, validationFailed } from '#errors';
import { PolicyEntity, PolicyRuleEntity, TenantEntity, TenantScopedRepository, newTimeOrderedId } from '#persistence';
import { AuditService } from '#audit';
import { decodeCursor, toPage, type Page } from '#pagination';
import type { AdminCaller } from '#auth';
import { TenantsService } from '#tenancy';
import {
  PolicyService,
  adminAuthorization,
  readAnnotations,
  statementEffect,
  type PolicyAction,
  type PolicyAttrs,
  type PolicyEntityType,
  type PolicyPrincipalType,
  type RuleSource,
  type RuleValidationError,
} from '#policy';
import { draftRule, type RuleDraft, type RuleInput } from './rule-draft.js';
import { PERMIT_REFUSED, statementOffsets, tenantStatementErrors } from './tenant-rule.checks.js';

export type PolicyChange =
  'policy_created' | 'policy_updated' | 'policy_deleted' | 'rule_created' | 'rule_updated' | 'rule_deleted';

/** Rules per tenant: every rule costs ~1.3 µs on every decision of the tenant, and memory per node. */
export const MAX_RULES_PER_TENANT = 200;

export interface PolicyView {
  id: string;
  name: string;
  description: string | null;
  enabled: boolean;
  priority: number;
  rules: RuleView[];
  created_at: string;
  updated_at: string;
}

export interface RuleView {
  id: string;
  policy_id: string;
  position: number;
  effect: 'permit' | 'forbid';
  policy_text: string;
  notice: string | null;
  created_at: string;
  updated_at: string;
}

export interface CreatePolicyInput {
  name: string;
  description?: string | null;
  enabled: boolean;
  priority?: number;
  cedar_policy_set?: string;
}

export interface UpdatePolicyInput {
  name?: string;
  description?: string | null;
  enabled?: boolean;
  priority?: number;
  /** Replaces all the policy's rules. */
  cedar_policy_set?: string;
}

export interface SimulationEntityInput {
  type: string;
  id: string;
  attrs?: Record<string, unknown>;
}

export interface SimulationInput {
  principal: SimulationEntityInput;
  action: PolicyAction;
  resource: SimulationEntityInput;
  context: Record<string, unknown>;
  /** Draft rule texts evaluated after the tenant's enabled rules. */
  rules?: string[];
}

export interface SimulationView {
  decision: 'allow' | 'deny';
  determining_policies: string[];
  notices: string[];
  errors: string[];
  context: Record<string, unknown>;
}

/** A draft rule in a simulation is named by its place in the request. */
const draftRuleId = (i: number) => `rules[${i}]`;

/**
 * Tenant rule administration. Every operation is authorized (`manage_policies`) first; every
 * change is validated before anything is written, and written in one transaction that also
 * bumps the tenant's policy version (every node enforces the change on its next request of
 * the tenant) and appends the audit event.
 */
@Injectable()
export class PoliciesService {
  private readonly policies: TenantScopedRepository<PolicyEntity>;
  private readonly rules: TenantScopedRepository<PolicyRuleEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly tenants: TenantsService,
  ) {
    this.policies = TenantScopedRepository.of(dataSource, PolicyEntity);
    this.rules = TenantScopedRepository.of(dataSource, PolicyRuleEntity);
  }

  async create(caller: AdminCaller, input: CreatePolicyInput): Promise<PolicyView> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_policies'));
    const statements = input.cedar_policy_set === undefined ? [] : this.checkPolicySet(input.cedar_policy_set);
    const tenantId = caller.tenant.id;
    const now = this.clock.now();
    return this.change(caller, async (m) => {
      await this.assertCapacity(m, tenantId, statements.length);
      const row = await this.policies.withManager(m).insert(tenantId, {
        id: newTimeOrderedId(now.getTime()),
        name: input.name,
        description: input.description ?? null,
        enabled: input.enabled,
        priority: input.priority ?? 0,
        createdAt: now,
        updatedAt: now,
      });
      const ruleRows = await this.insertStatements(m, tenantId, row.id, statements, now);
      await this.record(m, caller, 'policy_created', 'policy', row.id, {
        name: row.name,
        enabled: row.enabled,
        priority: row.priority,
        rule_ids: ruleRows.map((r) => r.id),
      });
      return toPolicyView(row, ruleRows);
    });
  }

  /** Oldest first (ids are time-ordered). */
  async list(caller: AdminCaller, page: { limit: number; cursor?: string }): Promise<Page<PolicyView>> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_policies'));
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    const tenantId = caller.tenant.id;
    const qb = this.policies
      .query(tenantId, 'policy')
      .orderBy('policy.id', 'ASC')
      .limit(page.limit + 1);
    if (after !== undefined) qb.andWhere('policy.id > :after', { after });
    const rows = await qb.getMany();
    const shown = rows.slice(0, page.limit);
    const rulesByPolicy = new Map<string, PolicyRuleEntity[]>();
    if (shown.length > 0) {
      const ruleRows = await this.rules
        .query(tenantId, 'rule')
        .andWhere('rule.policyId IN (:...ids)', { ids: shown.map((p) => p.id) })
        .orderBy('rule.position', 'ASC')
        .addOrderBy('rule.id', 'ASC')
        .getMany();
      for (const r of ruleRows) rulesByPolicy.set(r.policyId, [...(rulesByPolicy.get(r.policyId) ?? []), r]);
    }
    return toPage(rows, page.limit, (p) => toPolicyView(p, rulesByPolicy.get(p.id) ?? []));
  }

  async get(caller: AdminCaller, id: string): Promise<PolicyView> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_policies', { type: 'Policy', id }));
    const row = await this.findPolicy(this.dataSource.manager, caller.tenant.id, id);
    return toPolicyView(row, await this.policyRules(this.dataSource.manager, caller.tenant.id, id));
  }

  async update(caller: AdminCaller, id: string, patch: UpdatePolicyInput): Promise<PolicyView> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_policies', { type: 'Policy', id }));
    const statements = patch.cedar_policy_set === undefined ? undefined : this.checkPolicySet(patch.cedar_policy_set);
    const tenantId = caller.tenant.id;
    const now = this.clock.now();
    return this.change(caller, async (m) => {
      const row = await this.findPolicy(m, tenantId, id);
      if (patch.name !== undefined) row.name = patch.name;
      if (patch.description !== undefined) row.description = patch.description;
      if (patch.enabled !== undefined) row.enabled = patch.enabled;
      if (patch.priority !== undefined) row.priority = patch.priority;
      row.updatedAt = now;
      await this.policies.withManager(m).update(
        tenantId,
        { id },
        {
          name: row.name,
          description: row.description,
          enabled: row.enabled,
          priority: row.priority,
          updatedAt: now,
        },
      );
      let ruleRows: PolicyRuleEntity[];
      const metadata: Record<string, unknown> = {
        fields: Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined),
      };
      if (statements) {
        const replaced = await this.policyRules(m, tenantId, id);
        await this.rules.withManager(m).delete(tenantId, { policyId: id });
        await this.assertCapacity(m, tenantId, statements.length);
        ruleRows = await this.insertStatements(m, tenantId, id, statements, now);
        metadata['removed_rule_ids'] = replaced.map((r) => r.id);
        metadata['rule_ids'] = ruleRows.map((r) => r.id);
      } else {
        ruleRows = await this.policyRules(m, tenantId, id);
      }
      if (patch.enabled !== undefined) metadata['enabled'] = row.enabled;
      await this.record(m, caller, 'policy_updated', 'policy', id, metadata);
      return toPolicyView(row, ruleRows);
    });
  }

  async delete(caller: AdminCaller, id: string): Promise<void> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_policies', { type: 'Policy', id }));
    const tenantId = caller.tenant.id;
    await this.change(caller, async (m) => {
      const row = await this.findPolicy(m, tenantId, id);
      const ruleRows = await this.policyRules(m, tenantId, id);
      await this.rules.withManager(m).delete(tenantId, { policyId: id });
      await this.policies.withManager(m).delete(tenantId, { id });
      await this.record(m, caller, 'policy_deleted', 'policy', id, {
        name: row.name,
        rule_ids: ruleRows.map((r) => r.id),
      });
    });
  }

  async listRules(caller: AdminCaller, policyId: string): Promise<RuleView[]> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_policies', { type: 'Policy', id: policyId }));
    await this.findPolicy(this.dataSource.manager, caller.tenant.id, policyId);
    return (await this.policyRules(this.dataSource.manager, caller.tenant.id, policyId)).map(toRuleView);
  }

  async getRule(caller: AdminCaller, policyId: string, ruleId: string): Promise<RuleView> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_policies', { type: 'Policy', id: policyId }));
    return toRuleView(await this.findRule(this.dataSource.manager, caller.tenant.id, policyId, ruleId));
  }

  async addRule(caller: AdminCaller, policyId: string, input: RuleInput): Promise<RuleView> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_policies', { type: 'Policy', id: policyId }));
    const draft = draftRule(input);
    this.checkRule(draft);
    const tenantId = caller.tenant.id;
    const now = this.clock.now();
    return this.change(caller, async (m) => {
      await this.findPolicy(m, tenantId, policyId);
      await this.assertCapacity(m, tenantId, 1);
      const last = await this.rules
        .withManager(m)
        .find(tenantId, { policyId }, { order: { position: 'DESC' }, take: 1, select: { position: true } });
      const row = await this.rules.withManager(m).insert(tenantId, {
        id: newTimeOrderedId(now.getTime()),
        policyId,
        position: last.length === 0 ? 0 : last[0].position + 1,
        policyText: draft.text,
        notice: draft.notice,
        structured: draft.structured as Record<string, unknown> | null,
        createdAt: now,
        updatedAt: now,
      });
      await this.touchPolicy(m, tenantId, policyId, now);
      await this.record(m, caller, 'rule_created', 'policy_rule', row.id, {
        policy_id: policyId,
        position: row.position,
      });
      return toRuleView(row);
    });
  }

  async updateRule(
    caller: AdminCaller,
    policyId: string,
    ruleId: string,
    input: RuleInput & { position?: number },
  ): Promise<RuleView> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_policies', { type: 'Policy', id: policyId }));
    const tenantId = caller.tenant.id;
    const now = this.clock.now();
    return this.change(caller, async (m) => {
      const row = await this.findRule(m, tenantId, policyId, ruleId);
      const draft = draftRule(input, { policyText: row.policyText, structured: row.structured, notice: row.notice });
      this.checkRule(draft, ruleId);
      row.policyText = draft.text;
      row.structured = draft.structured as Record<string, unknown> | null;
      row.notice = draft.notice;
      if (input.position !== undefined) row.position = input.position;
      row.updatedAt = now;
      await this.rules.withManager(m).update(
        tenantId,
        { id: ruleId },
        {
          policyText: row.policyText,
          // simple-json column: TypeORM's deep-partial type does not model a JSON value.
          structured: row.structured as never,
          notice: row.notice,
          position: row.position,
          updatedAt: now,
        },
      );
      await this.touchPolicy(m, tenantId, policyId, now);
      const fields = Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined);
      await this.record(m, caller, 'rule_updated', 'policy_rule', ruleId, { policy_id: policyId, fields });
      return toRuleView(row);
    });
  }

  async deleteRule(caller: AdminCaller, policyId: string, ruleId: string): Promise<void> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_policies', { type: 'Policy', id: policyId }));
    const tenantId = caller.tenant.id;
    const now = this.clock.now();
    await this.change(caller, async (m) => {
      await this.findRule(m, tenantId, policyId, ruleId);
      await this.rules.withManager(m).delete(tenantId, { id: ruleId });
      await this.touchPolicy(m, tenantId, policyId, now);
      await this.record(m, caller, 'rule_deleted', 'policy_rule', ruleId, { policy_id: policyId });
    });
  }

  /**
   * The decision for a request under the tenant's enabled rules plus `rules` (drafts), without
   * side effects. Principal and resource are taken to be in the caller's tenant.
   */
  async simulate(caller: AdminCaller, input: SimulationInput): Promise<SimulationView> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_policies'));
    const tenantId = caller.tenant.id;
    if (input.resource.type === 'Tenant' && input.resource.id.toLowerCase() !== tenantId) {
      throw validationFailed([{ field: 'resource.id', reason: 'a Tenant resource must be your own tenant' }]);
    }
    const drafts: RuleSource[] = (input.rules ?? []).map((text, i) => ({ id: draftRuleId(i), text }));
    if (drafts.length > 0) {
      const checked = this.policy.engine.validateRules(drafts);
      const errors = [
        ...(checked.ok ? [] : checked.errors),
        ...drafts.flatMap((d) => tenantStatementErrors({ text: d.text, ruleId: d.id })),
      ];
      if (errors.length > 0) throw policyInvalid(errors);
    }
    const stored = await this.policy.loadTenantRules(tenantId);
    const entity = (e: SimulationEntityInput) => ({
      type: e.type as PolicyEntityType,
      id: e.type === 'Tenant' ? tenantId : e.id,
      tenantId,
      attrs: (e.attrs ?? {}) as PolicyAttrs,
    });
    const decision = this.policy.engine.simulate([...stored, ...drafts], {
      principal: entity(input.principal) as ReturnType<typeof entity> & { type: PolicyPrincipalType },
      action: input.action,
      resource: entity(input.resource),
      context: input.context,
    });
    return {
      decision: decision.allowed ? 'allow' : 'deny',
      determining_policies: decision.determining.map((r) => r.id),
      notices: decision.determining
        .map((r) => r.notice)
        .filter((n): n is string => typeof n === 'string' && n.length > 0),
      errors: decision.errors,
      context: input.context,
    };
  }

  /**
   * One policy change: bump the tenant's policy version first (on PostgreSQL this locks the
   * tenant row, so concurrent changes of one tenant apply one after the other), do the work,
   * then refuse a result that would lock the calling key out of policy administration.
   * After the commit this node forgets its copy of the tenant row, so its next request sees
   * the new version; other nodes see it when their copy expires (TenantsService, < 1 s).
   */
  private async change<T>(caller: AdminCaller, work: (m: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.dataSource.transaction(async (m) => {
      await m.getRepository(TenantEntity).increment({ id: caller.tenant.id }, 'policyVersion', 1);
      const out = await work(m);
      await this.assertNoLockout(m, caller);
      return out;
    });
    this.tenants.invalidate(caller.tenant.id);
    return result;
  }

  private async assertNoLockout(m: EntityManager, caller: AdminCaller): Promise<void> {
    const rules = await this.policy.loadTenantRules(caller.tenant.id, m);
    const request = adminAuthorization(caller, 'manage_policies');
    const decision = this.policy.engine.simulate(rules, {
      principal: {
        type: 'ApiKey',
        id: caller.key.keyId,
        tenantId: caller.tenant.id,
        attrs: { scopes: caller.key.scopes },
      },
      action: request.action,
      resource: { type: 'Tenant', id: caller.tenant.id, tenantId: caller.tenant.id, attrs: {} },
      context: request.context,
    });
    if (decision.allowed) return;
    const ids = decision.determining.map((r) => r.id);
    throw new ApiError(
      'policy_invalid',
      'This change would deny this API key manage_policies, so no one could undo it with this key. Nothing was changed.',
      {
        details: {
          errors: [
            {
              message:
                'manage_policies would be denied for the calling API key; details.determining_policies lists the rules that would deny it.',
            },
          ],
          determining_policies: ids,
        },
      },
    );
  }

  /** Splits and validates a `cedar_policy_set`; returns its statements or throws policy_invalid. */
  private checkPolicySet(text: string): { text: string; notice: string | null }[] {
    const result = this.policy.engine.validatePolicySet(text);
    const statements = result.ok ? result.statements : (result.statements ?? []);
    const offsets = statementOffsets(text, statements);
    const errors: RuleValidationError[] = [
      ...(result.ok ? [] : result.errors),
      ...statements.flatMap((s, i) =>
        tenantStatementErrors({ text: s, statement: i, source: text, offset: offsets[i] }),
      ),
    ];
    if (errors.length > 0) throw policyInvalid(errors.sort((a, b) => (a.statement ?? 0) - (b.statement ?? 0)));
    return statements.map((s) => ({ text: s, notice: readAnnotations(s).notice ?? null }));
  }

  /** Validates one draft statement; `ruleId` names the stored rule being changed. */
  private checkRule(draft: RuleDraft, ruleId?: string): void {
    const checked = this.policy.engine.validateRules([{ id: ruleId ?? 'new', text: draft.text }]);
    const errors: RuleValidationError[] = checked.ok ? [] : checked.errors.map((e) => (ruleId ? e : withoutRuleId(e)));
    errors.push(...tenantStatementErrors({ text: draft.text, ...(ruleId ? { ruleId } : {}) }));
    if (errors.length > 0) throw policyInvalid(errors, draft.structured ? draft.text : undefined);
  }

  private async assertCapacity(m: EntityManager, tenantId: string, adding: number): Promise<void> {
    if (adding === 0) return;
    const count = await this.rules.withManager(m).count(tenantId);
    if (count + adding > MAX_RULES_PER_TENANT) {
      throw policyInvalid([{ message: `A tenant can have at most ${MAX_RULES_PER_TENANT} rules; it has ${count}.` }]);
    }
  }

  private async insertStatements(
    m: EntityManager,
    tenantId: string,
    policyId: string,
    statements: { text: string; notice: string | null }[],
    now: Date,
  ): Promise<PolicyRuleEntity[]> {
    const rows = statements.map((s, i) => ({
      id: newTimeOrderedId(now.getTime()),
      policyId,
      position: i,
      policyText: s.text,
      notice: s.notice,
      structured: null,
      createdAt: now,
      updatedAt: now,
    }));
    await this.rules.withManager(m).insertMany(tenantId, rows);
    return rows.map((r) => Object.assign(new PolicyRuleEntity(), r, { tenantId }));
  }

  private async findPolicy(m: EntityManager, tenantId: string, id: string): Promise<PolicyEntity> {
    const row = await this.policies.withManager(m).findOne(tenantId, { id: id.toLowerCase() });
    // Another tenant's policy is "not found" too: existence never leaks across tenants.
    if (!row) throw new ApiError('not_found', 'Policy not found.');
    return row;
  }

  private async findRule(
    m: EntityManager,
    tenantId: string,
    policyId: string,
    ruleId: string,
  ): Promise<PolicyRuleEntity> {
    const row = await this.rules
      .withManager(m)
      .findOne(tenantId, { id: ruleId.toLowerCase(), policyId: policyId.toLowerCase() });
    if (!row) throw new ApiError('not_found', 'Rule not found.');
    return row;
  }

  private policyRules(m: EntityManager, tenantId: string, policyId: string): Promise<PolicyRuleEntity[]> {
    return this.rules.withManager(m).find(tenantId, { policyId }, { order: { position: 'ASC', id: 'ASC' } });
  }

  private async touchPolicy(m: EntityManager, tenantId: string, policyId: string, now: Date): Promise<void> {
    await this.policies.withManager(m).update(tenantId, { id: policyId }, { updatedAt: now });
  }

  /** Every change to policies and rules is one event type, `policy.changed`; `metadata.change` says which. */
  private record(
    m: EntityManager,
    caller: AdminCaller,
    change: PolicyChange,
    resourceType: 'policy' | 'policy_rule',
    resourceId: string,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.record(
      caller.tenant.id,
      {
        actorType: 'api_key',
        actorId: caller.key.keyId,
        action: 'policy.changed',
        resourceType,
        resourceId,
        metadata: { change, ...metadata },
      },
      m,
    );
  }
}

function policyInvalid(errors: RuleValidationError[], assembledText?: string): ApiError {
  const onlyPermits = errors.every((e) => e.message === PERMIT_REFUSED);
  const message = onlyPermits
    ? PERMIT_REFUSED
    : errors.length === 1
      ? `The policy is invalid: ${errors[0].message}`
      : `The policy is invalid (${errors.length} errors); nothing was stored.`;
  return new ApiError('policy_invalid', message, {
    details: { errors, ...(assembledText === undefined ? {} : { policy_text: assembledText }) },
  });
}

function withoutRuleId(e: RuleValidationError): RuleValidationError {
  const { rule_id: _ignored, ...rest } = e;
  return rest;
}

function toPolicyView(row: PolicyEntity, rules: PolicyRuleEntity[]): PolicyView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    enabled: row.enabled,
    priority: row.priority,
    rules: rules.map(toRuleView),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function toRuleView(row: PolicyRuleEntity): RuleView {
  return {
    id: row.id,
    policy_id: row.policyId,
    position: row.position,
    effect: statementEffect(row.policyText)?.effect ?? 'forbid',
    policy_text: row.policyText,
    notice: row.notice,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
