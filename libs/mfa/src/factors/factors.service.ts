import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantScopedRepository, WebAuthnCredentialEntity } from '../../../persistence/src/index.js';

export interface FactorView {
  id: string;
  method_type: string;
  device_name: string;
  verified: boolean;
  created_at: string;
  last_used_at: string | null;
  authenticator: { aaguid: string; name?: string; backed_up: boolean } | null;
}

/** A user's enrolled factors, across methods. */
@Injectable()
export class FactorsService {
  private readonly credentials: TenantScopedRepository<WebAuthnCredentialEntity>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.credentials = TenantScopedRepository.of(dataSource, WebAuthnCredentialEntity);
  }

  async list(tenantId: string, userId: string): Promise<FactorView[]> {
    const rows = await this.credentials.find(tenantId, { userId }, { order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map((c) => ({
      id: c.id,
      method_type: c.methodType,
      device_name: c.deviceName,
      verified: true,
      created_at: c.createdAt.toISOString(),
      last_used_at: c.lastUsedAt?.toISOString() ?? null,
      authenticator: { aaguid: c.aaguid, backed_up: c.backedUp },
    }));
  }

  /** Factors the user holds now: the `factor_count` of policy decisions. */
  count(tenantId: string, userId: string): Promise<number> {
    return this.credentials.count(tenantId, { userId });
  }
}
