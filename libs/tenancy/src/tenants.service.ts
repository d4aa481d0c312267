import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantEntity, newId, type EffectiveWebAuthnSettings, type WebAuthnSettings } from '#persistence';
import { ApiError, validationFailed } from '#errors';
import { ApiKeysService, type TenantContext } from '#auth';
import { AuditService } from '#audit';
import { decodeCursor, toPage, type Page } from '#pagination';
import {
  DEFAULT_STEP_UP_MAX_AGE_SECONDS,
  effectiveSettings,
  normalizeSettings,
  relatedOriginsDocument,
  validateWebAuthnSettings,
} from './webauthn-settings.js';

export interface TenantView {
  id: string;
  name: string;
  status: string;
  require_mfa: boolean;
  webauthn: WebAuthnSettings | null;
  created_at: string;
  updated_at: string;
}

export interface CreateTenantInput {
  id?: string;
  name: string;
  webauthn?: WebAuthnSettings | null;
  require_mfa?: boolean;
}

export interface UpdateTenantInput {
  name?: string;
  status?: 'active' | 'disabled';
  webauthn?: WebAuthnSettings | null;
  require_mfa?: boolean;
}

/**
 * How long a node may answer from its copy of a tenant row. Every request needs the tenant
 * (status, WebAuthn settings, policy version); a short TTL saves a query per request while a
 * change made on another node (disable, new policy version) is still seen within 0.5 s.
 */
const CONTEXT_TTL_MS = 500;

/** How long a node answers /.well-known/webauthn from its copy: browsers fetch it on cross-origin ceremonies. */
const WELL_KNOWN_TTL_MS = 5_000;

/** A PATCH of a tenant's WebAuthn settings: only the given fields change. */
export type WebAuthnSettingsPatch = Partial<WebAuthnSettings>;

/** Tenants and their WebAuthn settings. The platform operator creates them. */
@Injectable()
export class TenantsService {
  private readonly contexts = new Map<string, { at: number; value: TenantContext | null }>();
  private wellKnown: { at: number; byRpId: Map<string, string[]> } | undefined;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  async create(input: CreateTenantInput): Promise<{ tenant: TenantView; apiKey: string }> {
    const webauthn = input.webauthn ? this.checkedSettings(input.webauthn) : null;
    const now = new Date();
    return this.dataSource.transaction(async (manager) => {
      const id = (input.id ?? newId()).toLowerCase();
      if (input.id && (await manager.getRepository(TenantEntity).findOne({ where: { id } }))) {
        throw new ApiError('conflict', 'A tenant with this id already exists.');
      }
      const row = manager.getRepository(TenantEntity).create({
        id,
        name: input.name,
        status: 'active',
        webauthn,
        requireMfa: input.require_mfa ?? false,
        policyVersion: 0,
        createdAt: now,
        updatedAt: now,
      });
      await manager.getRepository(TenantEntity).insert(row);
      const key = await this.apiKeys.create(id, 'initial admin key', manager);
      await this.audit.record(
        id,
        {
          actorType: 'platform',
          actorId: 'platform',
          action: 'tenant.created',
          resourceType: 'tenant',
          resourceId: id,
          metadata: { name: input.name },
        },
        manager,
      );
      await this.audit.record(
        id,
        {
          actorType: 'platform',
          actorId: 'platform',
          action: 'api_key.created',
          resourceType: 'api_key',
          resourceId: key.id,
          metadata: { name: key.name },
        },
        manager,
      );
      this.invalidate(id);
      return { tenant: toView(row), apiKey: key.key };
    });
  }

  async get(id: string): Promise<TenantView> {
    const row = await this.find(id);
    if (!row) throw new ApiError('not_found', 'Tenant not found.');
    return toView(row);
  }

