import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan, type EntityManager } from 'typeorm';
import { Clock } from '../../../config/src/index.js';
import { ApiError } from '../../../errors/src/index.js';
import { actorOf, type TenantContext, type TenantPrincipal, type UserPrincipal } from '../../../auth/src/index.js';
import { AuditService } from '../../../audit/src/index.js';
import { PolicyService, holdsMfa, userContext, type AuthorizeInput } from '../../../policy/src/index.js';
import { RateLimitService } from '../../../rate-limit/src/index.js';
import { TenantsService } from '../../../tenancy/src/index.js';
import { MfaChallengeEntity, TenantScopedRepository, newId } from '../../../persistence/src/index.js';
import { BackupCodesService } from '../backup-codes/backup-codes.service.js';
import { FactorsService } from '../factors/factors.service.js';
import { MfaTokenService } from '../tokens/mfa-token.service.js';
import { CHALLENGE_TTL_MS, MAX_CHALLENGE_FAILURES, authenticationMethod, type ChallengeMethod, type ChallengePurpose } from './challenge-rules.js';

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OpenedChallenge {
  challenge_id: string;
  expires_at: string;
  methods: ChallengeMethod[];
}

/** A challenge that may still be completed, with its tenant and the user it is for. */
export interface LiveChallenge {
  row: MfaChallengeEntity;
  tenant: TenantContext;
  /** The user being verified, as the policy sees them (roles/amr of the step-up bearer, else none). */
  user: UserPrincipal;
}

export interface VerifiedFactor {
  method: ChallengeMethod;
  /** The factor row proven (credential, TOTP factor or backup code id). */
  factorId: string;
  backupEligible?: boolean;
  /** Stored trust of the credential's attestation (achievedAcr). */
  attestationTrusted?: boolean;
}

export interface MfaCompletion {
  token: string;
  expires_at: string;
  method_type: ChallengeMethod;
  amr: string[];
}

/** Raised inside a completion transaction when the factor lost a race (replay): counted as a failure. */
class LostRace extends Error {}

/**
 * MFA challenges: opened by a trusted caller (sign-in) or the user (step-up), completed without a
 * bearer by whoever holds the id. This service owns the life cycle; the factor services verify.
 */
