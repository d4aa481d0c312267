import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { DataSource, IsNull, LessThan, type FindOptionsWhere } from 'typeorm';
import { AuditService } from '#audit';
import { WebAuthnCredentialEntity } from '#persistence';
import { AuthenticatorMetadataService } from '../metadata/authenticator-metadata.service.js';
import { describeEntry } from '../metadata/attestation.assessor.js';

/** One stored judgement shared by many credentials: the model they are of, as last judged. */
interface Judgement {
  aaguid: string;
  attestationKeyId: string | null;
  model: string | null;
  certificationLevel: string | null;
  modelStatus: string | null;
}

export interface RejudgeResult {
  blobNo: number;
  /** Credentials whose stored model, certification level or status changed. */
  updated: number;
  /** Credentials newly refused because their model is now reported compromised. */
  compromised: number;
}

const PAGE = 500;

/**
 * Re-judges stored credentials when a newer metadata BLOB is installed: each credential keeps the
 * serial of the BLOB it was judged against, and the credentials judged against an older one get
 * their model, certification level and status from the new BLOB. A model the BLOB now reports
 * compromised sets `model_status`, which the baseline rule `baseline.compromised_authenticator_model`
 * refuses at verify_factor; each such credential gets a `factor.model_compromised` audit event and
 * its tenant one `tenant.authenticators_compromised`. Every node that loads the BLOB runs this;
 * the per-row update is conditional on the older serial, so exactly one node records each event.
 *
 * The attestation itself is not stored, so its chain is not re-verified: trust judged at
 * enrollment stays, and a compromised model is refused whatever its trust.
 */
