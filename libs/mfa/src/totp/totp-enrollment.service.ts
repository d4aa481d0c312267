import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { Clock } from '#config';
import { ApiError } from '#errors';
import type { TenantContext, UserPrincipal } from '#auth';
import { AuditService, type AuditEventInput } from '#audit';
import { PolicyService, factorHoldings, userAuthorization } from '#policy';
import { RateLimitService } from '#rate-limit';
import { TenantScopedRepository, TotpFactorEntity, newId, withUserFactorLock } from '#persistence';
import { MFA_ENCRYPTION_KEY } from '../crypto/encryption-key.js';
import { BackupCodesService, type BackupCodesResult } from '../backup-codes/backup-codes.service.js';
import { FactorsService, holdingsChanged, type FactorSummary } from '../factors/factors.service.js';
import { authenticatorAttrs, type AuthenticatorFacts } from '../factors/authenticator-attributes.js';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';
import { openTotpSecret, sealTotpSecret } from './totp-secret.js';

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

/** Authenticator-app factors: enrollment, confirmed with a first code. */
@Injectable()
export class TotpEnrollmentService {
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
        secretSealed: sealTotpSecret(this.encryptionKey, tenant.id, id, secret),
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
    const now = this.clock.now();
    // The stored id from here on: a UUID in the path may be spelt in upper case.
    const { factorId, step } = await this.confirmingCode(tenant.id, user.userId, id, code, now);
    const decide = (counts: FactorSummary) =>
      this.policy.enforce(
        userAuthorization(
          { tenant, user, ip },
          'complete_enrollment',
          { type: 'Authenticator', id: factorId, attrs: authenticatorAttrs(TOTP_AUTHENTICATOR) },
          { methodType: 'totp', ...factorHoldings(counts), now },
        ),
      );
    const summary = await this.factors.summary(tenant.id, user.userId);
    await decide(summary);
    const prepared = summary.unusedBackupCodes === 0 ? await this.backupCodes.prepare() : null;
    return withUserFactorLock(this.dataSource, tenant.id, user.userId, async (manager) => {
      // Serialized with the user's other factor writes: the cap holds under concurrent completions.
      const fresh = await this.factors.summary(tenant.id, user.userId, manager);
      if (holdingsChanged(summary, fresh)) await decide(fresh);
      await this.markVerified(manager, tenant.id, factorId, step, now);
      const codes = prepared
        ? await this.backupCodes.issueIfNone(manager, tenant.id, user.userId, prepared)
        : { codes: [], remaining: summary.unusedBackupCodes };
      await this.audit.record(tenant.id, enrolledEvent(user.userId, factorId, codes.codes.length), manager);
      await this.backupCodes.recordIssued(manager, tenant.id, user.userId, codes.codes.length);
      return codes;
    });
  }

  /** The user's unverified factor `id` and the time step of the code that confirms it; 404 or 400 otherwise. */
  private async confirmingCode(
    tenantId: string,
    userId: string,
    id: string,
    code: string,
    now: Date,
  ): Promise<{ factorId: string; step: number }> {
    const row = await this.factorsRepo.findOne(tenantId, { id, userId });
    if (!row || row.verifiedAt !== null) throw noUnverifiedFactor();
    const step = matchTotp(openTotpSecret(this.encryptionKey, tenantId, row), code, now, null);
    if (step === null)
      throw new ApiError(
        'verification_failed',
        'The code is not valid. Check the time on the device and try the current code.',
        { details: { reason: 'code' } },
      );
    return { factorId: row.id, step };
  }

  /** The code that confirmed the factor is spent with it: it cannot also complete a challenge. */
  private async markVerified(manager: EntityManager, tenantId: string, id: string, step: number, now: Date) {
    const verified = await this.factorsRepo
      .withManager(manager)
      .update(tenantId, { id, verifiedAt: IsNull() }, { verifiedAt: now, lastTimeStep: step });
    if (verified !== 1) throw noUnverifiedFactor();
  }
}

function noUnverifiedFactor(): ApiError {
  return new ApiError('not_found', 'No unverified TOTP factor found');
}

/** factor.enrolled of a confirmed TOTP factor. */
function enrolledEvent(userId: string, factorId: string, codesIssued: number): AuditEventInput {
  return {
    actorType: 'user',
    actorId: userId,
    action: 'factor.enrolled',
    resourceType: 'factor',
    resourceId: factorId,
    metadata: { method_type: 'totp', backup_codes_issued: codesIssued },
  };
}
