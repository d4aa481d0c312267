import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { Clock } from '#config';
import { BackupCodeEntity, TenantScopedRepository, newId } from '#persistence';
import { AuditService } from '#audit';
import { PolicyService, factorHoldings, userAuthorization } from '#policy';
import type { TenantContext, UserPrincipal } from '#auth';
import {
  DEFAULT_BACKUP_CODE_COUNT,
  generateBackupCodeSet,
  hashBackupCodeSet,
  type StoredBackupCode,
} from './backup-code.js';
import { FactorsService } from '../factors/factors.service.js';

/** A freshly generated set: the codes to show once, and what is stored. */
export interface PreparedBackupCodes {
  codes: string[];
  stored: StoredBackupCode[];
}

export interface BackupCodesResult {
  codes: string[];
  remaining: number;
}

@Injectable()
export class BackupCodesService {
  private readonly rows: TenantScopedRepository<BackupCodeEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly policy: PolicyService,
    private readonly factors: FactorsService,
  ) {
    this.rows = TenantScopedRepository.of(dataSource, BackupCodeEntity);
  }

  /** Generates and hashes a set outside any transaction (hashing takes ~10 ms of CPU). */
  async prepare(): Promise<PreparedBackupCodes> {
    const codes = generateBackupCodeSet(DEFAULT_BACKUP_CODE_COUNT);
    return { codes, stored: await hashBackupCodeSet(codes) };
  }

  remaining(tenantId: string, userId: string, manager?: EntityManager): Promise<number> {
    return (manager ? this.rows.withManager(manager) : this.rows).count(tenantId, { userId, usedAt: IsNull() });
  }

  /**
   * Inside the caller's transaction: stores the prepared set when the user holds no unused codes.
   * Returns the codes issued (empty when the user already had some) and the unused count.
   */
  async issueIfNone(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    prepared: PreparedBackupCodes,
  ): Promise<BackupCodesResult> {
    const repo = this.rows.withManager(manager);
    const remaining = await repo.count(tenantId, { userId, usedAt: IsNull() });
    if (remaining > 0) return { codes: [], remaining };
    await this.store(manager, tenantId, userId, prepared);
    return { codes: prepared.codes, remaining: prepared.codes.length };
  }

  /** Inside the issuing transaction: `backup_codes.issued`, when a set was issued. */
  async recordIssued(manager: EntityManager, tenantId: string, userId: string, count: number): Promise<void> {
    if (count === 0) return;
    await this.audit.record(
      tenantId,
      {
        actorType: 'user',
        actorId: userId,
        action: 'backup_codes.issued',
        resourceType: 'backup_codes',
        resourceId: userId,
        metadata: { count },
      },
      manager,
    );
  }

  /** Replaces every earlier code of the user with a new set (through the policy). */
  async regenerate(tenant: TenantContext, principal: UserPrincipal, ip: string): Promise<BackupCodesResult> {
    const now = this.clock.now();
    const summary = await this.factors.summary(tenant.id, principal.userId);
    await this.policy.enforce(
      userAuthorization(
        { tenant, user: principal, ip },
        'regenerate_backup_codes',
        { type: 'BackupCodes', id: principal.userId, attrs: { owner: { type: 'User', id: principal.userId } } },
        { methodType: 'backup_code', ...factorHoldings(summary), now },
      ),
    );
    const prepared = await this.prepare();
    await this.dataSource.transaction(async (manager) => {
      await this.rows.withManager(manager).delete(tenant.id, { userId: principal.userId });
      await this.store(manager, tenant.id, principal.userId, prepared);
      await this.audit.record(
        tenant.id,
        {
          actorType: 'user',
          actorId: principal.userId,
          action: 'backup_codes.regenerated',
          resourceType: 'backup_codes',
          resourceId: principal.userId,
          metadata: { count: prepared.codes.length },
        },
        manager,
      );
    });
    return { codes: prepared.codes, remaining: prepared.codes.length };
  }

  private async store(
    manager: EntityManager,
    tenantId: string,
    userId: string,
    prepared: PreparedBackupCodes,
  ): Promise<void> {
    const repo = this.rows.withManager(manager);
    const latest = await repo
      .query(tenantId, 'code')
      .andWhere('code.userId = :userId', { userId })
      .select('MAX(code.generation)', 'max')
      .getRawOne<{ max: number | null }>();
    const generation = Number(latest?.max ?? 0) + 1;
    const createdAt = this.clock.now();
    await repo.insertMany(
      tenantId,
      prepared.stored.map((s) => ({
        id: newId(),
        userId,
        lookup: s.lookup,
        hash: s.hash,
        generation,
        createdAt,
        usedAt: null,
      })),
    );
  }
}