@Injectable()
export class CredentialTrustRejudger implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(CredentialTrustRejudger.name);
  private running: Promise<RejudgeResult> | undefined;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly metadata: AuthenticatorMetadataService,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.metadata.onBlobChange(async (no) => {
      await this.rejudge(no);
    });
  }

  /** A node may start with a BLOB newer than the one stored credentials were judged against. */
  onApplicationBootstrap(): void {
    const no = this.metadata.blobNumber;
    if (no !== null)
      void this.rejudge(no).catch((err) =>
        this.logger.error(`Re-judging against MDS BLOB no. ${no} failed: ${(err as Error).message}`),
      );
  }

  /** Re-judges every credential judged against a BLOB older than `blobNo` (one pass at a time). */
  async rejudge(blobNo: number): Promise<RejudgeResult> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.pass(blobNo).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(blobNo: number): Promise<RejudgeResult> {
    if (this.metadata.blobNumber !== blobNo) return { blobNo, updated: 0, compromised: 0 };
    const result: RejudgeResult = { blobNo, updated: 0, compromised: 0 };
    const perTenant = new Map<string, { credentials: number; models: Set<string>; statuses: Set<string> }>();

    for (const judged of await this.staleJudgements(blobNo)) {
      const next = this.judge(judged);
      if (same(judged, next)) continue;
      const newlyCompromised = next.modelStatus !== null && next.modelStatus !== judged.modelStatus;
      for (const row of await this.credentialsOf(judged, blobNo)) {
        const changed = await this.apply(row, next, blobNo, newlyCompromised);
        if (!changed) continue;
        result.updated++;
        if (!newlyCompromised) continue;
        result.compromised++;
        const tenant = perTenant.get(row.tenantId) ?? {
          credentials: 0,
          models: new Set<string>(),
          statuses: new Set<string>(),
        };
        tenant.credentials++;
        tenant.models.add(next.model ?? judged.aaguid);
        tenant.statuses.add(next.modelStatus!);
        perTenant.set(row.tenantId, tenant);
      }
    }
    // Everything else was judged the same by this BLOB.
    await this.dataSource
      .getRepository(WebAuthnCredentialEntity)
      .update(staleWhere(blobNo), { metadataBlobNo: blobNo });

    for (const [tenantId, t] of perTenant) {
      await this.audit.record(tenantId, {
        actorType: 'system',
        actorId: 'tessera',
        action: 'tenant.authenticators_compromised',
        resourceType: 'tenant',
        resourceId: tenantId,
        metadata: {
          metadata_blob_no: blobNo,
          credentials: t.credentials,
          models: [...t.models].sort(),
          statuses: [...t.statuses].sort(),
        },
      });
    }
    if (result.updated > 0)
      this.logger.log(
        `MDS BLOB no. ${blobNo}: ${result.updated} credentials re-judged, ${result.compromised} now of a compromised model`,
      );
    return result;
  }

  /** What the BLOB in hand says of a judged model; unchanged where it has no entry. */
  private judge(j: Judgement): Judgement {
    const entry = this.metadata.entryOf(j);
    if (!entry) return j;
    const d = describeEntry(entry);
    return {
      ...j,
      model: d.model ?? j.model,
      certificationLevel: d.certificationLevel ?? null,
      modelStatus: d.compromisedStatus ?? null,
    };
  }

  /** The distinct judgements of credentials judged against an older BLOB (or none): one row per model. */
  private async staleJudgements(blobNo: number): Promise<Judgement[]> {
    const rows = await this.dataSource
      .getRepository(WebAuthnCredentialEntity)
      .createQueryBuilder('c')
      .select([
        'c.aaguid AS aaguid',
        'c.attestationKeyId AS key_id',
        'c.model AS model',
        'c.certificationLevel AS certification_level',
        'c.modelStatus AS model_status',
      ])
      .where('(c.metadataBlobNo IS NULL OR c.metadataBlobNo < :blobNo)', { blobNo })
      .groupBy('c.aaguid')
      .addGroupBy('c.attestationKeyId')
      .addGroupBy('c.model')
      .addGroupBy('c.certificationLevel')
      .addGroupBy('c.modelStatus')
      .getRawMany<{
        aaguid: string;
        key_id: string | null;
        model: string | null;
        certification_level: string | null;
        model_status: string | null;
      }>();
    return rows.map((r) => ({
      aaguid: r.aaguid,
      attestationKeyId: r.key_id,
      model: r.model,
      certificationLevel: r.certification_level,
      modelStatus: r.model_status,
    }));
  }

  private async credentialsOf(
    j: Judgement,
    blobNo: number,
  ): Promise<Pick<WebAuthnCredentialEntity, 'id' | 'tenantId' | 'userId' | 'methodType'>[]> {
    const out: Pick<WebAuthnCredentialEntity, 'id' | 'tenantId' | 'userId' | 'methodType'>[] = [];
    const match = {
      aaguid: j.aaguid,
      attestationKeyId: j.attestationKeyId ?? IsNull(),
      model: j.model ?? IsNull(),
      certificationLevel: j.certificationLevel ?? IsNull(),
      modelStatus: j.modelStatus ?? IsNull(),
    };
    const where = staleWhere(blobNo).map((w) => ({ ...w, ...match }));
    for (let skip = 0; ; skip += PAGE) {
      const page = await this.dataSource.getRepository(WebAuthnCredentialEntity).find({
        where,
        select: { id: true, tenantId: true, userId: true, methodType: true },
        order: { id: 'ASC' },
        skip,
        take: PAGE,
      });
      out.push(...page);
      if (page.length < PAGE) return out;
    }
  }

  /** The new judgement of one credential with its audit event, all-or-nothing; false when another node got there first. */
  private async apply(
    row: Pick<WebAuthnCredentialEntity, 'id' | 'tenantId' | 'userId' | 'methodType'>,
    next: Judgement,
    blobNo: number,
    newlyCompromised: boolean,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(WebAuthnCredentialEntity);
      const where = staleWhere(blobNo).map((w) => ({ ...w, id: row.id, tenantId: row.tenantId }));
      const { affected } = await repo.update(where, {
        model: next.model,
        certificationLevel: next.certificationLevel,
        modelStatus: next.modelStatus,
        metadataBlobNo: blobNo,
      });
      if (affected !== 1) return false;
      if (newlyCompromised) {
        await this.audit.record(
          row.tenantId,
          {
            actorType: 'system',
            actorId: 'tessera',
            action: 'factor.model_compromised',
            resourceType: 'factor',
            resourceId: row.id,
            metadata: {
              user_id: row.userId,
              method_type: row.methodType,
              model: next.model,
              status: next.modelStatus,
              metadata_blob_no: blobNo,
            },
          },
          manager,
        );
      }
      return true;
    });
  }
}

function staleWhere(blobNo: number): FindOptionsWhere<WebAuthnCredentialEntity>[] {
  return [{ metadataBlobNo: IsNull() }, { metadataBlobNo: LessThan(blobNo) }];
}

function same(a: Judgement, b: Judgement): boolean {
  return a.model === b.model && a.certificationLevel === b.certificationLevel && a.modelStatus === b.modelStatus;
}
