import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '#audit';
import { factorCountsOf, selectFactorCounts, type FactorCounts } from '../factors/factors.service.js';
import type { ChallengeJoin } from '../shared/challenge-join.js';
import {
  CachedQuery,
  MfaChallengeEntity,
  TenantScopedRepository,
  UserHandleEntity,
  WebAuthnCredentialEntity,
  joinedEntities,
  joinedEntity,
  type TenantUpdate,
} from '#persistence';

/** The credential facts an assertion's options and acr rules need, oldest credential first. */
export type OfferedCredential = Pick<
  WebAuthnCredentialEntity,
  'credentialId' | 'transports' | 'methodType' | 'attestationTrusted' | 'backupEligible' | 'userVerified'
>;

/**
 * The columns of a stored credential an assertion uses: its verification, the counter and backup
 * state it updates, the acr rules, the Authenticator verify_factor is told of, and the audit of its
 * anomalies. The name, the attestation's key and metadata blob, and the timestamps are left out:
 * pg builds its row description and every row per column, so each column costs on the hottest read.
 */
const ASSERTED_COLUMNS = [
  'id',
  'userId',
  'credentialId',
  'publicKey',
  'counter',
  'transports',
  'aaguid',
  'userVerified',
  'backupEligible',
  'backedUp',
  'attestationFormat',
  'attachment',
  'methodType',
  'credPropsRk',
  'attestationTrusted',
  'untrustedReason',
  'model',
  'certificationLevel',
  'modelStatus',
] as const satisfies readonly (keyof WebAuthnCredentialEntity)[];

/** A stored credential as an assertion reads it (see ASSERTED_COLUMNS). */
export type AssertedCredential = Pick<WebAuthnCredentialEntity, (typeof ASSERTED_COLUMNS)[number]>;

/** A stored credential, its owner's user handle (null if the owner has none) and the owner's factors. */
export interface NamedCredential {
  credential: AssertedCredential;
  ownerHandle: string | null;
  ownerFactors: FactorCounts;
}

/**
 * A challenge by :id with the credential an assertion names (in the challenge's tenant), its
 * owner's user handle and factor counts (what verify_factor is told once the assertion is
 * proven); one row, the credential's columns null when the tenant has no such credential.
 */
const CHALLENGE_WITH_NAMED_CREDENTIAL = new CachedQuery((manager) =>
  selectFactorCounts(
    manager
      .getRepository(MfaChallengeEntity)
      .createQueryBuilder('ch')
      .leftJoin(WebAuthnCredentialEntity, 'c', 'c.tenantId = ch.tenantId AND c.credentialId = :credentialId')
      .addSelect(ASSERTED_COLUMNS.map((column) => `c.${column}`))
      .leftJoin(UserHandleEntity, 'h', 'h.tenantId = c.tenantId AND h.userId = c.userId')
      .addSelect('h.handle', 'owner_handle')
      .where('ch.id = :id'),
    'c.tenant_id',
    'c.user_id',
  ),
);

/**
 * A challenge by :id with its user's credentials, one row per credential, oldest first (one row
 * with no credential when the user has none or the challenge has no user).
 */
const CHALLENGE_WITH_OFFERED_CREDENTIALS = new CachedQuery((manager) =>
  manager
    .getRepository(MfaChallengeEntity)
    .createQueryBuilder('ch')
    .leftJoin(WebAuthnCredentialEntity, 'c', 'c.tenantId = ch.tenantId AND c.userId = ch.userId')
    .addSelect([
      'c.credentialId',
      'c.transports',
      'c.methodType',
      'c.attestationTrusted',
      'c.backupEligible',
      'c.userVerified',
    ])
    .where('ch.id = :id')
    .orderBy('c.createdAt', 'ASC')
    .addOrderBy('c.id', 'ASC'),
);

/**
 * Stored WebAuthn credentials as assertions use them: found by (tenant, credential id) or user
 * handle, so another tenant's credentials and handles never match; updated once an assertion is
 * proven; their anomalies audited.
 */
