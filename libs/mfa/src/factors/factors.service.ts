import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import {
  BackupCodeEntity,
  CachedQuery,
  TenantEntity,
  TenantScopedRepository,
  TotpFactorEntity,
  WebAuthnCredentialEntity,
  assertTenantId,
  joinedEntities,
} from '#persistence';
import { holdsMfa } from '#policy';
import type { ChallengeMethod, WebAuthnMethodType } from '../shared/method-types.js';
import { acceptsPlainMfa, credentialQualification, type CredentialStrength } from '../shared/acr-rules.js';
import { AuthenticatorMetadataService } from '../metadata/authenticator-metadata.service.js';

export interface FactorView {
  id: string;
  method_type: string;
  device_name: string;
  verified: boolean;
  created_at: string;
  last_used_at: string | null;
  authenticator: { aaguid: string; name?: string; backed_up: boolean } | null;
}

/** Verified factors and unused backup codes of a user: what factor_count and has_mfa are made of. */
export interface FactorSummary {
  factorCount: number;
  unusedBackupCodes: number;
}

/** One factor row of a user, whichever table holds it. */
export type FactorRow = { kind: 'webauthn'; row: WebAuthnCredentialEntity } | { kind: 'totp'; row: TotpFactorEntity };

/** A user's factors as counted: WebAuthn credentials, verified TOTP factors, unused backup codes. */
export interface FactorCounts {
  credentials: number;
  totp: number;
  codes: number;
}

/**
 * Adds the counts of one user's factors to a query, as the columns factor_credentials,
 * factor_totp and factor_codes. `tenant` and `user` are SQL expressions naming the user (bound
 * parameters, or another table's columns), so a statement that reads something else of the user
 * can carry the counts along instead of a second round trip.
 */
export function selectFactorCounts<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  tenant: string,
  user: string,
): SelectQueryBuilder<T> {
  const owned = (alias: string) => `${alias}.tenant_id = ${tenant} AND ${alias}.user_id = ${user}`;
  return query
    .addSelect(
      (q) => q.select('COUNT(*)').from(WebAuthnCredentialEntity, 'fc').where(owned('fc')),
      'factor_credentials',
    )
    .addSelect(
      (q) =>
        q
          .select('COUNT(*)')
          .from(TotpFactorEntity, 'ft')
          .where(`${owned('ft')} AND ft.verifiedAt IS NOT NULL`),
      'factor_totp',
    )
    .addSelect(
      (q) =>
        q
          .select('COUNT(*)')
          .from(BackupCodeEntity, 'fb')
          .where(`${owned('fb')} AND fb.usedAt IS NULL`),
      'factor_codes',
    );
}

/** The counts `selectFactorCounts` added to a row (zero for a column the row lacks). */
export function factorCountsOf(row: Record<string, unknown> | undefined): FactorCounts {
  return {
    credentials: Number(row?.factor_credentials ?? 0),
    totp: Number(row?.factor_totp ?? 0),
    codes: Number(row?.factor_codes ?? 0),
  };
}

/** What verify_factor decisions are told of a user's factors, from their counts. */
export function factorSummaryOf(counts: FactorCounts): FactorSummary {
  return { factorCount: counts.credentials + counts.totp, unusedBackupCodes: counts.codes };
}

/** The counts behind factor_count and has_mfa: one statement, its SQL written once. */
const COUNTS = new CachedQuery((manager) =>
  selectFactorCounts(
    manager.getRepository(TenantEntity).createQueryBuilder('tn').select('tn.id', 'tenant').where('tn.id = :tenantId'),
    ':tenantId',
    ':userId',
  ),
);

/**
 * A user's WebAuthn credentials (what acr rules judge) with the user's factor counts on every row.
 * The tenant row leads, so a user without credentials still gets one row: the counts, no credential.
 */
const CREDENTIALS_WITH_COUNTS = new CachedQuery((manager) =>
  selectFactorCounts(
    manager
      .getRepository(TenantEntity)
      .createQueryBuilder('tn')
      .select('tn.id', 'tenant')
      .leftJoin(WebAuthnCredentialEntity, 'c', 'c.tenantId = tn.id AND c.userId = :userId')
      .addSelect(['c.id', 'c.methodType', 'c.attestationTrusted', 'c.backupEligible', 'c.userVerified'])
      .where('tn.id = :tenantId'),
    ':tenantId',
    ':userId',
  ),
);

