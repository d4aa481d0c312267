import type { EntityJson, EntityUidJson, StatefulAuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyAttrs, PolicyEntity, PolicyEntityType, PolicyRequest } from './engine.types.js';

const NS = 'Tessera::';
const ACTION_TYPE = `${NS}Action`;
const TENANT_TYPE = `${NS}Tenant`;
const qualified = new Map<string, string>();

function qualify(type: string): string {
  let q = qualified.get(type);
  if (q === undefined) {
    q = type.includes('::') ? type : NS + type;
    qualified.set(type, q);
  }
  return q;
}

function uid(type: string, id: string): EntityUidJson {
  return { type: qualify(type), id };
}

/** Converts `{type, id}` refs to Cedar entity values; everything else passes as is. */
function cedarAttrs(attrs: PolicyAttrs, tenantId: string): EntityJson['attrs'] {
  const out: Record<string, unknown> = {};
  for (const key in attrs) {
    const v = attrs[key] as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const ref = v as { type?: unknown; id?: unknown };
      if (typeof ref.type === 'string' && typeof ref.id === 'string' && Object.keys(v).length === 2) {
        out[key] = { __entity: uid(ref.type, ref.id) };
        continue;
      }
    }
    out[key] = v;
  }
  // The engine states the tenant; a caller-supplied `tenant` cannot move an entity.
  out['tenant'] = { __entity: { type: TENANT_TYPE, id: tenantId } };
  return out as EntityJson['attrs'];
}

function tenantEntity(tenantId: string): EntityJson {
  return { uid: { type: TENANT_TYPE, id: tenantId }, attrs: {}, parents: [] };
}

function memberEntity(e: PolicyEntity): EntityJson {
  return {
    uid: uid(e.type, e.id),
    attrs: cedarAttrs(e.attrs, e.tenantId),
    parents: [{ type: TENANT_TYPE, id: e.tenantId }],
  };
}

/**
 * The entities a decision needs: principal, resource, their tenant(s), plus `related`.
 * Duplicates (same type and id) are sent once, the first occurrence winning.
 */
export function buildEntities(request: PolicyRequest): EntityJson[] {
  const out: EntityJson[] = [];
  const seen = new Set<string>();
  const push = (type: PolicyEntityType, id: string, make: () => EntityJson) => {
    const k = `${type}\u0000${id}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(make());
  };
  const { principal, resource } = request;
  push(principal.type, principal.id, () => memberEntity(principal));
  if (resource.type !== 'Tenant') push(resource.type, resource.id, () => memberEntity(resource));
  push('Tenant', principal.tenantId, () => tenantEntity(principal.tenantId));
  push('Tenant', resource.tenantId, () => tenantEntity(resource.tenantId));
  if (request.related) {
    for (const e of request.related) {
      push(e.type, e.id, () => (e.type === 'Tenant' ? tenantEntity(e.id) : memberEntity(e)));
    }
  }
  return out;
}

export function buildCall(
  request: PolicyRequest,
  preparsedPolicySetId: string,
  preparsedSchemaName: string,
): StatefulAuthorizationCall {
  return {
    principal: uid(request.principal.type, request.principal.id),
    action: { type: ACTION_TYPE, id: request.action },
    resource: uid(request.resource.type, request.resource.id),
    context: request.context as StatefulAuthorizationCall['context'],
    entities: buildEntities(request),
    preparsedPolicySetId,
    preparsedSchemaName,
    validateRequest: true,
  };
}