  /**
   * One page of tenants in creation order (ties by id); `cursor` is the `next_cursor` of the
   * previous page, which names the last tenant seen (tenants are disabled, never deleted).
   */
  async page(query: { limit?: number; cursor?: string } = {}): Promise<Page<TenantView>> {
    const limit = query.limit ?? 20;
    const repo = this.dataSource.getRepository(TenantEntity);
    const qb = repo
      .createQueryBuilder('tenant')
      .orderBy('tenant.createdAt', 'ASC')
      .addOrderBy('tenant.id', 'ASC')
      .take(limit + 1);
    if (query.cursor !== undefined) {
      const anchor = await repo.findOne({
        where: { id: decodeCursor(query.cursor) },
        select: { id: true, createdAt: true },
      });
      if (!anchor) throw validationFailed([{ field: 'cursor', reason: 'is not a cursor returned by this list' }]);
      qb.where('(tenant.createdAt > :at OR (tenant.createdAt = :at AND tenant.id > :id))', {
        at: anchor.createdAt,
        id: anchor.id,
      });
    }
    return toPage(await qb.getMany(), limit, toView);
  }

  async list(): Promise<TenantView[]> {
    const rows = await this.dataSource.getRepository(TenantEntity).find({ order: { createdAt: 'ASC' } });
    return rows.map(toView);
  }

