import type { StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';

/**
 * Schema checks once per request shape.
 *
 * With a schema, cedar-wasm parses every entity and the context against it and checks the request
 * (principal and resource types for the action, the context's record type): about a fifth of a
 * decision. Whether a request passes depends only on its shape — the action, the principal and
 * resource types, and for the context and every entity the attribute names and the JSON kind of
 * each value, entity references and parents by type — as long as no type of the schema checks
 * values: no extension types (ipaddr, decimal, datetime, duration), no enumerated entity ids, no
 * action groups (which only the schema gives the action entities), no entity tags. For such a
 * schema, a request whose shape already passed is evaluated without it: Cedar reads the same JSON
 * as the same values either way (strings, longs, booleans, sets, records, entity references).
 */

/**
 * The JSON kind of one attribute value, as the schema would see it; undefined for anything else
 * (null, a non-integer number, an extension value, a nested record: with a schema, a record
 * `{type, id}` where an entity is declared reads as that entity, without one as a record).
 */
function kindOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return 's';
    case 'boolean':
      return 'b';
    case 'number':
      // Cedar's Long is a 64-bit integer; anything else is checked by the schema every time.
      return Number.isSafeInteger(value) ? 'l' : undefined;
    case 'object':
      if (value === null) return undefined;
      if (Array.isArray(value)) return setKind(value);
      return entityRefKind(value as Record<string, unknown>);
    default:
      return undefined;
  }
}

/** A set conforms by the kinds of its elements, whatever their number or order. */
function setKind(elements: readonly unknown[]): string | undefined {
  let first: string | undefined;
  let mixed: Set<string> | undefined;
  for (const element of elements) {
    const kind = kindOf(element);
    if (kind === undefined) return undefined;
    if (first === undefined) first = kind;
    else if (kind !== first) (mixed ??= new Set([first])).add(kind);
  }
  if (first === undefined) return '[]';
  return mixed ? `[${[...mixed].sort().join(',')}]` : `[${first}]`;
}

/** `{__entity: {type, id}}` and nothing else: the entity's type. */
function entityRefKind(value: Record<string, unknown>): string | undefined {
  const ref = value['__entity'] as { type?: unknown; id?: unknown } | null | undefined;
  if (ref === null || typeof ref !== 'object' || Object.keys(value).length !== 1) return undefined;
  return typeof ref.type === 'string' && typeof ref.id === 'string' ? `e:${ref.type}` : undefined;
}

const PLAIN_NAME = /^[A-Za-z0-9_]+$/;

/** A context or an entity's attributes: each name with its value's kind, in order. */
function attributesKind(record: Record<string, unknown>): string | undefined {
  let out = '{';
  for (const key in record) {
    // Names of letters, digits and underscores keep the shape unambiguous; keys like __entity,
    // __extn or __expr are escapes in Cedar's JSON, never plain names.
    if (!PLAIN_NAME.test(key) || key.startsWith('__')) return undefined;
    const kind = kindOf(record[key]);
    if (kind === undefined) return undefined;
    out += `${key}:${kind},`;
  }
  return `${out}}`;
}

/**
 * The shape of a call (see above), or undefined when it holds anything the shape cannot stand for
 * (an extension value, a null, a non-integer number): such a call is always checked by the schema.
 */
export function requestShape(call: StatefulAuthorizationCall): string | undefined {
  const raw = call.context as unknown;
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) return undefined;
  const context = raw === undefined ? '{}' : attributesKind(raw as Record<string, unknown>);
  if (context === undefined) return undefined;
  const action = uidParts(call.action);
  const principal = uidParts(call.principal);
  const resource = uidParts(call.resource);
  if (!action || !principal || !resource) return undefined;
  let out = `${action.type}::${action.id}|${principal.type}|${resource.type}|${context}`;
  const entities = call.entities as readonly {
    uid: { type: string; id: unknown };
    attrs?: Record<string, unknown>;
    parents?: readonly { type: string; id: unknown }[];
    tags?: unknown;
  }[];
  for (const entity of entities) {
    if (entity.tags !== undefined || typeof entity.uid.id !== 'string') return undefined;
    const attrs = attributesKind(entity.attrs ?? {});
    if (attrs === undefined) return undefined;
    out += `|${entity.uid.type}${attrs}<`;
    for (const parent of entity.parents ?? []) {
      if (typeof parent.id !== 'string') return undefined;
      out += `${parent.type},`;
    }
  }
  return out;
}

/** `{type, id}` with string parts, else undefined (the schema checks anything else). */
function uidParts(uid: unknown): { type: string; id: string } | undefined {
  const { type, id } = (uid ?? {}) as { type?: unknown; id?: unknown };
  return typeof type === 'string' && typeof id === 'string' ? { type, id } : undefined;
}

const PLAIN_TYPES = new Set(['String', 'Long', 'Bool', 'Set', 'Record', 'Entity']);

/**
 * Whether every check of `schema` (JSON, with resolved types) depends only on request shapes: no
 * type but String, Long, Bool, Set, Record, Entity and common types made of them, no enumerated
 * entity type, no entity tags, no action that is a member of another.
 */
export function schemaChecksOnlyShapes(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return false;
  const namespaces = Object.entries(schema as Record<string, unknown>).map(([name, value]) => ({
    name,
    ns: value as {
      entityTypes?: Record<string, { enum?: unknown; tags?: unknown; shape?: unknown }>;
      actions?: Record<string, { memberOf?: readonly unknown[]; appliesTo?: { context?: unknown } }>;
      commonTypes?: Record<string, unknown>;
    },
  }));
  const common = new Map<string, unknown>();
  for (const { name, ns } of namespaces) {
    for (const [typeName, type] of Object.entries(ns.commonTypes ?? {})) {
      common.set(name ? `${name}::${typeName}` : typeName, type);
    }
  }
  for (const { name, ns } of namespaces) {
    const plain = (type: unknown) => plainType(type, name, common, new Set());
    for (const entity of Object.values(ns.entityTypes ?? {})) {
      if (entity.enum !== undefined || entity.tags !== undefined) return false;
      if (entity.shape !== undefined && !plain(entity.shape)) return false;
    }
    for (const action of Object.values(ns.actions ?? {})) {
      if ((action.memberOf?.length ?? 0) > 0) return false;
      if (action.appliesTo?.context !== undefined && !plain(action.appliesTo.context)) return false;
    }
    for (const type of Object.values(ns.commonTypes ?? {})) if (!plain(type)) return false;
  }
  return true;
}

function plainType(type: unknown, namespace: string, common: Map<string, unknown>, seen: Set<string>): boolean {
  if (type === null || typeof type !== 'object') return false;
  const t = type as { type?: unknown; element?: unknown; attributes?: Record<string, unknown> };
  if (typeof t.type !== 'string') return false;
  if (!PLAIN_TYPES.has(t.type)) {
    // A common type by name: qualified, or bare within its namespace.
    const name = common.has(t.type) ? t.type : namespace ? `${namespace}::${t.type}` : t.type;
    if (!common.has(name) || seen.has(name)) return false;
    return plainType(common.get(name), namespace, common, new Set([...seen, name]));
  }
  if (t.type === 'Set') return plainType(t.element, namespace, common, seen);
  if (t.type === 'Record') return Object.values(t.attributes ?? {}).every((a) => plainType(a, namespace, common, seen));
  return true;
}
