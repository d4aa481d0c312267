import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiError } from '#errors';
import { ApiKeyEntity, TenantScopedRepository } from '#persistence';
import { AuditService } from '#audit';
// Files, not the index: libs/policy depends on this library's index.
import { PolicyService, adminAuthorization } from '#policy';
import { ApiKeysService, type ApiKeyView, type CreatedApiKey, type AdminCaller } from '#auth';

/**
 * Tenant admins manage their tenant's API keys (`manage_api_keys`). A key cannot revoke
 * itself: revoking needs another active key, so a tenant can never revoke its last key
 * by accident (the operator CLI can still issue a key for a tenant that lost them all).
 */
@Injectable()
export class ApiKeysAdminService {
  private readonly keys: TenantScopedRepository<ApiKeyEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeysService,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
  ) {
    this.keys = TenantScopedRepository.of(dataSource, ApiKeyEntity);
  }

  async create(caller: AdminCaller, name: string): Promise<CreatedApiKey> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_api_keys'));
    return this.dataSource.transaction(async (m) => {
      const key = await this.apiKeys.create(caller.tenant.id, name, m);
      await this.audit.record(
        caller.tenant.id,
        {
          actorType: 'api_key',
          actorId: caller.key.keyId,
          action: 'api_key.created',
          resourceType: 'api_key',
          resourceId: key.id,
          metadata: { name },
        },
        m,
      );
      return key;
    });
  }

  async list(caller: AdminCaller): Promise<ApiKeyView[]> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_api_keys'));
    return this.apiKeys.list(caller.tenant.id);
  }

  async revoke(caller: AdminCaller, id: string): Promise<void> {
    const row = await this.keys.findOne(caller.tenant.id, { id });
    // Another tenant's key is "not found" too: existence never leaks across tenants.
    if (!row) throw new ApiError('not_found', 'API key not found.');
    await this.policy.enforce(
      adminAuthorization(caller, 'manage_api_keys', { type: 'ApiKey', id, attrs: { scopes: row.scopes } }),
    );
    if (id === caller.key.keyId) {
      throw new ApiError('conflict', 'An API key cannot revoke itself. Revoke it with another key of this tenant.');
    }
    if (row.revokedAt) return;
    await this.dataSource.transaction(async (m) => {
      await this.apiKeys.revoke(caller.tenant.id, id, m);
      await this.audit.record(
        caller.tenant.id,
        {
          actorType: 'api_key',
          actorId: caller.key.keyId,
          action: 'api_key.revoked',
          resourceType: 'api_key',
          resourceId: id,
          metadata: { name: row.name },
        },
        m,
      );
    });
  }
}
