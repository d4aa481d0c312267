import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan, Not, Or } from 'typeorm';
import { Clock } from '#config';
import { TenantScopedRepository, TotpFactorEntity, type TenantUpdate } from '#persistence';
import { MFA_ENCRYPTION_KEY } from '../crypto/encryption-key.js';
import { matchTotp } from './totp.js';
import { openTotpSecret } from './totp-secret.js';

/** The factor and time step a code matched, or why none did. */
export type TotpCodeMatch =
  { ok: true; factorId: string; step: number } | { ok: false; reason: 'no_totp_factor' | 'wrong_or_used_code' };

/** A code checked against the user's verified TOTP factors, and the time step it spends. */
@Injectable()
export class TotpCodesService {
  private readonly factors: TenantScopedRepository<TotpFactorEntity>;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(MFA_ENCRYPTION_KEY) private readonly encryptionKey: Buffer,
    private readonly clock: Clock,
  ) {
    this.factors = TenantScopedRepository.of(dataSource, TotpFactorEntity);
  }

  /** The first of the user's verified factors (oldest first) that accepts the code now. */
  async match(tenantId: string, userId: string, code: string): Promise<TotpCodeMatch> {
    const rows = await this.factors.find(
      tenantId,
      { userId, verifiedAt: Not(IsNull()) },
      { order: { createdAt: 'ASC' } },
    );
    const now = this.clock.now();
    for (const row of rows) {
      const step = matchTotp(openTotpSecret(this.encryptionKey, tenantId, row), code, now, row.lastTimeStep);
      if (step !== null) return { ok: true, factorId: row.id, step };
    }
    return { ok: false, reason: rows.length === 0 ? 'no_totp_factor' : 'wrong_or_used_code' };
  }

  /**
   * The change a matched code makes: it records the time step. Only a later step may be recorded,
   * so a code used once, even concurrently, never works again.
   */
  spendOf(tenantId: string, match: { factorId: string; step: number }, at: Date): TenantUpdate<TotpFactorEntity> {
    return {
      target: TotpFactorEntity,
      tenantId,
      where: { id: match.factorId, lastTimeStep: Or(IsNull(), LessThan(match.step)) },
      patch: { lastTimeStep: match.step, lastUsedAt: at },
    };
  }
}
