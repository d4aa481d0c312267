import { policyToJson, type StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';

/**
 * The rules of a policy set that can apply to an action, and the attributes they can read.
 *
 * Turning a request's entity attributes and context into Cedar values is most of what a decision
 * costs in cedar-wasm: for a sign-in's verify_factor under the baseline, the same call with every
 * attribute left out costs under half as much. A rule reads an attribute only by naming it
 * (`e.name`, `e["name"]`, `e has name`, `e has a.b`): Cedar has no dynamic attribute access, and
 * entities compare by type and id. A rule whose action scope does not match the request's action
 * is not evaluated past its scope. So an attribute that no rule of the action's scope names
 * cannot change the decision, its reasons or its errors, and is left out of the request.
 *
 * Only for requests evaluated without the schema (whose checks read every attribute): there,
 * action entities have no parents, so `action in X` matches X alone.
 */
export interface AttributeReads {
  /** Attribute names any applicable rule names, on any entity or on the context. */
  readonly names: ReadonlySet<string>;
  /** True when a rule uses the context record as a whole (`context == {…}`): keep all of it. */
  readonly wholeContext: boolean;
  /** Entity types any rule of the set names an entity of: decisions depend on those entities' ids. */
  readonly namedEntityTypes: ReadonlySet<string>;
}

/** What one rule reads, and which actions it can apply to ('all' when its scope is not a list). */
interface RuleReads {
  actions: readonly string[] | 'all';
  names: readonly string[];
  wholeContext: boolean;
  /** Entity types the rule names an entity of (`User::"alice"`, in its scope or its conditions). */
  namedTypes: readonly string[];
}

const ACTION_TYPE = 'Tessera::Action';

/** Rule texts already read (the baseline's come with every tenant set); cleared when full. */
const MAX_MEMO = 4096;
const memo = new Map<string, RuleReads | null>();

/** The attribute reads of a set of rule texts, per action; undefined when a rule cannot be read. */
export class PolicyReads {
  private readonly byAction = new Map<string, AttributeReads>();
  private readonly namedEntityTypes: ReadonlySet<string>;

  private constructor(private readonly rules: readonly RuleReads[]) {
    this.namedEntityTypes = new Set(rules.flatMap((r) => r.namedTypes));
  }

  static of(texts: Iterable<string>): PolicyReads | undefined {
    const rules: RuleReads[] = [];
    for (const text of texts) {
      const reads = ruleReads(text);
      if (!reads) return undefined;
      rules.push(reads);
    }
    return new PolicyReads(rules);
  }

  /** The positions (in the order given) of the rules whose scope can match `action`. */
  rulesFor(action: string): number[] {
    const out: number[] = [];
    this.rules.forEach((rule, i) => {
      if (applies(rule, action)) out.push(i);
    });
    return out;
  }

  /** What the rules that can apply to `action` read. */
  forAction(action: string): AttributeReads {
    let reads = this.byAction.get(action);
    if (reads === undefined) {
      const names = new Set<string>();
      let wholeContext = false;
      for (const rule of this.rules) {
        if (!applies(rule, action)) continue;
        for (const name of rule.names) names.add(name);
        wholeContext ||= rule.wholeContext;
      }
      reads = { names, wholeContext, namedEntityTypes: this.namedEntityTypes };
      this.byAction.set(action, reads);
    }
    return reads;
  }
}

function applies(rule: RuleReads, action: string): boolean {
  return rule.actions === 'all' || rule.actions.includes(action);
}

function ruleReads(text: string): RuleReads | undefined {
  let reads = memo.get(text);
  if (reads === undefined) {
    reads = readRule(text);
    if (memo.size >= MAX_MEMO) memo.clear();
    memo.set(text, reads);
  }
  return reads ?? undefined;
}

function readRule(text: string): RuleReads | null {
  let answer: ReturnType<typeof policyToJson>;
  try {
    answer = policyToJson(text);
  } catch {
    return null;
  }
  if (answer.type !== 'success') return null;
  const est = answer.json as { action?: unknown; conditions?: unknown };
  const names = new Set<string>();
  const found = { wholeContext: false };
  walk(est.conditions, false, names, found);
  const namedTypes = new Set<string>();
  entityLiterals(est, namedTypes);
  return {
    actions: actionScope(est.action),
    names: [...names],
    wholeContext: found.wholeContext,
    namedTypes: [...namedTypes],
  };
}

/** The type of every `{type, id}` anywhere in the rule's JSON (scope and conditions alike). */
function entityLiterals(node: unknown, types: Set<string>): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) entityLiterals(item, types);
    return;
  }
  const record = node as Record<string, unknown>;
  if (typeof record['type'] === 'string' && typeof record['id'] === 'string') types.add(record['type']);
  for (const key in record) entityLiterals(record[key], types);
}

/** The action ids a rule's scope names; 'all' for `action` alone or anything not a plain list. */
function actionScope(scope: unknown): readonly string[] | 'all' {
  const s = scope as { op?: unknown; entity?: unknown; entities?: unknown } | undefined;
  if (s?.op !== '==' && s?.op !== 'in') return 'all';
  const entities = s.entities !== undefined ? s.entities : [s.entity];
  if (!Array.isArray(entities)) return 'all';
  const ids: string[] = [];
  for (const e of entities as { type?: unknown; id?: unknown }[]) {
    if (e?.type !== ACTION_TYPE || typeof e.id !== 'string') return 'all';
    ids.push(e.id);
  }
  return ids;
}

/**
 * Collects every attribute name under `.` and `has` anywhere in the condition's JSON (more names
 * than a rule reads only keeps more), and notes a `context` used other than to read from it.
 */
function walk(node: unknown, readFrom: boolean, names: Set<string>, found: { wholeContext: boolean }): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, false, names, found);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  for (const key in record) {
    const value = record[key];
    if ((key === '.' || key === 'has') && value !== null && typeof value === 'object') {
      const access = value as { left?: unknown; attr?: unknown };
      for (const name of Array.isArray(access.attr) ? access.attr : [access.attr]) {
        if (typeof name === 'string') names.add(name);
      }
      walk(access.left, true, names, found);
      for (const other in access)
        if (other !== 'left' && other !== 'attr') walk(access[other as 'left'], false, names, found);
      continue;
    }
    if (key === 'Var' && value === 'context' && !readFrom) found.wholeContext = true;
    walk(value, false, names, found);
  }
}

function pick<T>(attrs: Record<string, T>, names: ReadonlySet<string>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key in attrs) if (names.has(key)) out[key] = attrs[key];
  return out;
}

/** The call with only the attributes `reads` names, on every entity and on the context. */
export function withoutUnreadAttributes(
  call: StatefulAuthorizationCall,
  reads: Pick<AttributeReads, 'names' | 'wholeContext'>,
): StatefulAuthorizationCall {
  const entities = call.entities as { uid: unknown; attrs: Record<string, unknown>; parents: unknown }[];
  return {
    ...call,
    context: reads.wholeContext ? call.context : pick(call.context as Record<string, unknown>, reads.names),
    entities: entities.map((e) => ({ ...e, attrs: pick(e.attrs, reads.names) })),
  } as StatefulAuthorizationCall;
}
