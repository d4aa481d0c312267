import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantEntity, newId } from '../../persistence/src/index.js';
import { ApiError, validationFailed } from '../../errors/src/index.js';
import { ApiKeysService, type TenantContext } from '../../auth/src/index.js';
import { AuditService } from '../../audit/src/index.js';
import { normalizeOrigins, validateWebAuthnSettings, type WebAuthnSettingsInput } from './webauthn-settings.js';

export interface TenantView {
  id: string;
  name: string;
  status: string;
  require_mfa: boolean;
  webauthn: WebAuthnSettingsInput | null;
  created_at: string;
  updated_at: string;
}

export interface CreateTenantInput {
  id?: string;
  name: string;
  webauthn?: WebAuthnSettingsInput | null;
  require_mfa?: boolean;
}

export interface UpdateTenantInput {
  name?: string;
  status?: 'active' | 'disabled';
  webauthn?: WebAuthnSettingsInput | null;
  require_mfa?: boolean;
}

/**
 * How long a node may answer from its copy of a tenant row. Every request needs the tenant
 * (status, WebAuthn settings, policy version); a short TTL saves a query per request while a
 * change made on another node (disable, new policy version) is still seen within 0.5 s.
 */
const CONTEXT_TTL_MS = 500;

/** Tenants and their WebAuthn settings. The platform operator creates them. */
@Injectable()
export class TenantsService {
  private readonly contexts = new Map<string, { at: number; value: TenantContext | null }>();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  async create(input: CreateTenantInput): Promise<{ tenant: TenantView; apiKey: string }> {
    const webauthn = input.webauthn ? this.checkedSettings(input.webauthn) : null;
    const now = new Date();
    return this.dataSource.transaction(async (manager) => {
      const id = (input.id ?? newId()).toLowerCase();
      if (input.id && (await manager.getRepository(TenantEntity).findOne({ where: { id } }))) {
        throw new ApiError('conflict', 'A tenant with this id already exists.');
      }
      const row = manager.getRepository(TenantEntity).create({
        id,
        name: input.name,
        status: 'active',
        webauthn,
        requireMfa: input.require_mfa ?? false,
        policyVersion: 0,
        createdAt: now,
        updatedAt: now,
      });
      await manager.getRepository(TenantEntity).insert(row);
      const key = await this.apiKeys.create(id, 'initial admin key', manager);
      await this.audit.record(id, { actorType: 'platform', actorId: 'platform', action: 'tenant.created', resourceType: 'tenant', resourceId: id, metadata: { name: input.name } }, manager);
      await this.audit.record(id, { actorType: 'platform', actorId: 'platform', action: 'api_key.created', resourceType: 'api_key', resourceId: key.id, metadata: { name: key.name } }, manager);
      this.invalidate(id);
      return { tenant: toView(row), apiKey: key.key };
    });
  }

  async get(id: string): Promise<TenantView> {
    const row = await this.find(id);
    if (!row) throw new ApiError('not_found', 'Tenant not found.');
    return toView(row);
  }

  async list(): Promise<TenantView[]> {
    const rows = await this.dataSource.getRepository(TenantEntity).find({ order: { createdAt: 'ASC' } });
    return rows.map(toView);
  }

  async update(id: string, patch: UpdateTenantInput): Promise<TenantView> {
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(TenantEntity);
      const row = await repo.findOne({ where: { id: id.toLowerCase() } });
      if (!row) throw new ApiError('not_found', 'Tenant not found.');
      if (patch.name !== undefined) row.name = patch.name;
      if (patch.status !== undefined) row.status = patch.status;
      if (patch.require_mfa !== undefined) row.requireMfa = patch.require_mfa;
      if (patch.webauthn !== undefined) row.webauthn = patch.webauthn === null ? null : this.checkedSettings(patch.webauthn);
      row.updatedAt = new Date();
      await repo.update({ id: row.id }, { name: row.name, status: row.status, requireMfa: row.requireMfa, webauthn: row.webauthn, updatedAt: row.updatedAt });
      this.invalidate(row.id);
      await this.audit.record(row.id, { actorType: 'platform', actorId: 'platform', action: 'tenant.updated', resourceType: 'tenant', resourceId: row.id, metadata: { fields: Object.keys(patch) } }, manager);
      return toView(row);
    });
  }

  /** The tenant a request is bound to, or null when it does not exist (cached for CONTEXT_TTL_MS). */
  async context(id: string): Promise<TenantContext | null> {
    const key = id.toLowerCase();
    const now = Date.now();
    const cached = this.contexts.get(key);
    if (cached && now - cached.at < CONTEXT_TTL_MS) return cached.value;
    const value = await this.load(key);
    if (this.contexts.size > 10_000) this.contexts.clear();
    this.contexts.set(key, { at: now, value });
    return value;
  }

  /** Drops this node's copy after a change, so the change applies here on the next request. */
  invalidate(id: string): void {
    this.contexts.delete(id.toLowerCase());
  }

  private async load(id: string): Promise<TenantContext | null> {
    const row = await this.find(id);
    if (!row) return null;
    return {
      id: row.id,
      name: row.name,
      status: row.status,
      requireMfa: row.requireMfa,
      policyVersion: row.policyVersion,
      webauthn: row.webauthn ? { rpId: row.webauthn.rp_id, rpName: row.webauthn.rp_name, origins: row.webauthn.origins } : null,
    };
  }

  /** Every origin any tenant lists: the CORS allow list. */
  async allOrigins(): Promise<string[]> {
    const rows = await this.dataSource.getRepository(TenantEntity).find({ select: { webauthn: true, status: true } });
    return rows.filter((r) => r.status === 'active').flatMap((r) => r.webauthn?.origins ?? []);
  }

  private find(id: string): Promise<TenantEntity | null> {
    return this.dataSource.getRepository(TenantEntity).findOne({ where: { id: id.toLowerCase() } });
  }

  private checkedSettings(input: WebAuthnSettingsInput): WebAuthnSettingsInput {
    const errors = validateWebAuthnSettings(input);
    if (errors.length > 0) throw validationFailed(errors, 'The WebAuthn settings are invalid.');
    return { rp_id: input.rp_id.toLowerCase(), rp_name: input.rp_name, origins: normalizeOrigins(input.origins) };
  }
}

function toView(row: TenantEntity): TenantView {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    require_mfa: row.requireMfa,
    webauthn: row.webauthn,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
