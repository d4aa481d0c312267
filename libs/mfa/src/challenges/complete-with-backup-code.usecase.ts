import { Injectable } from '@nestjs/common';
import { BackupCodeRedemptionService } from '../backup-codes/backup-code-redemption.service.js';
import { BackupCodesService } from '../backup-codes/backup-codes.service.js';
import { ChallengeCompletionService, type MfaCompletion } from './challenge-completion.service.js';
import { refused, type ProofOutcome } from './challenge-proof.js';
import { challengeUser, type ChallengeRef, type LiveChallenge } from './live-challenge.js';

export interface CompleteWithBackupCodeCommand extends ChallengeRef {
  code: string;
  ip: string;
}

export interface BackupCodeCompletion extends MfaCompletion {
  backup_codes_remaining: number;
}

/** Completes a challenge with a backup code: each code works once, even under concurrent redemption. */
@Injectable()
export class CompleteWithBackupCode {
  constructor(
    private readonly completion: ChallengeCompletionService,
    private readonly redemption: BackupCodeRedemptionService,
    private readonly backupCodes: BackupCodesService,
  ) {}

  async execute(command: CompleteWithBackupCodeCommand): Promise<BackupCodeCompletion> {
    const { challengeId, tenantHeader, ip } = command;
    const { completion, tenantId, userId } = await this.completion.complete(
      { challengeId, tenantHeader, ip, answer: 'backup_code' },
      (live) => this.prove(live, command.code),
    );
    return { ...completion, backup_codes_remaining: await this.backupCodes.remaining(tenantId, userId) };
  }

  private async prove(live: LiveChallenge, code: string): Promise<ProofOutcome> {
    const tenantId = live.tenant.id;
    const { userId } = challengeUser(live);
    const codeId = await this.redemption.match(tenantId, userId, code);
    if (codeId === null) return refused('backup_code', 'wrong_or_used_code');
    return {
      accepted: true,
      factor: { method: 'backup_code', factorId: codeId },
      // One resource for the whole set: a rule speaks of "backup codes", not of one code.
      resource: {
        type: 'Factor',
        id: `backup_codes:${userId}`,
        attrs: { owner: { type: 'User', id: userId }, method_type: 'backup_code' },
      },
      spend: { inTransaction: (manager, now) => this.redemption.redeem(manager, tenantId, userId, codeId, now) },
    };
  }
}
