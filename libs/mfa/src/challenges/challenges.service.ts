import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '#config';
import { ApiError } from '#errors';
import { actorOf, type TenantContext, type TenantPrincipal } from '#auth';
import { AuditService, type AuditEventInput } from '#audit';
import { RateLimitService } from '#rate-limit';
import { TenantsService } from '#tenancy';
import {
  MfaChallengeEntity,
  TenantScopedRepository,
  findOneBy,
  insertAtomically,
  joinedEntity,
  newId,
} from '#persistence';
import { FactorsService } from '../factors/factors.service.js';
import { WEBAUTHN_NOT_CONFIGURED } from '../webauthn/relying-party.js';
import { acrNeededNotice, type Acr } from '../shared/acr-rules.js';
import type { ChallengeMethod } from '../shared/method-types.js';
import { CHALLENGE_TTL_MS, MAX_CHALLENGE_FAILURES, isGuessable, type ChallengePurpose } from './challenge-rules.js';
import type { ChallengeJoin } from '../shared/challenge-join.js';
import { challengePrincipal, type ChallengeRef, type LiveChallenge } from './live-challenge.js';

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

const notFound = () => new ApiError('not_found', 'No active MFA challenge found');

/** The challenge id a reference names, lower-cased; 404 for one that cannot be an id, 400 for a bad header. */
function challengeIdOf({ challengeId, tenantHeader }: ChallengeRef): string {
  if (!UUID_SHAPE.test(challengeId)) throw notFound();
  if (tenantHeader !== undefined && !UUID_SHAPE.test(tenantHeader.trim())) {
    throw new ApiError('invalid_tenant_header', 'X-Tenant-ID must be a UUID when it is sent.', {
      details: { header: 'X-Tenant-ID' },
    });
  }
  return challengeId.toLowerCase();
}

/**
 * MFA challenges: opened by a trusted caller (sign-in) or the user (step-up), completed without a
 * bearer by whoever holds the id. This service opens and finds them; ChallengeCompletionService
 * completes them.
 */
@Injectable()
export class ChallengesService {
  private readonly challenges: TenantScopedRepository<MfaChallengeEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly tenants: TenantsService,
    private readonly factors: FactorsService,
    private readonly audit: AuditService,
    private readonly limits: RateLimitService,
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
        : await this.factors.challengeMethods(tenant.id, userId, acrValues);
    // A locked-out user still gets a challenge for a WebAuthn factor (which cannot be guessed);
    // with only guessable methods there is nothing to complete until the window passes.
    if (userId !== null && !available.some((m) => !isGuessable(m)))
      await this.limits.assertMfaAllowed(tenant.id, userId);
    if (acrValues && available.length === 0) throw await this.unavailable(tenant, userId!, acrValues, opener);
    const now = this.clock.now();
    const ttl = Math.min(CHALLENGE_TTL_MS, (input.maxAge ?? Infinity) * 1000);
    const stepUp = opener.kind === 'user' ? opener : null;
    const row: Omit<MfaChallengeEntity, 'tenantId' | 'tenant'> = {
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
    };
    const strength = {
      ...(acrValues ? { acr_values: acrValues } : {}),
      ...(input.maxAge !== undefined ? { max_age: input.maxAge } : {}),
    };
    const opened = openedEvent(opener, row.id, { userId, purpose, methods: available, strength });
    // The challenge and its event together: one statement on PostgreSQL, never one without the other.
    await insertAtomically(this.dataSource.manager, [
      { target: MfaChallengeEntity, tenantId: tenant.id, row },
      ...this.audit.insertFor(tenant.id, opened),
    ]);
    return {
      challenge_id: row.id,
      user_id: userId,
      expires_at: row.expiresAt.toISOString(),
      methods: available,
      ...strength,
    };
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
  async load(ref: ChallengeRef): Promise<LiveChallenge> {
    const id = challengeIdOf(ref);
    // The one lookup by id alone (the id is the capability and names its tenant); the row is
    // used only once its tenant is known to be the header's, if sent, and active.
    return this.live(await findOneBy(this.dataSource.manager, MfaChallengeEntity, { id }), ref);
  }

  /** As `load`, with more read in the same statement (see ChallengeJoin); the challenge is checked alike. */
  async loadJoined<T>(ref: ChallengeRef, join: ChallengeJoin<T>): Promise<{ live: LiveChallenge; joined: T }> {
    const id = challengeIdOf(ref);
    const manager = this.dataSource.manager;
    const rows = await join.query.rows(manager, { ...join.params, id });
    const live = await this.live(joinedEntity(manager, MfaChallengeEntity, rows[0], 'ch'), ref);
    return { live, joined: join.extract(rows, manager) };
  }

  /** The row as a live challenge once its tenant and state allow it, else 404. */
  private async live(row: MfaChallengeEntity | null, { tenantHeader }: ChallengeRef): Promise<LiveChallenge> {
    if (!row || (tenantHeader !== undefined && tenantHeader.trim().toLowerCase() !== row.tenantId)) throw notFound();
    const tenant = await this.tenants.context(row.tenantId);
    if (!tenant || tenant.status !== 'active') throw notFound();
    if (
      row.consumedAt !== null ||
      row.failedAttempts >= MAX_CHALLENGE_FAILURES ||
      row.expiresAt.getTime() <= this.clock.now().getTime()
    )
      throw notFound();
    return { row, tenant, user: row.userId === null ? null : challengePrincipal(row, tenant.id, row.userId) };
  }

  /** A later begin replaces the WebAuthn challenge: only the newest options can complete. */
  async setWebAuthnChallenge(live: LiveChallenge, challenge: string): Promise<void> {
    await this.challenges.update(live.tenant.id, { id: live.row.id }, { webauthnChallenge: challenge });
  }
}

/** mfa.challenge_opened: who opened it, for whom, and what it offers. */
function openedEvent(
  opener: TenantPrincipal,
  challengeId: string,
  facts: { userId: string | null; purpose: ChallengePurpose; methods: ChallengeMethod[]; strength: object },
): AuditEventInput {
  return {
    ...(actorOf(opener) as { actorType: 'user' | 'api_key'; actorId: string }),
    action: 'mfa.challenge_opened',
    resourceType: 'mfa_challenge',
    resourceId: challengeId,
    metadata: {
      user_id: facts.userId,
      purpose: facts.purpose,
      methods: facts.methods,
      ...(facts.userId === null ? { usernameless: true } : {}),
      ...facts.strength,
    },
  };
}
