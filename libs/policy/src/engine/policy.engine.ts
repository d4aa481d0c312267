import {
  preparsePolicySet,
  preparseSchema,
  schemaToJsonWithResolvedTypes,
  statefulIsAuthorized,
} from '@cedar-policy/cedar-wasm/nodejs';
import { ApiError } from '#errors';
import { withoutUnreadAttributes } from './attribute-reads.js';
import { memoKey, type DecisionMemo } from './decision-memo.js';
import { buildCall } from './cedar-request.builder.js';
import { deny, toDecision } from './decision.mapper.js';
import type {
  Decision,
  DeterminingRule,
  PolicyRequest,
  RuleLoader,
  RuleSource,
  RuleValidationResult,
} from './engine.types.js';
import { loadPolicyFiles, type BaselineRule } from './policy-files.loader.js';
import { compilePolicySet, type CompiledPolicySet } from './policy-set.compiler.js';
import { requestShape, schemaChecksOnlyShapes } from './request-shape.js';
import { validatePolicySetText, validateRules, type PolicySetValidationResult } from './rule.validator.js';
import { TenantPolicyCache } from './tenant-policy.cache.js';

export interface PolicyEngineOptions {
  /** Folder with schema.cedarschema and the baseline *.cedar; found by walking up by default. */
  policiesDir?: string;
  /** Tenants whose sets stay preparsed (LRU). Default 1000. */
  maxTenants?: number;
  /**
   * `once-per-shape` (default): a request whose shape already passed the schema's checks is
   * evaluated without them (see request-shape.ts); `every-request`: always with them.
   */
  schemaChecks?: 'once-per-shape' | 'every-request';
  /**
   * `action` (default): a request evaluated without the schema is asked of the rules whose scope
   * can match its action, with only the attributes they read (see attribute-reads.ts); `all`:
   * every rule and every attribute, always.
   */
  leanRequests?: 'action' | 'all';
  /**
   * true (default): a lean request's decision is kept per tenant set, by the request up to the
   * ids of entities no rule names (see decision-memo.ts); false: Cedar decides every request.
   */
  decisionMemo?: boolean;
}

/** Request shapes remembered as conforming; a service asks a few dozen. Cleared when full. */
const MAX_SHAPES = 4096;

/** cedar-wasm's registries are process-global: each engine gets its own id prefix. */
let engineCount = 0;

/**
 * Cedar decisions for Tessera: the baseline from `policies/` plus each tenant's rules,
 * preparsed once per (tenant, version) and evaluated against a handful of entities.
 */
export class PolicyEngine {
  private readonly baseline: readonly BaselineRule[];
  private readonly schemaName: string;
  private readonly simulationSlot: string;
  private readonly cache: TenantPolicyCache;
  private readonly inflight = new Map<string, { version: number; promise: Promise<CompiledPolicySet> }>();
  /** Shapes that passed the schema's checks; undefined when the schema checks more than shapes. */
  private readonly conformingShapes: Set<string> | undefined;
  private readonly leanRequests: boolean;
  private readonly memoizes: boolean;

  /** Reads and validates `policies/` (throws if the baseline is invalid) and preparses the schema. */
  static create(options: PolicyEngineOptions = {}): PolicyEngine {
    return new PolicyEngine(options);
  }

  readonly schemaText: string;

  private constructor(options: PolicyEngineOptions) {
    const files = loadPolicyFiles(options.policiesDir);
    this.schemaText = files.schemaText;
    this.baseline = files.baseline;
    const prefix = `tessera${engineCount++}`;
    this.schemaName = `${prefix}:schema`;
    this.simulationSlot = `${prefix}:simulate`;
    const parsed = preparseSchema(this.schemaName, files.schemaText);
    if (parsed.type !== 'success') {
      throw new Error(`Invalid Cedar schema: ${parsed.errors.map((e) => e.message).join('; ')}`);
    }
    this.cache = new TenantPolicyCache(options.maxTenants ?? 1000, `${prefix}:t`);
    const resolved = schemaToJsonWithResolvedTypes(files.schemaText);
    this.conformingShapes =
      options.schemaChecks !== 'every-request' && resolved.type === 'success' && schemaChecksOnlyShapes(resolved.json)
        ? new Set()
        : undefined;
    this.leanRequests = options.leanRequests !== 'all';
    this.memoizes = this.leanRequests && options.decisionMemo !== false;
  }

