import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan } from 'typeorm';
import { Clock } from '#config';
import { ApiError } from '#errors';
import { AuditService, type AuditEventInput } from '#audit';
import { PolicyService, factorHoldings, userAuthorization } from '#policy';
import { RateLimitService } from '#rate-limit';
import {
  MfaChallengeEntity,
  TenantScopedRepository,
  changeAtomically,
  insertAtomically,
  type TenantInsert,
  type TenantUpdate,
} from '#persistence';
import { FactorsService, factorSummaryOf } from '../factors/factors.service.js';
import { MfaTokenService } from '../tokens/mfa-token.service.js';
import { acceptsPlainMfa, authenticationMethod, type Acr } from '../shared/acr-rules.js';
import type { ChallengeMethod } from '../shared/method-types.js';
import { MAX_CHALLENGE_FAILURES, isGuessable } from './challenge-rules.js';
import { ChallengesService } from './challenges.service.js';
import type { ChallengeJoin } from '../shared/challenge-join.js';
import { challengeUser, withUser, type ChallengeRef, type LiveChallenge } from './live-challenge.js';
import { refused, type ProofAccepted, type ProofOutcome, type ProofRefused } from './challenge-proof.js';

export interface CompletionRequest extends ChallengeRef {
  /** How the client answers: a WebAuthn assertion, or a code it could be guessing at. */
  answer: 'webauthn' | 'totp' | 'backup_code';
  ip: string;
}

export interface MfaCompletion {
  token: string;
  expires_at: string;
  method_type: ChallengeMethod;
  amr: string[];
  acr: Acr;
}

/** A completed challenge: its MFA token, and the tenant and user it was completed for. */
export interface CompletedChallenge {
  completion: MfaCompletion;
  tenantId: string;
  userId: string;
}

/**
 * Checks an answer against a live challenge: the part of a completion that depends on the method.
 * `joined` is what the method's ChallengeJoin read with the challenge (null without one).
 */
export type ProveAnswer<T = null> = (live: LiveChallenge, joined: T) => Promise<ProofOutcome>;

/** Raised inside a completion transaction when one side lost a race: nothing commits. */
class LostRace extends Error {}

/**
 * Completing an MFA challenge, the same way whatever the method: the method's use case only
 * checks the answer (`prove`), and everything the challenge guarantees is kept here. A challenge
 * succeeds once, even under a race; each failure is counted against it (5 kill it) and audited;
 * only guesses (TOTP, backup codes) count toward the per-user lockout.
 */
