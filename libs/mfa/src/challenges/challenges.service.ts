import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan, type EntityManager } from 'typeorm';
import { Clock } from '#config';
import { ApiError } from '#errors';
import { actorOf, type TenantContext, type TenantPrincipal, type UserPrincipal } from '#auth';
import { AuditService } from '#audit';
import { PolicyService, factorHoldings, userAuthorization, type AuthorizeInput } from '#policy';
import { RateLimitService } from '#rate-limit';
import { TenantsService } from '#tenancy';
import { MfaChallengeEntity, TenantScopedRepository, newId } from '#persistence';
import { BackupCodesService } from '../backup-codes/backup-codes.service.js';
import { FactorsService } from '../factors/factors.service.js';
import { MfaTokenService } from '../tokens/mfa-token.service.js';
import { WEBAUTHN_NOT_CONFIGURED } from '../webauthn/relying-party.js';
import {
  acceptsPlainMfa,
  acrNeededNotice,
  authenticationMethod,
  proofMeetsRequest,
  type Acr,
} from '../shared/acr-rules.js';
import type { ChallengeMethod } from '../shared/method-types.js';
import { CHALLENGE_TTL_MS, MAX_CHALLENGE_FAILURES, isGuessable, type ChallengePurpose } from './challenge-rules.js';

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OpenChallengeInput {
  /** Null opens a usernameless (discoverable) passkey challenge. */
  userId: string | null;
  purpose: ChallengePurpose;
  acrValues?: Acr[];
  maxAge?: number;
}

export interface OpenedChallenge {
  challenge_id: string;
  user_id: string | null;
  expires_at: string;
  methods: ChallengeMethod[];
  acr_values?: Acr[];
  max_age?: number;
}

/** A challenge that may still be completed, with its tenant and the user it is for. */
export interface LiveChallenge {
  row: MfaChallengeEntity;
  tenant: TenantContext;
  /**
   * The user being verified, as the policy sees them (roles/amr of the step-up bearer, else none);
   * null for a usernameless challenge until its assertion names the user (see withUser).
   */
  user: UserPrincipal | null;
}

export interface VerifiedFactor {
  method: ChallengeMethod;
  /** The factor row proven (credential, TOTP factor or backup code id). */
  factorId: string;
  backupEligible?: boolean;
  /** Stored trust of the credential's attestation (achievedAcr). */
  attestationTrusted?: boolean;
  /** WebAuthn only: the assertion's UV flag (a request for "phr" needs it). */
  userVerified?: boolean;
}

export interface MfaCompletion {
  token: string;
  expires_at: string;
  method_type: ChallengeMethod;
  amr: string[];
  acr: Acr;
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

