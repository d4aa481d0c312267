import { checkParsePolicySet, preparsePolicySet } from '@cedar-policy/cedar-wasm/nodejs';
import type { CompiledPolicySet } from './policy-set.compiler.js';

export interface CachedPolicySet {
  tenantId: string;
  version: number;
  /** The preparsed id this tenant's set lives under. */
  slotId: string;
  set: CompiledPolicySet;
  /** Non-empty when the set could not be preparsed: every request of the tenant is denied. */
  errors: string[];
}

/**
 * One preparsed Cedar set per tenant, in a bounded LRU.
 *
 * cedar-wasm has no delete and its memory never shrinks, so ids ("slots") are reused: a
 * tenant keeps its slot across versions (overwritten in place), and an evicted tenant's slot
 * is emptied and handed to the next new tenant. Slot count never exceeds maxTenants.
 * Synchronous on purpose: install and evaluation happen without an await in between.
 */
export class TenantPolicyCache {
  private readonly entries = new Map<string, CachedPolicySet>();
  private readonly freeSlots: string[] = [];
  private slotCount = 0;

  constructor(
    private readonly maxTenants: number,
    private readonly slotPrefix: string,
  ) {
    if (!Number.isInteger(maxTenants) || maxTenants < 1) throw new Error('maxTenants must be a positive integer');
  }

  /** The tenant's set, marked most recently used. */
  get(tenantId: string): CachedPolicySet | undefined {
    const entry = this.entries.get(tenantId);
    if (entry) {
      this.entries.delete(tenantId);
      this.entries.set(tenantId, entry);
    }
    return entry;
  }

  /** Preparses `set` into the tenant's slot (replacing its previous version). */
  install(tenantId: string, set: CompiledPolicySet): CachedPolicySet {
    const previous = this.entries.get(tenantId);
    // Evict first, so a new tenant takes the freed slot and slots never exceed maxTenants.
    if (!previous) {
      while (this.entries.size >= this.maxTenants) this.evict(this.entries.keys().next().value as string);
    }
    const slotId = previous?.slotId ?? this.freeSlots.pop() ?? `${this.slotPrefix}${this.slotCount++}`;
    const errors: string[] = [];
    const answer = preparsePolicySet(slotId, { staticPolicies: set.policies });
    if (answer.type !== 'success') {
      // A failed preparse leaves the old set active under this id: clear it.
      preparsePolicySet(slotId, { staticPolicies: {} });
      errors.push(
        ...parseErrorsByRule(
          set,
          answer.errors.map((e) => e.message),
        ),
      );
    }
    const entry: CachedPolicySet = { tenantId, version: set.version, slotId, set, errors };
    this.entries.delete(tenantId);
    this.entries.set(tenantId, entry);
    return entry;
  }

  evict(tenantId: string): void {
    const entry = this.entries.get(tenantId);
    if (!entry) return;
    this.entries.delete(tenantId);
    preparsePolicySet(entry.slotId, { staticPolicies: {} });
    this.freeSlots.push(entry.slotId);
  }

  stats(): { tenants: number; slots: number; freeSlots: number } {
    return { tenants: this.entries.size, slots: this.slotCount, freeSlots: this.freeSlots.length };
  }

  /** Tenant ids, least recently used first. */
  tenants(): string[] {
    return [...this.entries.keys()];
  }
}

/** Slow path after a failed preparse: name the rules that do not parse. */
function parseErrorsByRule(set: CompiledPolicySet, fallback: string[]): string[] {
  const out: string[] = [];
  for (const [key, text] of Object.entries(set.policies)) {
    const answer = checkParsePolicySet({ staticPolicies: { [key]: text } });
    if (answer.type !== 'success') {
      const rule = set.rules[set.indexByKey.get(key)!];
      out.push(`rule ${rule.id} does not parse: ${answer.errors.map((e) => e.message).join('; ')}`);
    }
  }
  return out.length > 0 ? out : fallback.map((m) => `policy set could not be parsed: ${m}`);
}