  /** Baseline rule ids and notices, in evaluation order. */
  baselineRules(): DeterminingRule[] {
    return this.baseline.map((r) =>
      r.notice === undefined
        ? { id: r.id, source: 'baseline' }
        : {
            id: r.id,
            source: 'baseline',
            notice: r.notice,
            ...(r.translations ? { noticeTranslations: r.translations } : {}),
          },
    );
  }

  /** Strict validation of tenant rules against the schema; run before storing a rule. */
  validateRules(rules: readonly { id: string; text: string }[]): RuleValidationResult {
    return validateRules(this.schemaText, rules);
  }

  /** Splits a text of one or more statements and validates each strictly against the schema. */
  validatePolicySet(text: string): PolicySetValidationResult {
    return validatePolicySetText(this.schemaText, text);
  }

  /**
   * Decides `request` for `tenantId` under its rules at `version` (a counter that grows with
   * every change). `loadRules` is called only when this node has no set at that version or
   * newer; concurrent callers of one tenant share one load. A failing load throws
   * `service_unavailable`; everything else resolves to a Decision (errors deny).
   */
  async authorize(tenantId: string, version: number, loadRules: RuleLoader, request: PolicyRequest): Promise<Decision> {
    if (!Number.isSafeInteger(version)) throw new TypeError(`policy version must be an integer, got ${version}`);
    const mismatch = tenantMismatch(tenantId, request);
    if (mismatch) return deny([mismatch]);
    let entry = this.cache.get(tenantId);
    if (!entry || entry.version < version) {
      const set = await this.load(tenantId, version, loadRules);
      // Other tenants may have been installed (and this one evicted) while we waited.
      entry = this.cache.get(tenantId);
      if (!entry || entry.version < set.version) entry = this.cache.install(tenantId, set);
    }
    if (entry.errors.length > 0) return deny([...entry.errors]);
    const cached = entry;
    return this.evaluate(
      entry.slotId,
      entry.set,
      request,
      () => this.cache.actionSlot(cached, request.action),
      this.memoizes ? entry.memo : undefined,
    );
  }

  /**
   * Decides `request` under the baseline plus exactly `rules` (e.g. a draft rule set an admin
   * is testing), without touching the cache. Synchronous.
   */
  simulate(rules: readonly RuleSource[], request: PolicyRequest): Decision {
    const mismatch = tenantMismatch(request.principal.tenantId, request);
    if (mismatch) return deny([mismatch]);
    const set = compilePolicySet(this.baseline, rules, 0);
    const answer = preparsePolicySet(this.simulationSlot, { staticPolicies: set.policies });
    try {
      if (answer.type !== 'success')
        return deny(answer.errors.map((e) => `policy set could not be parsed: ${e.message}`));
      return this.evaluate(this.simulationSlot, set, request);
    } finally {
      preparsePolicySet(this.simulationSlot, { staticPolicies: {} });
    }
  }

  /** Drops a tenant's cached set (e.g. tenant disabled); the next request reloads it. */
  invalidate(tenantId: string): void {
    this.cache.evict(tenantId);
  }

  stats(): { tenants: number; slots: number; freeSlots: number; loading: number } {
    return { ...this.cache.stats(), loading: this.inflight.size };
  }

  /** Decisions kept for the tenant's cached set (tests, diagnostics); undefined when none is cached. */
  decisionMemoSize(tenantId: string): number | undefined {
    return this.cache.peek(tenantId)?.memo.size;
  }

