import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan, Not, Or } from 'typeorm';
import { Clock } from '#config';
import { ApiError } from '#errors';
import type { TenantContext, UserPrincipal } from '#auth';
import { AuditService } from '#audit';
import { PolicyService, factorHoldings, holdsMfa, userAuthorization } from '#policy';
import { RateLimitService } from '#rate-limit';
import { TenantScopedRepository, TotpFactorEntity, newId, withUserFactorLock } from '#persistence';
import { MFA_ENCRYPTION_KEY } from '../crypto/encryption-key.js';
import { open, seal } from '../crypto/secret-box.js';
import { BackupCodesService, type BackupCodesResult } from '../backup-codes/backup-codes.service.js';
import { FactorsService } from '../factors/factors.service.js';
import { authenticatorAttrs, type AuthenticatorFacts } from '../factors/authenticator-attributes.js';
import { ChallengesService, type MfaCompletion } from '../challenges/challenges.service.js';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';

export interface TotpEnrollment {
  id: string;
  secret: string;
  qr_uri: string;
}

const DEFAULT_DEVICE_NAME = 'Authenticator app';

/** The complete_enrollment resource for a TOTP factor: an Authenticator with nothing to attest. */
const TOTP_AUTHENTICATOR: AuthenticatorFacts = {
  methodType: 'totp',
  aaguid: '00000000-0000-0000-0000-000000000000',
  userVerified: false,
  backupEligible: false,
  backedUp: false,
  attachment: '',
  attestationFormat: 'none',
  transports: [],
};