  async update(id: string, patch: UpdateTenantInput): Promise<TenantView> {
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(TenantEntity);
      const row = await repo.findOne({ where: { id: id.toLowerCase() } });
      if (!row) throw new ApiError('not_found', 'Tenant not found.');
      if (patch.name !== undefined) row.name = patch.name;
      if (patch.status !== undefined) row.status = patch.status;
      if (patch.require_mfa !== undefined) row.requireMfa = patch.require_mfa;
      if (patch.webauthn !== undefined)
        row.webauthn = patch.webauthn === null ? null : this.checkedSettings(patch.webauthn);
      row.updatedAt = new Date();
      await repo.update(
        { id: row.id },
        {
          name: row.name,
          status: row.status,
          requireMfa: row.requireMfa,
          webauthn: row.webauthn,
          updatedAt: row.updatedAt,
        },
      );
      this.invalidate(row.id);
      await this.audit.record(
        row.id,
        {
          actorType: 'platform',
          actorId: 'platform',
          action: 'tenant.updated',
          resourceType: 'tenant',
          resourceId: row.id,
          metadata: { fields: Object.keys(patch) },
        },
        manager,
      );
      return toView(row);
    });
  }

  /** The tenant a request is bound to, or null when it does not exist (cached for CONTEXT_TTL_MS). */
  async context(id: string): Promise<TenantContext | null> {
    const key = id.toLowerCase();
    const now = Date.now();
    const cached = this.contexts.get(key);
    if (cached && now - cached.at < CONTEXT_TTL_MS) return cached.value;
    const value = await this.load(key);
    if (this.contexts.size > 10_000) this.contexts.clear();
    this.contexts.set(key, { at: now, value });
    return value;
  }

  /** Drops this node's copy after a change, so the change applies here on the next request. */
  invalidate(id: string): void {
    this.contexts.delete(id.toLowerCase());
    this.wellKnown = undefined;
  }

  private async load(id: string): Promise<TenantContext | null> {
    const row = await this.find(id);
    if (!row) return null;
    return {
      id: row.id,
      name: row.name,
      status: row.status,
      requireMfa: row.requireMfa,
      stepUpMaxAgeSeconds: row.webauthn?.step_up_max_age_seconds ?? DEFAULT_STEP_UP_MAX_AGE_SECONDS,
      policyVersion: row.policyVersion,
      webauthn: row.webauthn ? relyingPartyOf(effectiveSettings(row.webauthn)) : null,
    };
  }

  /** The tenant's WebAuthn settings with defaults filled in. */
  async webauthnSettings(id: string): Promise<EffectiveWebAuthnSettings> {
    const row = await this.find(id);
    if (!row) throw new ApiError('not_found', 'Tenant not found.');
    if (!row.webauthn)
      throw new ApiError('not_found', 'WebAuthn is not configured for this tenant.', {
        details: { reason: 'webauthn_not_configured' },
      });
    return effectiveSettings(row.webauthn);
  }

  /**
   * Changes some WebAuthn settings; the result is validated as a whole. A tenant without settings
   * needs rp_id, rp_name and origins. Audited with the names of the changed fields.
   */
  async patchWebAuthnSettings(id: string, patch: WebAuthnSettingsPatch): Promise<EffectiveWebAuthnSettings> {
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(TenantEntity);
      const row = await repo.findOne({ where: { id: id.toLowerCase() } });
      if (!row) throw new ApiError('not_found', 'Tenant not found.');
      const current = row.webauthn;
      if (!current) {
        const missing = (['rp_id', 'rp_name', 'origins'] as const).filter((f) => patch[f] === undefined);
        if (missing.length > 0) {
          throw validationFailed(
            missing.map((f) => ({ field: f, reason: 'is required while WebAuthn is not configured for the tenant' })),
            'The WebAuthn settings are incomplete.',
          );
        }
      }
      const merged = { ...current, ...definedOnly(patch) } as WebAuthnSettings;
      if (patch.attestation) merged.attestation = { ...current?.attestation, ...definedOnly(patch.attestation) };
      const errors = validateWebAuthnSettings(merged, 'webauthn');
      if (errors.length > 0)
        throw validationFailed(
          errors.map((e) => ({ ...e, field: e.field.replace(/^webauthn\./, '') })),
          'The WebAuthn settings are invalid.',
        );
      const next = normalizeSettings(merged);
      const changed = (Object.keys(next) as (keyof WebAuthnSettings)[]).filter(
        (k) => JSON.stringify(next[k]) !== JSON.stringify(current?.[k]),
      );
      const now = new Date();
      await repo.update({ id: row.id }, { webauthn: next, updatedAt: now });
      this.invalidate(row.id);
      await this.audit.record(
        row.id,
        {
          actorType: 'platform',
          actorId: 'platform',
          action: 'tenant.webauthn_updated',
          resourceType: 'tenant',
          resourceId: row.id,
          metadata: { fields: changed, rp_id: next.rp_id },
        },
        manager,
      );
      return effectiveSettings(next);
    });
  }

  /**
   * The origins of https://<host>/.well-known/webauthn: those of the active tenants whose rp id is
   * `host`, related origins last, trimmed to what clients honour. Null when no tenant has that rp id.
   */
  async relatedOrigins(host: string): Promise<string[] | null> {
    const now = Date.now();
    if (!this.wellKnown || now - this.wellKnown.at >= WELL_KNOWN_TTL_MS) {
      const rows = await this.dataSource
        .getRepository(TenantEntity)
        .find({ select: { id: true, webauthn: true, status: true }, order: { createdAt: 'ASC', id: 'ASC' } });
      const byRpId = new Map<string, string[]>();
      for (const row of rows) {
        if (row.status !== 'active' || !row.webauthn) continue;
        const list = byRpId.get(row.webauthn.rp_id) ?? [];
        list.push(...row.webauthn.origins, ...(row.webauthn.related_origins ?? []));
        byRpId.set(row.webauthn.rp_id, list);
      }
      this.wellKnown = { at: now, byRpId };
    }
    const origins = this.wellKnown.byRpId.get(host.toLowerCase().replace(/\.$/, ''));
    return origins ? relatedOriginsDocument(origins) : null;
  }

  /** Every origin any tenant lists: the CORS allow list. */
  async allOrigins(): Promise<string[]> {
    const rows = await this.dataSource.getRepository(TenantEntity).find({ select: { webauthn: true, status: true } });
    return rows
      .filter((r) => r.status === 'active')
      .flatMap((r) => [...(r.webauthn?.origins ?? []), ...(r.webauthn?.related_origins ?? [])]);
  }

  private find(id: string): Promise<TenantEntity | null> {
    return this.dataSource.getRepository(TenantEntity).findOne({ where: { id: id.toLowerCase() } });
  }

  private checkedSettings(input: WebAuthnSettings): WebAuthnSettings {
    const errors = validateWebAuthnSettings(input);
    if (errors.length > 0) throw validationFailed(errors, 'The WebAuthn settings are invalid.');
    return normalizeSettings(input);
  }
}

/** The request's relying party: the effective settings, and every origin a ceremony may come from. */
function relyingPartyOf(s: EffectiveWebAuthnSettings): NonNullable<TenantContext['webauthn']> {
  return { ...s, ceremony_origins: [...new Set([...s.origins, ...s.related_origins])] };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function toView(row: TenantEntity): TenantView {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    require_mfa: row.requireMfa,
    webauthn: row.webauthn,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
