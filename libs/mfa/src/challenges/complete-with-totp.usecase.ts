import { Injectable } from '@nestjs/common';
import { TotpCodesService } from '../totp/totp-codes.service.js';
import { ChallengeCompletionService, type MfaCompletion } from './challenge-completion.service.js';
import { refused, type ProofOutcome } from './challenge-proof.js';
import { challengeUser, type ChallengeRef, type LiveChallenge } from './live-challenge.js';

export interface CompleteWithTotpCommand extends ChallengeRef {
  code: string;
  ip: string;
}

/** Completes a challenge with a code from any of the user's verified TOTP factors. */
@Injectable()
export class CompleteWithTotp {
  constructor(
    private readonly completion: ChallengeCompletionService,
    private readonly codes: TotpCodesService,
  ) {}

  async execute(command: CompleteWithTotpCommand): Promise<MfaCompletion> {
    const { challengeId, tenantHeader, ip } = command;
    const { completion } = await this.completion.complete({ challengeId, tenantHeader, ip, answer: 'totp' }, (live) =>
      this.prove(live, command.code),
    );
    return completion;
  }

  private async prove(live: LiveChallenge, code: string): Promise<ProofOutcome> {
    const tenantId = live.tenant.id;
    const { userId } = challengeUser(live);
    const match = await this.codes.match(tenantId, userId, code);
    if (!match.ok) return refused('totp', match.reason);
    return {
      accepted: true,
      factor: { method: 'totp', factorId: match.factorId },
      resource: {
        type: 'Factor',
        id: match.factorId,
        attrs: { owner: { type: 'User', id: userId }, method_type: 'totp' },
      },
      spend: { update: (at) => this.codes.spendOf(tenantId, match, at) },
    };
  }
}
