import { checkParsePolicySet, preparsePolicySet } from '@cedar-policy/cedar-wasm/nodejs';
import type { CompiledPolicySet } from './policy-set.compiler.js';
import { DecisionMemo } from './decision-memo.js';

export interface CachedPolicySet {
  tenantId: string;
  version: number;
  /** The preparsed id this tenant's set lives under. */
  slotId: string;
  set: CompiledPolicySet;
  /** Non-empty when the set could not be preparsed: every request of the tenant is denied. */
  errors: string[];
  /**
   * By action, the slot of the rules that can apply to it, taken on first use, and the shared
   * subset it holds (none when the action is asked of the entry's own slot).
   */
  actionSlots: Map<string, { slot: string; subset?: string }>;
  /** Decisions of this set, by request up to entity ids (decision-memo.ts). */
  memo: DecisionMemo;
}

/**
 * One preparsed Cedar set per tenant, in a bounded LRU, and beside it, per action asked, the
 * subset of its rules whose scope can match that action (see attribute-reads.ts).
 *
 * cedar-wasm has no delete and its memory never shrinks, so ids ("slots") are reused: a
 * tenant keeps its slot across versions (overwritten in place), and an evicted tenant's slot
 * is emptied and handed to the next new tenant. Tenant slots never exceed maxTenants.
 *
 * An action's subset is shared by every cached entry whose subset for that action is the same
 * rules under the same keys (tenants without rules of their own for the action share the
 * baseline's): each preparsed rule costs cedar-wasm several kilobytes, so one subset per tenant
 * and action would take several times the memory of the tenants' sets. A subset is counted by
 * the entries that use it, and emptied and its slot reused once none does; there are never more
 * subsets than maxTenants (past that, an action is asked of the tenant's whole set).
 * Synchronous on purpose: install and evaluation happen without an await in between.
 */
export class TenantPolicyCache {
  private readonly entries = new Map<string, CachedPolicySet>();
  private readonly freeSlots: string[] = [];
  private slotCount = 0;
  /** Action subsets by their rules (keys and texts), with the entries using each. */
  private readonly subsets = new Map<string, { slot: string; users: number }>();
  private readonly freeSubsetSlots: string[] = [];
  private subsetSlotCount = 0;

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

  /** The tenant's set, leaving the order of use as it is. */
  peek(tenantId: string): CachedPolicySet | undefined {
    return this.entries.get(tenantId);
  }

  /** Preparses `set` into the tenant's slot (replacing its previous version). */
  install(tenantId: string, set: CompiledPolicySet): CachedPolicySet {
    const previous = this.entries.get(tenantId);
    // Evict first, so a new tenant takes the freed slot and slots never exceed maxTenants.
    if (!previous) {
      while (this.entries.size >= this.maxTenants) this.evict(this.entries.keys().next().value as string);
    }
    if (previous) this.releaseActionSlots(previous);
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
    const entry: CachedPolicySet = {
      tenantId,
      version: set.version,
      slotId,
      set,
      errors,
      actionSlots: new Map(),
      memo: new DecisionMemo(),
    };
    this.entries.delete(tenantId);
    this.entries.set(tenantId, entry);
    return entry;
  }

  evict(tenantId: string): void {
    const entry = this.entries.get(tenantId);
    if (!entry) return;
    this.entries.delete(tenantId);
    preparsePolicySet(entry.slotId, { staticPolicies: {} });
    this.releaseActionSlots(entry);
    this.freeSlots.push(entry.slotId);
  }

  /**
   * The slot of the entry's rules that can apply to `action`, preparsed on first use; the whole
   * set's slot when its rules could not be read or the subset does not preparse.
   */
  actionSlot(entry: CachedPolicySet, action: string): string {
    const known = entry.actionSlots.get(action);
    if (known !== undefined) return known.slot;
    const { set } = entry;
    let taken: { slot: string; subset?: string } = { slot: entry.slotId };
    if (set.reads) {
      const keys = Object.keys(set.policies);
      const subset: Record<string, string> = {};
      let identity = '';
      for (const i of set.reads.rulesFor(action)) {
        subset[keys[i]] = set.policies[keys[i]];
        identity += `${keys[i]}\u0000${set.policies[keys[i]]}\u0000`;
      }
      const slot = this.takeSubset(identity, subset);
      if (slot !== undefined) taken = { slot, subset: identity };
    }
    entry.actionSlots.set(action, taken);
    return taken.slot;
  }

  /**
   * The slot holding `subset`, shared with the entries already using it; undefined when it does
   * not preparse or the subsets are as many as the tenants kept.
   */
  private takeSubset(identity: string, subset: Record<string, string>): string | undefined {
    const shared = this.subsets.get(identity);
    if (shared) {
      shared.users++;
      return shared.slot;
    }
    // At most as many subsets as tenants: past that, an action is asked of the tenant's whole set.
    if (this.subsets.size >= this.maxTenants) return undefined;
    const slot = this.freeSubsetSlots.pop() ?? `${this.slotPrefix}a${this.subsetSlotCount++}`;
    if (preparsePolicySet(slot, { staticPolicies: subset }).type !== 'success') {
      preparsePolicySet(slot, { staticPolicies: {} });
      this.freeSubsetSlots.push(slot);
      return undefined;
    }
    this.subsets.set(identity, { slot, users: 1 });
    return slot;
  }

  /** The entry no longer uses its action subsets: those no other entry uses are emptied. */
  private releaseActionSlots(entry: CachedPolicySet): void {
    for (const { slot, subset } of entry.actionSlots.values()) {
      if (subset === undefined) continue; // the entry's own slot
      const shared = this.subsets.get(subset)!;
      if (--shared.users > 0) continue;
      this.subsets.delete(subset);
      preparsePolicySet(slot, { staticPolicies: {} });
      this.freeSubsetSlots.push(slot);
    }
    entry.actionSlots.clear();
  }

  stats(): { tenants: number; slots: number; freeSlots: number } {
    return { tenants: this.entries.size, slots: this.slotCount, freeSlots: this.freeSlots.length };
  }

  /** Action subsets preparsed now, and slots made for them (reused once emptied). */
  subsetStats(): { subsets: number; subsetSlots: number } {
    return { subsets: this.subsets.size, subsetSlots: this.subsetSlotCount };
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
