import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '#config';
import { ApiError } from '#errors';
import type { ApiKeyPrincipal, TenantContext, UserPrincipal } from '#auth';
import { AuditService } from '#audit';
import { PolicyService, adminAuthorization, factorHoldings, holdsMfa, userAuthorization } from '#policy';
import {
  BackupCodeEntity,
  MfaChallengeEntity,
  PendingEnrollmentEntity,
  TenantScopedRepository,
  TotpFactorEntity,
  WebAuthnCredentialEntity,
} from '#persistence';
import { FactorsService, methodTypeOf, toView, type FactorRow, type FactorView } from './factors.service.js';
import { CredentialSignalsService, type CredentialSignals } from './credential-signals.service.js';

export interface UserFactorsView {
  user_id: string;
  methods: FactorView[];
  backup_codes_remaining: number;
}

export interface ResetResult {
  removed_factors: number;
  removed_backup_codes: number;
  signals: CredentialSignals | null;
}

/** Renaming and removing factors, by their owner or by a tenant administrator; all audited. */
@Injectable()
export class FactorManagementService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly factors: FactorsService,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly signals: CredentialSignalsService,
  ) {}

  async rename(
    tenant: TenantContext,
    user: UserPrincipal,
    id: string,
    deviceName: string,
    ip: string,
  ): Promise<FactorView> {
    const factor = await this.ownFactor(tenant, user, id);
    const summary = await this.factors.summary(tenant.id, user.userId);
    await this.enforceOwner(tenant, user, 'rename_factor', factor, factorHoldings(summary), ip);
    await this.dataSource.transaction(async (manager) => {
      await this.repoOf(factor, manager).update(tenant.id, { id: factor.row.id }, { deviceName });
      await this.audit.record(
        tenant.id,
        {
          actorType: 'user',
          actorId: user.userId,
          action: 'factor.renamed',
          resourceType: 'factor',
          resourceId: factor.row.id,
          metadata: { method_type: methodTypeOf(factor) },
        },
        manager,
      );
    });
    factor.row.deviceName = deviceName;
    return toView(factor);
  }

  /**
   * Removes one of the user's factors (the baseline keeps the last one when the tenant requires
   * MFA). Removing the last verified factor also clears the backup codes: they only back up factors.
   * Returns the signals that let the browser forget a removed passkey.
   */
  async remove(
    tenant: TenantContext,
    user: UserPrincipal,
    id: string,
    ip: string,
  ): Promise<{ signals: CredentialSignals | null }> {
    const factor = await this.ownFactor(tenant, user, id);
    const summary = await this.factors.summary(tenant.id, user.userId);
    // An unverified TOTP factor is an abandoned enrollment: count it, so keep_last_factor does not
    // hold it hostage to the user's one real factor.
    const factorCount = isVerified(factor) ? summary.factorCount : summary.factorCount + 1;
    await this.enforceOwner(tenant, user, 'remove_factor', factor, { factorCount, hasMfa: holdsMfa(summary) }, ip);
    await this.dataSource.transaction(async (manager) => {
      const codes = await this.deleteFactor(manager, tenant.id, user.userId, factor);
      await this.audit.record(
        tenant.id,
        {
          actorType: 'user',
          actorId: user.userId,
          action: 'factor.removed',
          resourceType: 'factor',
          resourceId: factor.row.id,
          metadata: { method_type: methodTypeOf(factor), backup_codes_removed: codes },
        },
        manager,
      );
    });
    return { signals: await this.signals.forUser(tenant, user.userId, user.names) };
  }

  async adminList(tenant: TenantContext, key: ApiKeyPrincipal, userId: string, ip: string): Promise<UserFactorsView> {
    await this.enforceAdmin(tenant, key, { type: 'Tenant', id: tenant.id }, ip);
    const [methods, summary] = await Promise.all([
      this.factors.list(tenant.id, userId),
      this.factors.summary(tenant.id, userId),
    ]);
    return { user_id: userId, methods, backup_codes_remaining: summary.unusedBackupCodes };
  }

  async adminRemove(
    tenant: TenantContext,
    key: ApiKeyPrincipal,
    userId: string,
    id: string,
    ip: string,
  ): Promise<void> {
    const factor = await this.factors.find(tenant.id, userId, id);
    if (!factor) throw new ApiError('not_found', 'Factor not found');
    await this.enforceAdmin(tenant, key, factorResource(factor, userId), ip, userId);
    await this.dataSource.transaction(async (manager) => {
      const codes = await this.deleteFactor(manager, tenant.id, userId, factor);
      await this.audit.record(
        tenant.id,
        {
          actorType: 'api_key',
          actorId: key.keyId,
          action: 'factor.removed',
          resourceType: 'factor',
          resourceId: factor.row.id,
          metadata: { user_id: userId, method_type: methodTypeOf(factor), backup_codes_removed: codes },
        },
        manager,
      );
    });
  }

  /** Every factor, backup code, open challenge and pending enrollment of the user, in one transaction. */
  async adminReset(tenant: TenantContext, key: ApiKeyPrincipal, userId: string, ip: string): Promise<ResetResult> {
    await this.enforceAdmin(tenant, key, { type: 'Tenant', id: tenant.id }, ip, userId);
    const removed = await this.dataSource.transaction(async (manager) => {
      const credentials = await TenantScopedRepository.of(manager, WebAuthnCredentialEntity).delete(tenant.id, {
        userId,
      });
      const totp = await TenantScopedRepository.of(manager, TotpFactorEntity).delete(tenant.id, { userId });
      const codes = await TenantScopedRepository.of(manager, BackupCodeEntity).delete(tenant.id, { userId });
      await TenantScopedRepository.of(manager, MfaChallengeEntity).delete(tenant.id, { userId });
      await TenantScopedRepository.of(manager, PendingEnrollmentEntity).delete(tenant.id, { userId });
      const result = { removed_factors: credentials + totp, removed_backup_codes: codes };
      await this.audit.record(
        tenant.id,
        {
          actorType: 'api_key',
          actorId: key.keyId,
          action: 'factor.reset_by_admin',
          resourceType: 'user',
          resourceId: userId,
          metadata: { ...result },
        },
        manager,
      );
      return result;
    });
    return { ...removed, signals: await this.signals.forUser(tenant, userId) };
  }

  private async ownFactor(tenant: TenantContext, user: UserPrincipal, id: string): Promise<FactorRow> {
    const factor = await this.factors.find(tenant.id, user.userId, id);
    if (!factor) throw new ApiError('not_found', 'Factor not found');
    return factor;
  }

  private async enforceOwner(
    tenant: TenantContext,
    user: UserPrincipal,
    action: 'rename_factor' | 'remove_factor',
    factor: FactorRow,
    holdings: { factorCount: number; hasMfa: boolean },
    ip: string,
  ): Promise<void> {
    await this.policy.enforce(
      userAuthorization({ tenant, user, ip }, action, factorResource(factor, user.userId), {
        methodType: methodTypeOf(factor),
        ...holdings,
        now: this.clock.now(),
      }),
    );
  }

  private async enforceAdmin(
    tenant: TenantContext,
    key: ApiKeyPrincipal,
    resource: ReturnType<typeof factorResource> | { type: 'Tenant'; id: string },
    ip: string,
    ownerId?: string,
  ): Promise<void> {
    await this.policy.enforce({
      ...adminAuthorization({ tenant, key, ip }, 'manage_user_factors', resource),
      related: ownerId === undefined ? [] : [{ type: 'User', id: ownerId, tenantId: tenant.id, attrs: { roles: [] } }],
    });
  }

  /** Deletes the factor; when no verified factor is left, the backup codes too. Returns codes removed. */
  private async deleteFactor(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    factor: FactorRow,
  ): Promise<number> {
    await this.repoOf(factor, manager).delete(tenantId, { id: factor.row.id });
    if ((await this.factors.count(tenantId, userId, manager)) > 0) return 0;
    return TenantScopedRepository.of(manager, BackupCodeEntity).delete(tenantId, { userId });
  }

  private repoOf(
    factor: FactorRow,
    manager: EntityManager,
  ): TenantScopedRepository<WebAuthnCredentialEntity | TotpFactorEntity> {
    return factor.kind === 'webauthn'
      ? TenantScopedRepository.of(manager, WebAuthnCredentialEntity)
      : TenantScopedRepository.of(manager, TotpFactorEntity);
  }
}

function isVerified(factor: FactorRow): boolean {
  return factor.kind === 'webauthn' || factor.row.verifiedAt !== null;
}

function factorResource(factor: FactorRow, ownerId: string) {
  return {
    type: 'Factor' as const,
    id: factor.row.id,
    attrs: { owner: { type: 'User' as const, id: ownerId }, method_type: methodTypeOf(factor) },
  };
}