@Injectable()
export class ChallengesService {
  private readonly challenges: TenantScopedRepository<MfaChallengeEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly tenants: TenantsService,
    private readonly factors: FactorsService,
    private readonly backupCodes: BackupCodesService,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly limits: RateLimitService,
    private readonly tokens: MfaTokenService,
  ) {
    this.challenges = TenantScopedRepository.of(dataSource, MfaChallengeEntity);
  }

  /** `opener` is the API key (sign-in) or the user themself (step-up). */
  async open(tenant: TenantContext, userId: string, purpose: ChallengePurpose, opener: TenantPrincipal): Promise<OpenedChallenge> {
    // A user locked out by failures gets no new challenge until the window passes.
    await this.limits.assertMfaAllowed(tenant.id, userId);
    const now = this.clock.now();
    const [methods, codes] = await Promise.all([this.factors.usableMethods(tenant.id, userId), this.backupCodes.remaining(tenant.id, userId)]);
    const available: ChallengeMethod[] = [...methods, ...(codes > 0 ? (['backup_code'] as const) : [])];
    const stepUp = opener.kind === 'user' ? opener : null;
    const row = await this.challenges.insert(tenant.id, {
      id: newId(),
      userId,
      purpose,
      roles: stepUp?.roles ?? [],
      amr: stepUp?.amr ?? [],
      authTime: stepUp?.authTime ?? null,
      webauthnChallenge: null,
      failedAttempts: 0,
      expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS),
      consumedAt: null,
      createdAt: now,
    });
    await this.audit.record(tenant.id, {
      ...(actorOf(opener) as { actorType: 'user' | 'api_key'; actorId: string }),
      action: 'mfa.challenge_opened',
      resourceType: 'mfa_challenge',
      resourceId: row.id,
      metadata: { user_id: userId, purpose, methods: available },
    });
    return { challenge_id: row.id, expires_at: row.expiresAt.toISOString(), methods: available };
  }

  /**
   * The live challenge behind an id, or 404. The id is the capability and names its tenant; a
   * tenant header, when sent, must be that tenant. Unknown, foreign, expired, used and dead
   * challenges are all the same 404.
   */
  async load(challengeId: string, tenantHeader?: string): Promise<LiveChallenge> {
    const notFound = () => new ApiError('not_found', 'No active MFA challenge found');
    if (!UUID_SHAPE.test(challengeId)) throw notFound();
    if (tenantHeader !== undefined && !UUID_SHAPE.test(tenantHeader.trim())) {
      throw new ApiError('invalid_tenant_header', 'X-Tenant-ID must be a UUID when it is sent.', { details: { header: 'X-Tenant-ID' } });
    }
    // The one lookup by id alone: it only learns which tenant the capability belongs to.
    const located = await this.dataSource.getRepository(MfaChallengeEntity).findOne({ where: { id: challengeId.toLowerCase() }, select: { id: true, tenantId: true } });
    if (!located || (tenantHeader !== undefined && tenantHeader.trim().toLowerCase() !== located.tenantId)) throw notFound();
    const tenant = await this.tenants.context(located.tenantId);
    if (!tenant || tenant.status !== 'active') throw notFound();
    const row = await this.challenges.findOne(tenant.id, { id: located.id });
    if (!row || row.consumedAt !== null || row.failedAttempts >= MAX_CHALLENGE_FAILURES || row.expiresAt.getTime() <= this.clock.now().getTime()) throw notFound();
    const user: UserPrincipal = { kind: 'user', userId: row.userId, tenantId: tenant.id, roles: row.roles, amr: row.amr, authTime: row.authTime ?? undefined };
    return { row, tenant, user };
  }

  /** Before checking an answer: 429 while the user is over the failure limit. */
  assertAttemptAllowed(live: LiveChallenge): Promise<void> {
    return this.limits.assertMfaAllowed(live.tenant.id, live.row.userId);
  }

  async setWebAuthnChallenge(live: LiveChallenge, challenge: string): Promise<void> {
    await this.challenges.update(live.tenant.id, { id: live.row.id }, { webauthnChallenge: challenge });
  }

  /**
   * Counts a wrong answer against the challenge and the user, audits it, and returns the one
   * 401 every failure answers with: nothing says which part was wrong.
   */
  async failure(live: LiveChallenge, method: ChallengeMethod | 'webauthn', reason: string, metadata: Record<string, unknown> = {}): Promise<ApiError> {
    await this.challenges.update(live.tenant.id, { id: live.row.id }, { failedAttempts: () => 'failed_attempts + 1' });
    const userLocked = await this.limits.recordMfaFailure(live.tenant.id, live.row.userId);
    const event = { actorType: 'user' as const, actorId: live.row.userId, resourceType: 'mfa_challenge' as const, resourceId: live.row.id };
    await this.audit.record(live.tenant.id, { ...event, action: 'mfa.failed', metadata: { method_type: method, reason, purpose: live.row.purpose, ...metadata } });
    // Locked: this failure killed the challenge, or put the user over the failure limit.
    const challengeDead = live.row.failedAttempts + 1 >= MAX_CHALLENGE_FAILURES;
    if (userLocked || challengeDead) {
      await this.audit.record(live.tenant.id, {
        ...event,
        action: 'mfa.locked',
        metadata: { user_id: live.row.userId, reason: userLocked ? 'user_failure_limit' : 'challenge_failure_limit', purpose: live.row.purpose },
      });
    }
    return new ApiError('mfa_failed', 'The MFA challenge could not be completed.');
  }

  /** verify_factor through the tenant policy, with the user being verified as the principal. */
  async authorize(live: LiveChallenge, method: ChallengeMethod, resource: AuthorizeInput['resource'], ip: string): Promise<void> {
    const summary = await this.factors.summary(live.tenant.id, live.row.userId);
    await this.policy.enforce({
      tenant: live.tenant,
      principal: live.user,
      action: 'verify_factor',
      resource,
      context: userContext({ principal: live.user, tenant: live.tenant, methodType: method, factorCount: summary.factorCount, hasMfa: holdsMfa(summary), ip, now: this.clock.now() }),
    });
  }

  /**
   * One transaction: consume the challenge (exactly once, even under a race), then `apply` the
   * factor's own single-use update (counter, time step, backup code). `apply` returning false
   * means the factor was used concurrently: everything rolls back and it counts as a failure.
   */
  async succeed(live: LiveChallenge, factor: VerifiedFactor, apply: (manager: EntityManager, now: Date) => Promise<boolean>): Promise<MfaCompletion> {
    const now = this.clock.now();
    try {
      await this.dataSource.transaction(async (manager) => {
        const consumed = await this.challenges
          .withManager(manager)
          .update(live.tenant.id, { id: live.row.id, consumedAt: IsNull(), failedAttempts: LessThan(MAX_CHALLENGE_FAILURES) }, { consumedAt: now });
        if (consumed !== 1) throw new ApiError('not_found', 'No active MFA challenge found');
        if (!(await apply(manager, now))) throw new LostRace();
        await this.audit.record(
          live.tenant.id,
          {
            actorType: 'user',
            actorId: live.row.userId,
            action: 'mfa.verified',
            resourceType: 'mfa_challenge',
            resourceId: live.row.id,
            metadata: { method_type: factor.method, factor_id: factor.factorId, purpose: live.row.purpose },
          },
          manager,
        );
      });
    } catch (err) {
      if (err instanceof LostRace) throw await this.failure(live, factor.method, 'already_used', { factor_id: factor.factorId });
      throw err;
    }
    const { amr, acr } = authenticationMethod(factor.method, { backupEligible: factor.backupEligible, attestationTrusted: factor.attestationTrusted });
    const token = await this.tokens.issue({
      tenantId: live.tenant.id,
      userId: live.row.userId,
      methodType: factor.method,
      amr,
      acr,
      purpose: live.row.purpose,
      challengeId: live.row.id,
      now,
    });
    return { ...token, method_type: factor.method, amr };
  }
}
