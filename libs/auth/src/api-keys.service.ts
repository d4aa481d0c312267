import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { ApiKeyEntity, TenantScopedRepository, findOneBy, newId } from '#persistence';
import { ApiError } from '#errors';
import { apiKeyMatches, generateApiKey, parseApiKeyPrefix } from './api-key.js';
import type { ApiKeyPrincipal } from './principal.js';

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface CreatedApiKey extends ApiKeyView {
  /** The whole key: returned once, never stored. */
  key: string;
}

export const ADMIN_SCOPE = 'admin';

@Injectable()
export class ApiKeysService {
  private readonly keys: TenantScopedRepository<ApiKeyEntity>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.keys = TenantScopedRepository.of(dataSource, ApiKeyEntity);
  }

  async create(tenantId: string, name: string, manager?: EntityManager): Promise<CreatedApiKey> {
    const generated = generateApiKey();
    const repo = manager ? this.keys.withManager(manager) : this.keys;
    const row = await repo.insert(tenantId, {
      id: newId(),
      name,
      prefix: generated.prefix,
      keyHash: generated.hash,
      scopes: [ADMIN_SCOPE],
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    return { ...toView(row), key: generated.key };
  }

  async list(tenantId: string): Promise<ApiKeyView[]> {
    const rows = await this.keys.find(tenantId, {}, { order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(toView);
  }

  async revoke(tenantId: string, id: string, manager?: EntityManager): Promise<ApiKeyView> {
    const repo = manager ? this.keys.withManager(manager) : this.keys;
    const row = await repo.findOne(tenantId, { id });
    if (!row) throw new ApiError('not_found', 'API key not found.');
    if (!row.revokedAt) {
      row.revokedAt = new Date();
      await repo.update(tenantId, { id, revokedAt: IsNull() }, { revokedAt: row.revokedAt });
    }
    return toView(row);
  }

  /** Resolves a presented key to its principal, or null when unknown or revoked. */
  async authenticate(key: string): Promise<ApiKeyPrincipal | null> {
    const prefix = parseApiKeyPrefix(key);
    if (!prefix) return null;
    // Lookup by the globally unique, non-secret prefix: the tenant is not known yet.
    const row = await findOneBy(this.dataSource.manager, ApiKeyEntity, { prefix });
    if (!row || row.revokedAt || !apiKeyMatches(key, row.keyHash)) return null;
    const now = new Date();
    // Coarse last-used stamp: at most one write a minute per key keeps the hot path cheap.
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
      await this.keys.update(row.tenantId, { id: row.id }, { lastUsedAt: now });
    }
    return { kind: 'api_key', keyId: row.id, tenantId: row.tenantId, scopes: row.scopes };
  }
}

function toView(row: ApiKeyEntity): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: `tsk_${row.prefix}`,
    scopes: row.scopes,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}
