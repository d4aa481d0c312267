import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { BackupCodeEntity, TenantScopedRepository } from '#persistence';
import { AuditService } from '#audit';
import { backupCodeLookup, verifyBackupCode, verifyBackupCodeDummy } from './backup-code.js';

/** At or below this many unused codes after a redemption, `backup_codes.low` tells the host application. */
export const LOW_BACKUP_CODES = 2;

/** A backup code checked against the user's unused codes, and redeemed once, even under concurrent redemption. */
@Injectable()
export class BackupCodeRedemptionService {
  private readonly codes: TenantScopedRepository<BackupCodeEntity>;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    private readonly audit: AuditService,
  ) {
    this.codes = TenantScopedRepository.of(dataSource, BackupCodeEntity);
  }

  /** The id of the user's unused code that `code` is, or null. */
  async match(tenantId: string, userId: string, code: string): Promise<string | null> {
    const lookup = backupCodeLookup(code);
    const candidates = lookup ? await this.codes.find(tenantId, { userId, lookup, usedAt: IsNull() }) : [];
    for (const candidate of candidates) {
      if (await verifyBackupCode(code, candidate.hash)) return candidate.id;
    }
    // No row for the lookup: spend the same scrypt work, so timing does not reveal the prefix.
    if (candidates.length === 0) await verifyBackupCodeDummy(code);
    return null;
  }

  /**
   * In the caller's transaction: marks the code used, conditional on used_at IS NULL, so of
   * concurrent redemptions exactly one changes the row (false: this one lost). Audits
   * `backup_codes.low` when few codes are left.
   */
  async redeem(manager: EntityManager, tenantId: string, userId: string, codeId: string, now: Date): Promise<boolean> {
    const codes = this.codes.withManager(manager);
    const redeemed = await codes.update(tenantId, { id: codeId, usedAt: IsNull() }, { usedAt: now });
    if (redeemed !== 1) return false;
    const left = await codes.count(tenantId, { userId, usedAt: IsNull() });
    if (left <= LOW_BACKUP_CODES) {
      await this.audit.record(
        tenantId,
        {
          actorType: 'user',
          actorId: userId,
          action: 'backup_codes.low',
          resourceType: 'backup_codes',
          resourceId: userId,
          metadata: { remaining: left },
        },
        manager,
      );
    }
    return true;
  }
}
