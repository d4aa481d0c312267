import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { BackupCodeEntity, TenantScopedRepository } from '#persistence';
import { AuditService } from '#audit';
import { ChallengesService, type MfaCompletion } from '../challenges/challenges.service.js';
import { backupCodeLookup, verifyBackupCode, verifyBackupCodeDummy } from './backup-code.js';

/** At or below this many unused codes after a redemption, `backup_codes.low` tells the host application. */
export const LOW_BACKUP_CODES = 2;

export interface BackupCodeCompletion extends MfaCompletion {
  backup_codes_remaining: number;
}

/** Completes a challenge with a backup code: each code works once, even under concurrent redemption. */
@Injectable()
export class BackupCodeRedemptionService {
  private readonly codes: TenantScopedRepository<BackupCodeEntity>;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    private readonly challenges: ChallengesService,
    private readonly audit: AuditService,
  ) {
    this.codes = TenantScopedRepository.of(dataSource, BackupCodeEntity);
  }

  async complete(
    challengeId: string,
    tenantHeader: string | undefined,
    code: string,
    ip: string,
  ): Promise<BackupCodeCompletion> {
    const live = await this.challenges.load(challengeId, tenantHeader);
    await this.challenges.assertGuessAllowed(live);
    const tenantId = live.tenant.id;
    const { userId } = await this.challenges.assertPlainMfaOffered(live, 'backup_code');

    const lookup = backupCodeLookup(code);
    const candidates = lookup ? await this.codes.find(tenantId, { userId, lookup, usedAt: IsNull() }) : [];
    let matched: BackupCodeEntity | null = null;
    for (const candidate of candidates) {
      if (await verifyBackupCode(code, candidate.hash)) {
        matched = candidate;
        break;
      }
    }
    // No row for the lookup: spend the same scrypt work, so timing does not reveal the prefix.
    if (candidates.length === 0) await verifyBackupCodeDummy(code);
    if (!matched) throw await this.challenges.failure(live, 'backup_code', 'wrong_or_used_code');
    const codeId = matched.id;

    await this.challenges.authorize(
      live,
      'backup_code',
      {
        type: 'Factor',
        id: `backup_codes:${userId}`,
        attrs: { owner: { type: 'User', id: userId }, method_type: 'backup_code' },
      },
      ip,
    );
    const completion = await this.challenges.succeed(
      live,
      { method: 'backup_code', factorId: codeId },
      async (manager, now) => {
        // Conditional on used_at IS NULL: of concurrent redemptions exactly one changes the row.
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
      },
    );
    return { ...completion, backup_codes_remaining: await this.codes.count(tenantId, { userId, usedAt: IsNull() }) };
  }
}