  /** The rule subsets preparsed per action, shared by the tenants with the same (tests, diagnostics). */
  actionSubsetStats(): { subsets: number; subsetSlots: number } {
    return this.cache.subsetStats();
  }

  /** Request shapes known to pass the schema's checks; undefined when every request is checked. */
  conformingShapeCount(): number | undefined {
    return this.conformingShapes?.size;
  }

  /** Cached tenant ids, least recently used first (for tests and diagnostics). */
  cachedTenants(): string[] {
    return this.cache.tenants();
  }

  private load(tenantId: string, version: number, loadRules: RuleLoader): Promise<CompiledPolicySet> {
    const current = this.inflight.get(tenantId);
    if (current && current.version >= version) return current.promise;
    const promise = (async () => {
      let rules: readonly RuleSource[];
      try {
        rules = await loadRules();
      } catch (cause) {
        throw new ApiError('service_unavailable', 'Policy rules could not be loaded.', { cause });
      }
      return compilePolicySet(this.baseline, rules, version);
    })();
    const flight = { version, promise };
    this.inflight.set(tenantId, flight);
    const done = () => {
      if (this.inflight.get(tenantId) === flight) this.inflight.delete(tenantId);
    };
    promise.then(done, done);
    return promise;
  }

  /**
   * `actionSlot`, when given, names the slot of the rules that can apply to the request's action;
   * `memo` keeps the set's lean decisions.
   */
  private evaluate(
    slotId: string,
    set: CompiledPolicySet,
    request: PolicyRequest,
    actionSlot?: () => string,
    memo?: DecisionMemo,
  ): Decision {
    try {
      const call = buildCall(request, slotId, this.schemaName);
      const shapes = this.conformingShapes;
      const shape = shapes ? requestShape(call) : undefined;
      if (shape === undefined || !shapes) return toDecision(statefulIsAuthorized(call), set);
      if (shapes.has(shape)) {
        // This shape passed the schema's checks before: it passes them again (request-shape.ts).
        // Without the schema, only the rules whose scope can match the action are asked, and what
        // none of them reads is left out (attribute-reads.ts).
        const reads = this.leanRequests ? set.reads?.forAction(request.action) : undefined;
        const lean = reads ? withoutUnreadAttributes(call, reads) : call;
        // A request asked before, up to the ids of entities no rule names, is answered as then.
        const kept = reads && memo ? { memo, key: memoKey(lean, reads.namedEntityTypes) } : undefined;
        const known = kept?.memo.get(kept.key);
        if (known) return known;
        const preparsedPolicySetId = reads && actionSlot ? actionSlot() : slotId;
        const decision = toDecision(
          statefulIsAuthorized({
            ...lean,
            preparsedPolicySetId,
            preparsedSchemaName: undefined,
            validateRequest: false,
          }),
          set,
        );
        kept?.memo.set(kept.key, decision);
        return decision;
      }
      const answer = statefulIsAuthorized(call);
      if (answer.type === 'success') {
        if (shapes.size >= MAX_SHAPES) shapes.clear();
        shapes.add(shape);
      }
      return toDecision(answer, set);
    } catch (e) {
      return deny([`authorization threw: ${e instanceof Error ? e.message : String(e)}`]);
    }
  }
}

/** Everything in one request must belong to the tenant being decided for. */
function tenantMismatch(tenantId: string, request: PolicyRequest): string | undefined {
  const { principal, resource } = request;
  if (principal.tenantId !== tenantId) return 'principal belongs to another tenant';
  if (resource.tenantId !== tenantId) return 'resource belongs to another tenant';
  if (resource.type === 'Tenant' && resource.id !== tenantId) return 'resource is another tenant';
  if (request.related?.some((e) => e.tenantId !== tenantId || (e.type === 'Tenant' && e.id !== tenantId))) {
    return 'a related entity belongs to another tenant';
  }
  return undefined;
}
