import type { EntityManager } from 'typeorm';
import {
  CachedQuery,
  PendingEnrollmentEntity,
  TenantEntity,
  UserHandleEntity,
  WebAuthnCredentialEntity,
  assertTenantId,
  joinedEntities,
  joinedEntity,
} from '#persistence';
import { factorCountsOf, factorSummaryOf, selectFactorCounts, type FactorSummary } from '../factors/factors.service.js';

/** A credential the new one must not duplicate (the options' excludeCredentials). */
export type ExcludedCredential = Pick<WebAuthnCredentialEntity, 'credentialId' | 'transports'>;

/** What a registration's options call knows of the user before the policy decides. */
export interface RegistrationStart {
  /** The user's credentials, oldest first. */
  existing: ExcludedCredential[];
  summary: FactorSummary;
  /** The user's WebAuthn user handle, or null before their first registration. */
  handle: UserHandleEntity | null;
}

/**
 * The user's credentials with their factor counts and user handle on every row. The tenant row
 * leads, so a user with no credential (or no handle yet) still gets one row.
 */
const REGISTRATION_START = new CachedQuery((manager) =>
  selectFactorCounts(
    manager
      .getRepository(TenantEntity)
      .createQueryBuilder('tn')
      .select('tn.id', 'tenant')
      .leftJoin(UserHandleEntity, 'h', 'h.tenantId = tn.id AND h.userId = :userId')
      .addSelect('h')
      .leftJoin(WebAuthnCredentialEntity, 'c', 'c.tenantId = tn.id AND c.userId = :userId')
      .addSelect(['c.credentialId', 'c.transports'])
      .where('tn.id = :tenantId')
      .orderBy('c.createdAt', 'ASC')
      .addOrderBy('c.id', 'ASC'),
    ':tenantId',
    ':userId',
  ),
);

/** Reads what `RegistrationStart` holds in one statement. */
export async function readRegistrationStart(
  manager: EntityManager,
  tenantId: string,
  userId: string,
): Promise<RegistrationStart> {
  assertTenantId(tenantId);
  const rows = await REGISTRATION_START.rows(manager, { tenantId, userId });
  const first = rows[0];
  return {
    existing: joinedEntities(manager, WebAuthnCredentialEntity, rows, 'c', 'credential_id'),
    summary: factorSummaryOf(factorCountsOf(first)),
    handle: joinedEntity(manager, UserHandleEntity, first, 'h'),
  };
}

/**
 * PostgreSQL: the pending enrollment taken (deleted and returned, so exactly one caller gets it)
 * and the user's factor counts, in one statement. The counts come from the statement's snapshot,
 * which the DELETE does not touch; a completion decides on them again inside the user's lock.
 */
const TAKE_PENDING_WITH_COUNTS = new CachedQuery((manager) => {
  const pending = manager.connection.getMetadata(PendingEnrollmentEntity);
  const q = (name: string) => manager.connection.driver.escape(name);
  const column = (property: string) => q(pending.findColumnWithPropertyName(property)!.databaseName);
  const query = manager
    .getRepository(TenantEntity)
    .createQueryBuilder('tn')
    .addCommonTableExpression(
      `DELETE FROM ${q(pending.tableName)} WHERE ${column('tenantId')} = :tenantId AND ${column('userId')} = :userId` +
        ` AND ${column('methodType')} = :methodType RETURNING *`,
      'taken',
    )
    .select('tn.id', 'tenant')
    .leftJoin('taken', 'pe', 'TRUE')
    .where('tn.id = :tenantId');
  for (const c of pending.columns) query.addSelect(`${q('pe')}.${q(c.databaseName)}`, `pe_${c.databaseName}`);
  return selectFactorCounts(query, ':tenantId', ':userId');
});

/** Takes the user's pending enrollment of `methodType` and reads their factor counts (PostgreSQL only). */
export async function takePendingWithCounts(
  manager: EntityManager,
  tenantId: string,
  userId: string,
  methodType: string,
): Promise<{ pending: PendingEnrollmentEntity | null; summary: FactorSummary }> {
  assertTenantId(tenantId);
  const [row] = await TAKE_PENDING_WITH_COUNTS.rows(manager, { tenantId, userId, methodType });
  return {
    pending: joinedEntity(manager, PendingEnrollmentEntity, row, 'pe'),
    summary: factorSummaryOf(factorCountsOf(row)),
  };
}