/** Authenticator-app factors: enrollment with a confirming code, and challenge completion. */
@Injectable()
export class TotpService {
  private readonly factorsRepo: TenantScopedRepository<TotpFactorEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MFA_ENCRYPTION_KEY) private readonly encryptionKey: Buffer,
    private readonly clock: Clock,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly limits: RateLimitService,
    private readonly factors: FactorsService,
    private readonly backupCodes: BackupCodesService,
    private readonly challenges: ChallengesService,
  ) {
    this.factorsRepo = TenantScopedRepository.of(dataSource, TotpFactorEntity);
  }

  /** A new, unverified factor; replaces the user's earlier unverified ones. The secret is shown once. */
  async enroll(
    tenant: TenantContext,
    user: UserPrincipal,
    deviceName: string | undefined,
    ip: string,
  ): Promise<TotpEnrollment> {
    await this.limits.hitEnrollment(tenant.id, user.userId);
    const now = this.clock.now();
    const summary = await this.factors.summary(tenant.id, user.userId);
    await this.policy.enforce(
      userAuthorization(
        { tenant, user, ip },
        'begin_enrollment',
        { type: 'Tenant', id: tenant.id },
        { methodType: 'totp', ...factorHoldings(summary), now },
      ),
    );
    const id = newId();
    const secret = newTotpSecret();
    await this.dataSource.transaction(async (manager) => {
      const repo = this.factorsRepo.withManager(manager);
      await repo.delete(tenant.id, { userId: user.userId, verifiedAt: IsNull() });
      await repo.insert(tenant.id, {
        id,
        userId: user.userId,
        secretSealed: seal(this.encryptionKey, secret, secretAad(tenant.id, id)),
        deviceName: deviceName ?? DEFAULT_DEVICE_NAME,
        lastTimeStep: null,
        verifiedAt: null,
        createdAt: now,
        lastUsedAt: null,
      });
    });
    // The label authenticator apps show: the user's name from the bearer's claims (AUTH_USER_NAME_CLAIM).
    return { id, secret, qr_uri: totpUri({ issuer: tenant.name, account: user.names?.name ?? user.userId, secret }) };
  }

  /** Confirms a factor with one code; issues backup codes when the user has none (as enrollment does). */
  async verifyEnrollment(
    tenant: TenantContext,
    user: UserPrincipal,
    id: string,
    code: string,
    ip: string,
  ): Promise<BackupCodesResult> {
    await this.limits.hitEnrollment(tenant.id, user.userId);
    const notFound = () => new ApiError('not_found', 'No unverified TOTP factor found');
    const row = await this.factorsRepo.findOne(tenant.id, { id, userId: user.userId });
    if (!row || row.verifiedAt !== null) throw notFound();
    const now = this.clock.now();
    const step = matchTotp(this.secretOf(tenant.id, row), code, now, null);
    if (step === null)
      throw new ApiError(
        'verification_failed',
        'The code is not valid. Check the time on the device and try the current code.',
        { details: { reason: 'code' } },
      );

    const summary = await this.factors.summary(tenant.id, user.userId);
    const decide = (counts: typeof summary) =>
      this.policy.enforce(
        userAuthorization(
          { tenant, user, ip },
          'complete_enrollment',
          { type: 'Authenticator', id: row.id, attrs: authenticatorAttrs(TOTP_AUTHENTICATOR) },
          { methodType: 'totp', ...factorHoldings(counts), now },
        ),
      );
    await decide(summary);

    const remaining = summary.unusedBackupCodes;
    const prepared = remaining === 0 ? await this.backupCodes.prepare() : null;
    return withUserFactorLock(this.dataSource, tenant.id, user.userId, async (manager) => {
      // Serialized with the user's other factor writes: the cap holds under concurrent completions.
      const fresh = await this.factors.summary(tenant.id, user.userId, manager);
      if (fresh.factorCount !== summary.factorCount || holdsMfa(fresh) !== holdsMfa(summary)) await decide(fresh);
      // The code that confirmed the factor is spent: it cannot also complete a challenge.
      const verified = await this.factorsRepo
        .withManager(manager)
        .update(tenant.id, { id: row.id, verifiedAt: IsNull() }, { verifiedAt: now, lastTimeStep: step });
      if (verified !== 1) throw notFound();
      const codes = prepared
        ? await this.backupCodes.issueIfNone(manager, tenant.id, user.userId, prepared)
        : { codes: [], remaining };
      await this.audit.record(
        tenant.id,
        {
          actorType: 'user',
          actorId: user.userId,
          action: 'factor.enrolled',
          resourceType: 'factor',
          resourceId: row.id,
          metadata: { method_type: 'totp', backup_codes_issued: codes.codes.length },
        },
        manager,
      );
      await this.backupCodes.recordIssued(manager, tenant.id, user.userId, codes.codes.length);
      return codes;
    });
  }

  /** Completes a challenge with a code from any of the user's verified TOTP factors. */
  async complete(
    challengeId: string,
    tenantHeader: string | undefined,
    code: string,
    ip: string,
  ): Promise<MfaCompletion> {
    const live = await this.challenges.load(challengeId, tenantHeader);
    await this.challenges.assertGuessAllowed(live);
    const tenantId = live.tenant.id;
    const { userId } = await this.challenges.assertPlainMfaOffered(live, 'totp');
    const rows = await this.factorsRepo.find(
      tenantId,
      { userId, verifiedAt: Not(IsNull()) },
      { order: { createdAt: 'ASC' } },
    );
    const now = this.clock.now();
    let matched: { row: TotpFactorEntity; step: number } | null = null;
    for (const row of rows) {
      const step = matchTotp(this.secretOf(tenantId, row), code, now, row.lastTimeStep);
      if (step !== null) {
        matched = { row, step };
        break;
      }
    }
    if (!matched)
      throw await this.challenges.failure(live, 'totp', rows.length === 0 ? 'no_totp_factor' : 'wrong_or_used_code');
    const { row, step } = matched;

    await this.challenges.authorize(
      live,
      'totp',
      { type: 'Factor', id: row.id, attrs: { owner: { type: 'User', id: userId }, method_type: 'totp' } },
      ip,
    );
    return this.challenges.succeed(live, { method: 'totp', factorId: row.id }, async (manager, at) => {
      // Only a later time step may be recorded: a code used once, even concurrently, never works again.
      const updated = await this.factorsRepo
        .withManager(manager)
        .update(
          tenantId,
          { id: row.id, lastTimeStep: Or(IsNull(), LessThan(step)) },
          { lastTimeStep: step, lastUsedAt: at },
        );
      return updated === 1;
    });
  }

  private secretOf(tenantId: string, row: TotpFactorEntity): string {
    return open(this.encryptionKey, row.secretSealed, secretAad(tenantId, row.id));
  }
}

function secretAad(tenantId: string, id: string): string {
  return `totp_factor:${tenantId}:${id}`;
}
