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
  /** Slots holding only the rules that can apply to one action, made on first use, by action. */
  actionSlots: Map<string, string>;
}

/**
 * One preparsed Cedar set per tenant, in a bounded LRU, and beside it, per action asked, the
 * subset of its rules whose scope can match that action (see attribute-reads.ts).
 *
 * cedar-wasm has no delete and its memory never shrinks, so ids ("slots") are reused: a
 * tenant keeps its slot across versions (overwritten in place), and an evicted tenant's slot
 * is emptied and handed to the next new tenant. An action's slot is named after its tenant's
 * and filled again on the first use by each entry, so it never serves another tenant or version.
 * Tenant slots never exceed maxTenants, action slots maxTenants times the actions asked.
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
    const entry: CachedPolicySet = { tenantId, version: set.version, slotId, set, errors, actionSlots: new Map() };
    this.entries.delete(tenantId);
    this.entries.set(tenantId, entry);
    return entry;
  }

  evict(tenantId: string): void {
    const entry = this.entries.get(tenantId);
    if (!entry) return;
    this.entries.delete(tenantId);
    preparsePolicySet(entry.slotId, { staticPolicies: {} });
    for (const slot of entry.actionSlots.values()) preparsePolicySet(slot, { staticPolicies: {} });
    this.freeSlots.push(entry.slotId);
  }

  /**
   * The slot of the entry's rules that can apply to `action`, preparsed on first use; the whole
   * set's slot when its rules could not be read or the subset does not preparse.
   */
  actionSlot(entry: CachedPolicySet, action: string): string {
    const known = entry.actionSlots.get(action);
    if (known !== undefined) return known;
    const { set } = entry;
    let slot = entry.slotId;
    if (set.reads) {
      const keys = Object.keys(set.policies);
      const subset: Record<string, string> = {};
      for (const i of set.reads.rulesFor(action)) subset[keys[i]] = set.policies[keys[i]];
      const candidate = `${entry.slotId}/${action}`;
      if (preparsePolicySet(candidate, { staticPolicies: subset }).type === 'success') slot = candidate;
      else preparsePolicySet(candidate, { staticPolicies: {} });
    }
    entry.actionSlots.set(action, slot);
    return slot;
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