@Injectable()
export class ChallengeCompletionService {
  private readonly challengeRows: TenantScopedRepository<MfaChallengeEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly challenges: ChallengesService,
    private readonly factors: FactorsService,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly limits: RateLimitService,
    private readonly tokens: MfaTokenService,
  ) {
    this.challengeRows = TenantScopedRepository.of(dataSource, MfaChallengeEntity);
  }

  /**
   * In this order: the live challenge (404), read with whatever `join` asks for; for a code, the lockout (429) and whether the
   * challenge offered codes; the answer's proof (401 when it proves nothing); verify_factor
   * through the tenant policy (403); then the challenge is consumed and the token issued.
   */
  async complete<T = null>(
    request: CompletionRequest,
    prove: ProveAnswer<T>,
    join?: ChallengeJoin<T>,
  ): Promise<CompletedChallenge> {
    const { live: loaded, joined } = join
      ? await this.challenges.loadJoined(request, join)
      : { live: await this.challenges.load(request), joined: null as T };
    if (isGuessable(request.answer)) await this.assertCodeAnswerable(loaded, request.answer);
    const outcome = await prove(loaded, joined);
    const live = outcome.namedUser !== undefined && !loaded.user ? withUser(loaded, outcome.namedUser) : loaded;
    if (!outcome.accepted) throw await this.refuse(live, outcome);
    await this.authorize(live, outcome, request.ip);
    return this.consume(live, outcome);
  }

  /**
   * Before checking a guessable answer: 429 while the user is over the failure limit. WebAuthn
   * assertions are never locked out, so whoever holds a challenge id cannot lock a user out of
   * their security key by failing on purpose. Codes answer only challenges that offered them:
   * not a usernameless one (no user to check the code against), not one whose acr_values exclude "mfa".
   */
  private async assertCodeAnswerable(live: LiveChallenge, method: 'totp' | 'backup_code'): Promise<void> {
    if (live.user) await this.limits.assertMfaAllowed(live.tenant.id, live.user.userId);
    if (!live.user || !acceptsPlainMfa(live.row.acrValues))
      throw await this.refuse(live, refused(method, 'method_not_offered'));
  }

  /**
   * Counts a wrong answer against the challenge and the user, audits it, and returns the error to
   * answer with: the one 401 every failure answers with (nothing says which part was wrong), unless
   * the proof named another.
   */
  private async refuse(live: LiveChallenge, refusal: ProofRefused): Promise<ApiError> {
    const { method, reason, metadata, details } = refusal;
    await this.challengeRows.update(
      live.tenant.id,
      { id: live.row.id },
      { failedAttempts: () => 'failed_attempts + 1' },
    );
    // Only guesses count toward the per-user lockout; every failure counts against the challenge.
    const userLocked =
      live.user && isGuessable(method) ? await this.limits.recordMfaFailure(live.tenant.id, live.user.userId) : false;
    await this.auditFailure(live, method, reason, metadata, userLocked);
    return (
      refusal.error ??
      new ApiError('mfa_failed', 'The MFA challenge could not be completed.', details ? { details } : {})
    );
  }

  /** mfa.failed, and mfa.locked when this failure killed the challenge or put the user over the limit. */
  private async auditFailure(
    live: LiveChallenge,
    method: ProofRefused['method'],
    reason: string,
    metadata: Record<string, unknown>,
    userLocked: boolean,
  ): Promise<void> {
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
    const challengeDead = live.row.failedAttempts + 1 >= MAX_CHALLENGE_FAILURES;
    if (!userLocked && !challengeDead) return;
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

  /**
   * verify_factor through the tenant policy, with the user being verified as the principal. Cedar
   * also sees `context.requested_acr`: the challenge's acr_values (empty when none).
   */
  private async authorize(live: LiveChallenge, proof: ProofAccepted, ip: string): Promise<void> {
    const user = challengeUser(live);
    const { holdings } = proof;
    const summary =
      holdings?.userId === user.userId
        ? factorSummaryOf(holdings.ownerFactors)
        : await this.factors.summary(live.tenant.id, user.userId);
    await this.policy.enforce(
      userAuthorization({ tenant: live.tenant, user, ip }, 'verify_factor', proof.resource, {
        methodType: proof.factor.method,
        ...factorHoldings(summary),
        now: this.clock.now(),
        requestedAcr: live.row.acrValues ?? [],
      }),
    );
  }

  /**
   * Consumes the challenge (exactly once, even under a race) together with the factor's own
   * single-use change, and audits it: all of it or none. When the factor lost a race, that counts
   * as a failure; when the challenge was consumed or killed meanwhile, 404. Then the token is issued.
   */
  private async consume(live: LiveChallenge, proof: ProofAccepted): Promise<CompletedChallenge> {
    const now = this.clock.now();
    const { userId } = challengeUser(live);
    const { factor } = proof;
    const { amr, acr } = authenticationMethod(factor.method, factor);
    const audit = this.audit.insertFor(
      live.tenant.id,
      verifiedEvent(live, userId, factor.method, factor.factorId, acr),
    );
    const committed = await this.commit(live, proof, now, audit);
    if (committed === 'challenge_gone') throw new ApiError('not_found', 'No active MFA challenge found');
    if (committed === 'factor_lost')
      throw await this.refuse(live, refused(factor.method, 'already_used', { factor_id: factor.factorId }));
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
    return { completion: { ...token, method_type: factor.method, amr, acr }, tenantId: live.tenant.id, userId };
  }

  /**
   * A compare-and-set spend commits with the consumption in one statement where the database
   * allows; a spend of several steps runs in a transaction with it. When the pair did not commit,
   * the challenge's row tells which side lost.
   */
  private async commit(
    live: LiveChallenge,
    proof: ProofAccepted,
    now: Date,
    audit: TenantInsert[],
  ): Promise<'committed' | 'challenge_gone' | 'factor_lost'> {
    const consumption: TenantUpdate<MfaChallengeEntity> = {
      target: MfaChallengeEntity,
      tenantId: live.tenant.id,
      where: { id: live.row.id, consumedAt: IsNull(), failedAttempts: LessThan(MAX_CHALLENGE_FAILURES) },
      patch: { consumedAt: now },
    };
    const { spend } = proof;
    if ('update' in spend) {
      const updates = [consumption, spend.update(now)] as TenantUpdate[];
      if (await changeAtomically(this.dataSource.manager, { updates, inserts: audit })) return 'committed';
    } else {
      try {
        await this.dataSource.transaction(async (manager) => {
          const { tenantId, where, patch } = consumption;
          if ((await this.challengeRows.withManager(manager).update(tenantId, where, patch)) !== 1)
            throw new LostRace();
          if (!(await spend.inTransaction(manager, now))) throw new LostRace();
          await insertAtomically(manager, audit);
        });
        return 'committed';
      } catch (err) {
        if (!(err instanceof LostRace)) throw err;
      }
    }
    const row = await this.challengeRows.findOne(live.tenant.id, { id: live.row.id });
    const alive = row && row.consumedAt === null && row.failedAttempts < MAX_CHALLENGE_FAILURES;
    return alive ? 'factor_lost' : 'challenge_gone';
  }
}

/** mfa.verified: the challenge, and the factor that completed it. */
function verifiedEvent(
  live: LiveChallenge,
  userId: string,
  method: ChallengeMethod,
  factorId: string,
  acr: Acr,
): AuditEventInput {
  return {
    actorType: 'user',
    actorId: userId,
    action: 'mfa.verified',
    resourceType: 'mfa_challenge',
    resourceId: live.row.id,
    metadata: {
      method_type: method,
      factor_id: factorId,
      purpose: live.row.purpose,
      acr,
      ...(live.row.userId === null ? { usernameless: true } : {}),
    },
  };
}