  /**
   * `opener` is the API key (sign-in) or the user themself (step-up). With acr_values only the
   * factors that can meet one of them are offered; none → 403 step_up_unavailable. Without a user
   * the challenge is a usernameless passkey sign-in, answered by any discoverable credential.
   */
  async open(tenant: TenantContext, input: OpenChallengeInput, opener: TenantPrincipal): Promise<OpenedChallenge> {
    const { userId, purpose } = input;
    const acrValues = input.acrValues ?? null;
    if (userId === null && !tenant.webauthn) throw new ApiError('not_implemented', WEBAUTHN_NOT_CONFIGURED);
    const available =
      userId === null
        ? (['webauthn_passkey'] as ChallengeMethod[])
        : await this.availableMethods(tenant.id, userId, acrValues);
    // A locked-out user still gets a challenge for a WebAuthn factor (which cannot be guessed);
    // with only guessable methods there is nothing to complete until the window passes.
    if (userId !== null && !available.some((m) => !isGuessable(m)))
      await this.limits.assertMfaAllowed(tenant.id, userId);
    if (acrValues && available.length === 0) throw await this.unavailable(tenant, userId!, acrValues, opener);
    const now = this.clock.now();
    const ttl = Math.min(CHALLENGE_TTL_MS, (input.maxAge ?? Infinity) * 1000);
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
      acrValues,
      maxAge: input.maxAge ?? null,
      expiresAt: new Date(now.getTime() + ttl),
      consumedAt: null,
      createdAt: now,
    });
    const strength = {
      ...(acrValues ? { acr_values: acrValues } : {}),
      ...(input.maxAge !== undefined ? { max_age: input.maxAge } : {}),
    };
    await this.audit.record(tenant.id, {
      ...(actorOf(opener) as { actorType: 'user' | 'api_key'; actorId: string }),
      action: 'mfa.challenge_opened',
      resourceType: 'mfa_challenge',
      resourceId: row.id,
      metadata: {
        user_id: userId,
        purpose,
        methods: available,
        ...(userId === null ? { usernameless: true } : {}),
        ...strength,
      },
    });
    return {
      challenge_id: row.id,
      user_id: userId,
      expires_at: row.expiresAt.toISOString(),
      methods: available,
      ...strength,
    };
  }

  /** The user's methods that can meet acr_values (all of them when none are given), in a fixed order. */
  private async availableMethods(
    tenantId: string,
    userId: string,
    acrValues: Acr[] | null,
  ): Promise<ChallengeMethod[]> {
    const plain = acceptsPlainMfa(acrValues);
    const [methods, codes] = await Promise.all([
      this.factors.usableMethods(tenantId, userId, acrValues),
      plain ? this.backupCodes.remaining(tenantId, userId) : 0,
    ]);
    return [...methods, ...(codes > 0 ? (['backup_code'] as const) : [])];
  }

  /** 403 step_up_unavailable, audited: the notice names what the user would need. */
  private async unavailable(
    tenant: TenantContext,
    userId: string,
    acrValues: Acr[],
    opener: TenantPrincipal,
  ): Promise<ApiError> {
    await this.audit.record(tenant.id, {
      ...(actorOf(opener) as { actorType: 'user' | 'api_key'; actorId: string }),
      action: 'step_up.unavailable',
      resourceType: 'user',
      resourceId: userId,
      metadata: { user_id: userId, acr_values: acrValues },
    });
    return new ApiError('step_up_unavailable', "None of the user's factors can meet the requested acr_values.", {
      details: { acr_values: acrValues },
      notices: [acrNeededNotice(acrValues)],
    });
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
      throw new ApiError('invalid_tenant_header', 'X-Tenant-ID must be a UUID when it is sent.', {
        details: { header: 'X-Tenant-ID' },
      });
    }
    // The one lookup by id alone: it only learns which tenant the capability belongs to.
    const located = await this.dataSource
      .getRepository(MfaChallengeEntity)
      .findOne({ where: { id: challengeId.toLowerCase() }, select: { id: true, tenantId: true } });
    if (!located || (tenantHeader !== undefined && tenantHeader.trim().toLowerCase() !== located.tenantId))
      throw notFound();
    const tenant = await this.tenants.context(located.tenantId);
    if (!tenant || tenant.status !== 'active') throw notFound();
    const row = await this.challenges.findOne(tenant.id, { id: located.id });
    if (
      !row ||
      row.consumedAt !== null ||
      row.failedAttempts >= MAX_CHALLENGE_FAILURES ||
      row.expiresAt.getTime() <= this.clock.now().getTime()
    )
      throw notFound();
    const user: UserPrincipal | null =
      row.userId === null
        ? null
        : {
            kind: 'user',
            userId: row.userId,
            tenantId: tenant.id,
            roles: row.roles,
            amr: row.amr,
            authTime: row.authTime ?? undefined,
          };
    return { row, tenant, user };
  }

  /** A usernameless challenge once its assertion has named the user (a sign-in: no roles, no amr). */
  withUser(live: LiveChallenge, userId: string): LiveChallenge {
    return {
      ...live,
      user: {
        kind: 'user',
        userId,
        tenantId: live.tenant.id,
        roles: live.row.roles,
        amr: live.row.amr,
        authTime: live.row.authTime ?? undefined,
      },
    };
  }

  /** The user a challenge is for; only called once the user is known. */
  userOf(live: LiveChallenge): UserPrincipal {
    if (!live.user) throw new Error('The challenge has no user yet');
    return live.user;
  }

  /**
   * Before checking a guessable answer (TOTP, backup code): 429 while the user is over the
   * failure limit. WebAuthn assertions are never locked out, so whoever holds a challenge id
   * cannot lock a user out of their security key by failing on purpose.
   */
  async assertGuessAllowed(live: LiveChallenge): Promise<void> {
    if (live.user) await this.limits.assertMfaAllowed(live.tenant.id, live.user.userId);
  }

  /**
   * TOTP and backup codes answer only challenges that offered them: not a usernameless one (no
   * user to check the code against) and not one whose acr_values exclude "mfa".
   */
  async assertPlainMfaOffered(live: LiveChallenge, method: 'totp' | 'backup_code'): Promise<UserPrincipal> {
    if (!live.user || !acceptsPlainMfa(live.row.acrValues))
      throw await this.failure(live, method, 'method_not_offered');
    return live.user;
  }

  /** A WebAuthn proof must reach one of the requested acr values. */
  async assertAcrMet(live: LiveChallenge, factor: VerifiedFactor): Promise<void> {
    const { acr } = authenticationMethod(factor.method, factor);
    if (!proofMeetsRequest(factor.method, factor, live.row.acrValues))
      throw await this.failure(live, factor.method, 'acr_not_met', { factor_id: factor.factorId, acr });
  }

  async setWebAuthnChallenge(live: LiveChallenge, challenge: string): Promise<void> {
    await this.challenges.update(live.tenant.id, { id: live.row.id }, { webauthnChallenge: challenge });
  }

  /**
   * Counts a wrong answer against the challenge and the user, audits it, and returns the one
   * 401 every failure answers with: nothing says which part was wrong.
   */
  async failure(
    live: LiveChallenge,
    method: ChallengeMethod | 'webauthn',
    reason: string,
    metadata: Record<string, unknown> = {},
    details?: Record<string, unknown>,
  ): Promise<ApiError> {
    await this.challenges.update(live.tenant.id, { id: live.row.id }, { failedAttempts: () => 'failed_attempts + 1' });
    // Only guesses count toward the per-user lockout; every failure counts against the challenge.
    const userLocked =
      live.user && isGuessable(method) ? await this.limits.recordMfaFailure(live.tenant.id, live.user.userId) : false;
    // A usernameless challenge that never learnt its user has no user to blame.
    const actor = live.user
      ? { actorType: 'user' as const, actorId: live.user.userId }
      : { actorType: 'system' as const, actorId: 'anonymous' };
    const event = { ...actor, resourceType: 'mfa_challenge' as const, resourceId: live.row.id };
    const usernameless = live.row.userId === null ? { usernameless: true } : {};
    await this.audit.record(live.tenant.id, {
      ...event,
      action: 'mfa.failed',
      metadata: { method_type: method, reason, purpose: live.row.purpose, ...usernameless, ...metadata },
    });
    // Locked: this failure killed the challenge, or put the user over the failure limit.
    const challengeDead = live.row.failedAttempts + 1 >= MAX_CHALLENGE_FAILURES;
    if (userLocked || challengeDead) {
      await this.audit.record(live.tenant.id, {
        ...event,
        action: 'mfa.locked',
        metadata: {
          user_id: live.user?.userId ?? null,
          reason: userLocked ? 'user_failure_limit' : 'challenge_failure_limit',
          purpose: live.row.purpose,
          ...usernameless,
        },
      });
    }
    return new ApiError('mfa_failed', 'The MFA challenge could not be completed.', details ? { details } : {});
  }

  /** verify_factor through the tenant policy, with the user being verified as the principal. */
  /** Cedar also sees `context.requested_acr`: the challenge's acr_values (empty when none). */
  async authorize(
    live: LiveChallenge,
    method: ChallengeMethod,
    resource: AuthorizeInput['resource'],
    ip: string,
  ): Promise<void> {
    const user = this.userOf(live);
    const summary = await this.factors.summary(live.tenant.id, user.userId);
    await this.policy.enforce(
      userAuthorization({ tenant: live.tenant, user, ip }, 'verify_factor', resource, {
        methodType: method,
        ...factorHoldings(summary),
        now: this.clock.now(),
        requestedAcr: live.row.acrValues ?? [],
      }),
    );
  }

  /**
   * One transaction: consume the challenge (exactly once, even under a race), then `apply` the
   * factor's own single-use update (counter, time step, backup code). `apply` returning false
   * means the factor was used concurrently: everything rolls back and it counts as a failure.
   */
  async succeed(
    live: LiveChallenge,
    factor: VerifiedFactor,
    apply: (manager: EntityManager, now: Date) => Promise<boolean>,
  ): Promise<MfaCompletion> {
    const now = this.clock.now();
    const { userId } = this.userOf(live);
    const { amr, acr } = authenticationMethod(factor.method, {
      backupEligible: factor.backupEligible,
      attestationTrusted: factor.attestationTrusted,
    });
    try {
      await this.dataSource.transaction(async (manager) => {
        const consumed = await this.challenges
          .withManager(manager)
          .update(
            live.tenant.id,
            { id: live.row.id, consumedAt: IsNull(), failedAttempts: LessThan(MAX_CHALLENGE_FAILURES) },
            { consumedAt: now },
          );
        if (consumed !== 1) throw new ApiError('not_found', 'No active MFA challenge found');
        if (!(await apply(manager, now))) throw new LostRace();
        await this.audit.record(
          live.tenant.id,
          {
            actorType: 'user',
            actorId: userId,
            action: 'mfa.verified',
            resourceType: 'mfa_challenge',
            resourceId: live.row.id,
            metadata: {
              method_type: factor.method,
              factor_id: factor.factorId,
              purpose: live.row.purpose,
              acr,
              ...(live.row.userId === null ? { usernameless: true } : {}),
            },
          },
          manager,
        );
      });
    } catch (err) {
      if (err instanceof LostRace)
        throw await this.failure(live, factor.method, 'already_used', { factor_id: factor.factorId });
      throw err;
    }
    const token = await this.tokens.issue({
      tenantId: live.tenant.id,
      userId,
      methodType: factor.method,
      amr,
      acr,
      acrValues: live.row.acrValues,
      maxAge: live.row.maxAge,
      purpose: live.row.purpose,
      challengeId: live.row.id,
      now,
    });
    return { ...token, method_type: factor.method, amr, acr };
  }
}
