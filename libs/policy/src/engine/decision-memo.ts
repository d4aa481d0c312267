import type { StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import type { Decision } from './engine.types.js';

/** Action ids are always kept: a decision is asked of its action's rules (attribute-reads.ts). */
const ACTION_TYPE = 'Tessera::Action';

/**
 * Decisions of one tenant's set at one version, by the request they answered, with entity ids
 * replaced by their order of first appearance.
 *
 * A Cedar decision is a function of the policies and the request alone: no clock, no randomness.
 * Cedar cannot read an entity's id as text either: entities compare by type and id, and `in`
 * follows the parents the request gives. So renaming entity ids one-to-one, everywhere in a
 * request, cannot change the decision, as long as no rule names an entity of that type itself
 * (`principal == User::"alice"`): ids of such types are kept. A sign-in's lean verify_factor
 * reads no context and only the `tenant` (and `owner`, `model_status`) attributes, so every
 * sign-in of a tenant under the baseline is one request up to its ids.
 *
 * Only decisions without errors are kept: an error message names the entity it is about. At most
 * `capacity` are, the least recently used evicted first.
 */
export class DecisionMemo {
  private readonly decisions = new Map<string, Decision>();

  constructor(private readonly capacity = 256) {}

  get(key: string): Decision | undefined {
    const found = this.decisions.get(key);
    if (!found) return undefined;
    // Map keeps insertion order: moving a decision to the end keeps the least recently used first.
    this.decisions.delete(key);
    this.decisions.set(key, found);
    return copy(found);
  }

  set(key: string, decision: Decision): void {
    if (decision.errors.length > 0) return;
    // Requests with a changing context (a registration's ages) are many and rarely asked again;
    // evicting the least recently used keeps the ones asked all the time (a tenant's sign-in).
    if (this.decisions.size >= this.capacity && !this.decisions.has(key))
      this.decisions.delete(this.decisions.keys().next().value as string);
    this.decisions.set(key, copy(decision));
  }

  get size(): number {
    return this.decisions.size;
  }
}

/** Callers may change what they are given; the memo keeps its own. */
function copy(d: Decision): Decision {
  return { allowed: d.allowed, determining: d.determining.map((r) => ({ ...r })), errors: [...d.errors] };
}

type Uid = { type: string; id: string };

/**
 * The key of a call: its JSON with the ids of entities whose type no rule names replaced by
 * their order of first appearance (principal, action, resource, context, then the entities).
 */
export function memoKey(call: StatefulAuthorizationCall, namedTypes: ReadonlySet<string>): string {
  const ids = new Map<string, string>();
  const uid = (u: Uid): Uid => {
    if (u.type === ACTION_TYPE || namedTypes.has(u.type)) return u;
    const key = `${u.type}\u0000${u.id}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = String(ids.size);
      ids.set(key, id);
    }
    return { type: u.type, id };
  };
  const value = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(value);
    if (v === null || typeof v !== 'object') return v;
    const record = v as Record<string, unknown>;
    if ('__entity' in record) return { __entity: uid(record['__entity'] as Uid) };
    if ('__extn' in record) return record;
    const out: Record<string, unknown> = {};
    for (const k in record) out[k] = value(record[k]);
    return out;
  };
  const entities = call.entities as { uid: Uid; attrs: Record<string, unknown>; parents: Uid[] }[];
  return JSON.stringify([
    uid(call.principal as Uid),
    uid(call.action as Uid),
    uid(call.resource as Uid),
    value(call.context),
    entities.map((e) => [uid(e.uid), value(e.attrs), e.parents.map(uid)]),
  ]);
}