@Injectable()
export class AssertionCredentialsService {
  private readonly credentials: TenantScopedRepository<WebAuthnCredentialEntity>;
  private readonly handles: TenantScopedRepository<UserHandleEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {
    this.credentials = TenantScopedRepository.of(dataSource, WebAuthnCredentialEntity);
    this.handles = TenantScopedRepository.of(dataSource, UserHandleEntity);
  }

  /** The challenge user's credentials, oldest first, with what request options and the acr rules need. */
  offeredWithChallenge(): ChallengeJoin<OfferedCredential[]> {
    return {
      query: CHALLENGE_WITH_OFFERED_CREDENTIALS,
      params: {},
      extract: (rows, manager): OfferedCredential[] =>
        joinedEntities(manager, WebAuthnCredentialEntity, rows, 'c', 'credential_id'),
    };
  }

  /**
   * The credential an assertion names, with its owner's user handle and factor counts, read with
   * the challenge: neither the handle an assertion carries (each user has one handle, each handle
   * one user, per tenant) nor the verify_factor decision needs another round trip.
   */
  namedWithChallenge(credentialId: string): ChallengeJoin<NamedCredential | null> {
    return {
      query: CHALLENGE_WITH_NAMED_CREDENTIAL,
      params: { credentialId },
      extract: ([row], manager) => {
        const credential = joinedEntity(manager, WebAuthnCredentialEntity, row, 'c');
        if (!credential) return null;
        return {
          credential,
          ownerHandle: (row.owner_handle as string | null) ?? null,
          ownerFactors: factorCountsOf(row),
        };
      },
    };
  }

  /** The user a user handle (the random WebAuthn user.id issued at registration) belongs to, or null. */
  async handleOwner(tenantId: string, handle: string): Promise<string | null> {
    if (handle.length > 64) return null;
    const row = await this.handles.findOne(tenantId, { handle });
    return row?.userId ?? null;
  }

  /**
   * The change a proven assertion makes: the new counter, last use and backup state. Compare-and-set
   * on the counter: of two assertions racing on one credential, one wins.
   */
  useOf(
    tenantId: string,
    credential: AssertedCredential,
    assertion: { newCounter: number; backedUp: boolean },
    now: Date,
  ): TenantUpdate<WebAuthnCredentialEntity> {
    return {
      target: WebAuthnCredentialEntity,
      tenantId,
      where: { id: credential.id, counter: credential.counter },
      patch: { counter: assertion.newCounter, lastUsedAt: now, backedUp: assertion.backedUp },
    };
  }

  /** A signature counter that did not advance: a cloned authenticator, or a replayed assertion. */
  async recordCounterRegression(
    tenantId: string,
    credential: AssertedCredential,
    receivedCounter: number,
    challengeId: string,
  ): Promise<void> {
    await this.audit.record(tenantId, {
      actorType: 'system',
      actorId: 'tessera',
      action: 'factor.counter_regression',
      resourceType: 'factor',
      resourceId: credential.id,
      metadata: {
        user_id: credential.userId,
        stored_counter: credential.counter,
        received_counter: receivedCounter,
        challenge_id: challengeId,
      },
    });
  }

  /**
   * A credential enrolled device-bound (BS=0) that now says it is backed up (BS=1) has been synced
   * to a cloud keychain since. Recorded before the policy decides, so the stored flag, the audit
   * log and `resource.backed_up` agree even when a rule then refuses the synced passkey.
   */
  async recordBackupDrift(tenantId: string, credential: AssertedCredential): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const updated = await this.credentials
        .withManager(manager)
        .update(tenantId, { id: credential.id, backedUp: false }, { backedUp: true });
      if (updated !== 1) return;
      await this.audit.record(
        tenantId,
        {
          actorType: 'system',
          actorId: 'tessera',
          action: 'factor.backup_state_changed',
          resourceType: 'factor',
          resourceId: credential.id,
          metadata: {
            user_id: credential.userId,
            method_type: credential.methodType,
            aaguid: credential.aaguid,
            backed_up: true,
            enrolled_backed_up: false,
          },
        },
        manager,
      );
    });
    credential.backedUp = true;
  }
}