/** A user's enrolled factors, across methods: the read side every other service counts on. */
@Injectable()
export class FactorsService {
  private readonly credentials: TenantScopedRepository<WebAuthnCredentialEntity>;
  private readonly totp: TenantScopedRepository<TotpFactorEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly metadata: AuthenticatorMetadataService,
  ) {
    this.credentials = TenantScopedRepository.of(dataSource, WebAuthnCredentialEntity);
    this.totp = TenantScopedRepository.of(dataSource, TotpFactorEntity);
  }

  /** WebAuthn credentials and TOTP factors (unverified ones too, flagged), oldest first. */
  async list(tenantId: string, userId: string): Promise<FactorView[]> {
    const [credentials, totp] = await Promise.all([
      this.credentials.find(tenantId, { userId }, { order: { createdAt: 'ASC', id: 'ASC' } }),
      this.totp.find(tenantId, { userId }, { order: { createdAt: 'ASC', id: 'ASC' } }),
    ]);
    const rows: FactorRow[] = [
      ...credentials.map((row) => ({ kind: 'webauthn' as const, row })),
      ...totp.map((row) => ({ kind: 'totp' as const, row })),
    ];
    rows.sort((a, b) => a.row.createdAt.getTime() - b.row.createdAt.getTime() || a.row.id.localeCompare(b.row.id));
    return rows.map((row) => this.withModelName(row, toView(row)));
  }

  /**
   * Adds the authenticator model's name when known, looked up as the assessor identifies the model
   * (metadata by AAGUID or U2F key identifier, the name stored at enrollment, else the shipped list).
   */
  withModelName(factor: FactorRow, view: FactorView): FactorView {
    if (factor.kind !== 'webauthn' || !view.authenticator) return view;
    const { aaguid, attestationKeyId, model } = factor.row;
    const described = this.metadata.describe({ aaguid, attestationKeyId, model });
    return described ? { ...view, authenticator: { ...view.authenticator, name: described.name } } : view;
  }

  /** Verified factors the user holds now: the `factor_count` of policy decisions. */
  async count(tenantId: string, userId: string, manager?: EntityManager): Promise<number> {
    return (await this.summary(tenantId, userId, manager)).factorCount;
  }

  /**
   * Verified factors and unused backup codes in one statement: every enrollment needs both,
   * and each database round trip costs more than the counting.
   */
  async summary(tenantId: string, userId: string, manager?: EntityManager): Promise<FactorSummary> {
    return factorSummaryOf(await this.counts(tenantId, userId, manager));
  }

  /**
   * A guard for `insertUnderUserFactorLockIf` (PostgreSQL): true while the user's verified factors and
   * unused backup codes are still those of `summary`.
   */
  unchangedSince(manager: EntityManager, tenantId: string, userId: string, summary: FactorSummary) {
    assertTenantId(tenantId);
    const [counts, values] = COUNTS.statement(manager, { tenantId, userId });
    const n = values.length;
    return {
      sql: `SELECT c.factor_credentials + c.factor_totp = $${n + 1} AND c.factor_codes = $${n + 2} FROM (${counts}) c`,
      values: [...values, summary.factorCount, summary.unusedBackupCodes],
    };
  }

  /** WebAuthn credentials, verified TOTP factors and unused backup codes, counted in one statement. */
  private async counts(
    tenantId: string,
    userId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<FactorCounts> {
    assertTenantId(tenantId);
    const [row] = await COUNTS.rows(manager, { tenantId, userId });
    return factorCountsOf(row);
  }

  /**
   * The methods a challenge can offer the user now (verified factors only), in a fixed order:
   * passkey, security key, TOTP, backup code. With acr_values, only those with a factor that can
   * meet one of them (codes meet only "mfa"). One statement: the credentials with the counts.
   */
  async challengeMethods(
    tenantId: string,
    userId: string,
    acrValues: readonly string[] | null = null,
  ): Promise<ChallengeMethod[]> {
    assertTenantId(tenantId);
    const manager = this.dataSource.manager;
    const rows = await CREDENTIALS_WITH_COUNTS.rows(manager, { tenantId, userId });
    const credentials = joinedEntities(manager, WebAuthnCredentialEntity, rows, 'c');
    // Codes and TOTP meet only plain MFA: with acr_values that exclude it, they count for nothing.
    const counts = factorCountsOf(acceptsPlainMfa(acrValues) ? rows[0] : undefined);
    const types = new Set<string>(
      credentials.filter((c) => credentialQualification(strengthOf(c), acrValues).qualifies).map((c) => c.methodType),
    );
    const methods: ChallengeMethod[] = [];
    if (types.has('webauthn_passkey')) methods.push('webauthn_passkey');
    if (types.has('webauthn_fido')) methods.push('webauthn_fido');
    if (counts.totp > 0) methods.push('totp');
    if (counts.codes > 0) methods.push('backup_code');
    return methods;
  }

  /** One factor of the user by id, or null (another user's or tenant's id is simply not found). */
  async find(tenantId: string, userId: string, id: string): Promise<FactorRow | null> {
    const credential = await this.credentials.findOne(tenantId, { id, userId });
    if (credential) return { kind: 'webauthn', row: credential };
    const totp = await this.totp.findOne(tenantId, { id, userId });
    return totp ? { kind: 'totp', row: totp } : null;
  }
}

/**
 * Whether what a policy decision saw of the user's factors changed: an enrollment decided on a
 * count taken before its lock decides again on the count inside it.
 */
export function holdingsChanged(before: FactorSummary, now: FactorSummary): boolean {
  return now.factorCount !== before.factorCount || holdsMfa(now) !== holdsMfa(before);
}

/** What the acr rules need to know about a stored credential. */
export function strengthOf(
  c: Pick<WebAuthnCredentialEntity, 'methodType' | 'attestationTrusted' | 'backupEligible' | 'userVerified'>,
): CredentialStrength & { enrolledWithUv: boolean } {
  return {
    method: c.methodType as WebAuthnMethodType,
    attestationTrusted: c.attestationTrusted,
    backupEligible: c.backupEligible,
    enrolledWithUv: c.userVerified,
  };
}

export function methodTypeOf(factor: FactorRow): string {
  return factor.kind === 'webauthn' ? factor.row.methodType : 'totp';
}

export function toView(factor: FactorRow): FactorView {
  const common = {
    id: factor.row.id,
    method_type: methodTypeOf(factor),
    device_name: factor.row.deviceName,
    created_at: factor.row.createdAt.toISOString(),
    last_used_at: factor.row.lastUsedAt?.toISOString() ?? null,
  };
  return factor.kind === 'webauthn'
    ? { ...common, verified: true, authenticator: { aaguid: factor.row.aaguid, backed_up: factor.row.backedUp } }
    : { ...common, verified: factor.row.verifiedAt !== null, authenticator: null };
}
