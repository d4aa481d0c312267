import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, Not } from 'typeorm';
import { Clock } from '#config';
import type { AdminCaller } from '#auth';
import { PolicyService, adminAuthorization } from '#policy';
import { TenantScopedRepository, WebAuthnCredentialEntity } from '#persistence';
import { AuthenticatorMetadataService } from '../metadata/authenticator-metadata.service.js';

export interface AuthenticatorReport {
  generated_at: string;
  metadata_blob_no: number | null;
  total: number;
  by_method_type: { method_type: string; count: number }[];
  by_model: { aaguid: string; name: string | null; model_status: string | null; count: number }[];
  by_certification_level: { certification_level: string | null; count: number }[];
  attestation: { trusted: number; untrusted: number };
  backup: { device_bound: number; synced: number };
  compromised_total: number;
  compromised: {
    factor_id: string;
    user_id: string;
    method_type: string;
    aaguid: string;
    name: string | null;
    model_status: string;
    device_name: string;
    created_at: string;
    last_used_at: string | null;
  }[];
}

/** The report lists at most this many compromised credentials (compromised_total counts them all). */
export const COMPROMISED_LISTED = 1000;

type Count = { n: string | number };
/** A row of COUNT(*) … GROUP BY: the count and the grouped columns, as the driver returns them. */
type GroupedRow = Count & Record<string, unknown>;
const num = (row: Count) => Number(row.n);

/**
 * The tenant's WebAuthn fleet, as a security team asks about it: how many credentials of which
 * model and certification level, attested or not, device-bound or synced, and which credentials
 * are of a model that FIDO metadata now reports compromised. Counts are computed in the database.
 */
@Injectable()
export class AuthenticatorReportService {
  private readonly credentials: TenantScopedRepository<WebAuthnCredentialEntity>;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    private readonly clock: Clock,
    private readonly policy: PolicyService,
    private readonly metadata: AuthenticatorMetadataService,
  ) {
    this.credentials = TenantScopedRepository.of(dataSource, WebAuthnCredentialEntity);
  }

  async report(caller: AdminCaller): Promise<AuthenticatorReport> {
    await this.policy.enforce(adminAuthorization(caller, 'read_authenticator_report'));
    const { tenant } = caller;
    const [methods, models, levels, trust, backup, compromised] = await Promise.all([
      this.countBy(tenant.id, 'methodType'),
      this.countBy(tenant.id, 'aaguid', 'attestationKeyId', 'model', 'modelStatus'),
      this.countBy(tenant.id, 'certificationLevel'),
      this.countBy(tenant.id, 'attestationTrusted'),
      this.countBy(tenant.id, 'backedUp'),
      this.credentials.find(
        tenant.id,
        { modelStatus: Not(IsNull()) },
        { order: { createdAt: 'ASC', id: 'ASC' }, take: COMPROMISED_LISTED },
      ),
    ]);
    const byModel = this.byModel(models);
    return {
      generated_at: this.clock.now().toISOString(),
      metadata_blob_no: this.metadata.blobNumber,
      total: methods.reduce((acc, r) => acc + num(r), 0),
      by_method_type: byMethodType(methods),
      by_model: byModel,
      by_certification_level: byCertificationLevel(levels),
      attestation: {
        trusted: countWhere(trust, 'attestationTrusted', true),
        untrusted: countWhere(trust, 'attestationTrusted', false),
      },
      backup: { device_bound: countWhere(backup, 'backedUp', false), synced: countWhere(backup, 'backedUp', true) },
      compromised_total: byModel.filter((m) => m.model_status !== null).reduce((acc, m) => acc + m.count, 0),
      compromised: compromised.map((c) => this.compromisedEntry(c)),
    };
  }

  /** The tenant's credentials counted per value of `columns`. */
  private countBy(tenantId: string, ...columns: (keyof WebAuthnCredentialEntity)[]): Promise<GroupedRow[]> {
    const q = this.credentials.query(tenantId, 'c').select('COUNT(*)', 'n');
    for (const c of columns) q.addSelect(`c.${c}`, c).addGroupBy(`c.${c}`);
    return q.getRawMany<GroupedRow>();
  }

  private nameOf(row: { aaguid: string; attestationKeyId: string | null; model: string | null }): string | null {
    return this.metadata.describe(row)?.name ?? null;
  }

  /** Most common model first. */
  private byModel(models: GroupedRow[]): AuthenticatorReport['by_model'] {
    return models
      .map((r) => ({
        aaguid: r.aaguid as string,
        name: this.nameOf({
          aaguid: r.aaguid as string,
          attestationKeyId: r.attestationKeyId as string | null,
          model: r.model as string | null,
        }),
        model_status: (r.modelStatus as string | null) ?? null,
        count: num(r),
      }))
      .sort((a, b) => b.count - a.count || a.aaguid.localeCompare(b.aaguid));
  }

  private compromisedEntry(c: WebAuthnCredentialEntity): AuthenticatorReport['compromised'][number] {
    return {
      factor_id: c.id,
      user_id: c.userId,
      method_type: c.methodType,
      aaguid: c.aaguid,
      name: this.nameOf(c),
      model_status: c.modelStatus!,
      device_name: c.deviceName,
      created_at: c.createdAt.toISOString(),
      last_used_at: c.lastUsedAt?.toISOString() ?? null,
    };
  }
}

function byMethodType(methods: GroupedRow[]): AuthenticatorReport['by_method_type'] {
  return methods
    .map((r) => ({ method_type: r.methodType as string, count: num(r) }))
    .sort((a, b) => a.method_type.localeCompare(b.method_type));
}

/** Most common level first. */
function byCertificationLevel(levels: GroupedRow[]): AuthenticatorReport['by_certification_level'] {
  return levels
    .map((r) => ({ certification_level: (r.certificationLevel as string | null) ?? null, count: num(r) }))
    .sort((a, b) => b.count - a.count || String(a.certification_level).localeCompare(String(b.certification_level)));
}

/** The count of the rows whose boolean `column` is `want` (drivers return booleans as true, 1, '1', 't' or 'true'). */
function countWhere(rows: GroupedRow[], column: string, want: boolean): number {
  const truthy = (v: unknown) => v === true || v === 1 || v === '1' || v === 't' || v === 'true';
  return rows.filter((r) => truthy(r[column]) === want).reduce((acc, r) => acc + num(r), 0);
}
