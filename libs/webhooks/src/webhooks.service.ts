import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, Clock, type AppConfig } from '#config';
import { ApiError, validationFailed } from '#errors';
import { AuditService, type AuditEventInput } from '#audit';
import { decodeCursor, toPage, type Page } from '#pagination';
import type { AdminCaller } from '#auth';
import { PolicyService, adminAuthorization } from '#policy';
import { MFA_ENCRYPTION_KEY, seal } from '#mfa';
import {
  TenantScopedRepository,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  insertAtomically,
  newTimeOrderedId,
} from '#persistence';
import { isForbiddenAddress, webhookUrlProblems } from './egress-policy.js';
import { generateWebhookSecret } from './webhook-signature.js';
import { secretAad } from './endpoint-secrets.js';
import { pendingDelivery } from './pending-delivery.js';

/** During a rotation the previous secret keeps signing for this long. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveryView {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_response_code: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  created_at: string;
}

export interface WebhookInput {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

/** Tenant admins manage webhook endpoints (`manage_webhooks`); every change is audited. */
@Injectable()
export class WebhooksService {
  private readonly endpoints: TenantScopedRepository<WebhookEndpointEntity>;
  private readonly deliveries: TenantScopedRepository<WebhookDeliveryEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MFA_ENCRYPTION_KEY) private readonly encryptionKey: Buffer,
    private readonly clock: Clock,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
  ) {
    this.endpoints = TenantScopedRepository.of(dataSource, WebhookEndpointEntity);
    this.deliveries = TenantScopedRepository.of(dataSource, WebhookDeliveryEntity);
  }

  async create(
    caller: AdminCaller,
    input: Required<Pick<WebhookInput, 'url' | 'events'>> & { description?: string },
  ): Promise<WebhookView & { secret: string }> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_webhooks'));
    const url = await this.checkedUrl(input.url);
    const now = this.clock.now();
    const id = newTimeOrderedId(now.getTime());
    const secret = generateWebhookSecret();
    const row: Omit<WebhookEndpointEntity, 'tenantId' | 'tenant'> = {
      id,
      url,
      events: normalizedEvents(input.events),
      description: input.description ?? null,
      enabled: true,
      disabledReason: null,
      secretSealed: seal(this.encryptionKey, secret, secretAad(caller.tenant.id, id)),
      previousSecretSealed: null,
      previousSecretExpiresAt: null,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    };
    await insertAtomically(this.dataSource.manager, [
      { target: WebhookEndpointEntity, tenantId: caller.tenant.id, row },
      ...this.audit.insertFor(caller.tenant.id, this.event(caller, 'webhook.created', id, { url, events: row.events })),
    ]);
    return { ...toWebhookView(row), secret };
  }

  async list(caller: AdminCaller, page: { limit?: number; cursor?: string }): Promise<Page<WebhookView>> {
    await this.policy.enforce(adminAuthorization(caller, 'manage_webhooks'));
    const limit = page.limit ?? 20;
    const qb = this.endpoints
      .query(caller.tenant.id, 'endpoint')
      .orderBy('endpoint.id', 'DESC')
      .limit(limit + 1);
    if (page.cursor !== undefined) qb.andWhere('endpoint.id < :before', { before: decodeCursor(page.cursor) });
    return toPage(await qb.getMany(), limit, (r) => toWebhookView(r));
  }

  async get(caller: AdminCaller, id: string): Promise<WebhookView> {
    return toWebhookView(await this.authorized(caller, id));
  }

  async update(caller: AdminCaller, id: string, input: WebhookInput): Promise<WebhookView> {
    const row = await this.authorized(caller, id);
    const patch: Partial<WebhookEndpointEntity> = {};
    if (input.url !== undefined) patch.url = await this.checkedUrl(input.url);
    if (input.events !== undefined) patch.events = normalizedEvents(input.events);
    if (input.description !== undefined) patch.description = input.description;
    if (input.enabled !== undefined && input.enabled !== row.enabled) {
      patch.enabled = input.enabled;
      patch.disabledReason = input.enabled ? null : 'admin';
      // A fresh start: the 3-day failure clock begins again.
      patch.failingSince = null;
    }
    const fields = Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined);
    if (fields.length === 0)
      throw validationFailed([
        { field: 'body', reason: 'must change at least one of url, events, description, enabled' },
      ]);
    const updatedAt = this.clock.now();
    await this.dataSource.transaction(async (m) => {
      await this.endpoints.withManager(m).update(caller.tenant.id, { id }, { ...patch, updatedAt });
      await this.audit.record(
        caller.tenant.id,
        this.event(caller, 'webhook.updated', id, { fields, ...(patch.url ? { url: patch.url } : {}) }),
        m,
      );
    });
    return toWebhookView({ ...row, ...patch, updatedAt });
  }

  async remove(caller: AdminCaller, id: string): Promise<void> {
    const row = await this.authorized(caller, id);
    await this.dataSource.transaction(async (m) => {
      await this.deliveries.withManager(m).delete(caller.tenant.id, { endpointId: id });
      await this.endpoints.withManager(m).delete(caller.tenant.id, { id });
      await this.audit.record(caller.tenant.id, this.event(caller, 'webhook.deleted', id, { url: row.url }), m);
    });
  }

  /** A new secret; the previous one keeps signing (a second signature) for 24 hours. */
  async rotateSecret(
    caller: AdminCaller,
    id: string,
  ): Promise<WebhookView & { secret: string; previous_secret_expires_at: string }> {
    const row = await this.authorized(caller, id);
    const now = this.clock.now();
    const secret = generateWebhookSecret();
    const expires = new Date(now.getTime() + ROTATION_OVERLAP_MS);
    const patch = {
      secretSealed: seal(this.encryptionKey, secret, secretAad(caller.tenant.id, id)),
      previousSecretSealed: row.secretSealed,
      previousSecretExpiresAt: expires,
      updatedAt: now,
    };
    await this.dataSource.transaction(async (m) => {
      await this.endpoints.withManager(m).update(caller.tenant.id, { id }, patch);
      await this.audit.record(
        caller.tenant.id,
        this.event(caller, 'webhook.secret_rotated', id, { previous_secret_expires_at: expires.toISOString() }),
        m,
      );
    });
    return { ...toWebhookView({ ...row, ...patch }), secret, previous_secret_expires_at: expires.toISOString() };
  }

  /** Sends a `webhook.test` event to this endpoint only (also when it is not subscribed to it). */
  async test(caller: AdminCaller, id: string): Promise<{ event_id: string; delivery_id: string }> {
    await this.authorized(caller, id);
    const [auditRow] = this.audit.insertFor(caller.tenant.id, this.event(caller, 'webhook.test', id, {}));
    const event = auditRow.row as { id: string; createdAt: Date };
    const now = this.clock.now();
    const body = webhookBody('webhook.test', event.createdAt, {
      tenant_id: caller.tenant.id,
      webhook_id: id,
      actor_type: 'api_key',
      actor_id: caller.key.keyId,
    });
    const delivery = pendingDelivery(id, { id: event.id, type: 'webhook.test' }, body, now);
    await insertAtomically(this.dataSource.manager, [
      auditRow,
      { target: WebhookDeliveryEntity, tenantId: caller.tenant.id, row: delivery },
    ]);
    return { event_id: event.id, delivery_id: delivery.id };
  }

  async listDeliveries(
    caller: AdminCaller,
    id: string,
    page: { limit?: number; cursor?: string },
  ): Promise<Page<WebhookDeliveryView>> {
    await this.authorized(caller, id);
    const limit = page.limit ?? 20;
    const qb = this.deliveries
      .query(caller.tenant.id, 'delivery')
      .andWhere('delivery.endpointId = :id', { id })
      .orderBy('delivery.id', 'DESC')
      .limit(limit + 1);
    if (page.cursor !== undefined) qb.andWhere('delivery.id < :before', { before: decodeCursor(page.cursor) });
    return toPage(await qb.getMany(), limit, toDeliveryView);
  }

  /** The endpoint, authorized; another tenant's is "not found" too (existence never leaks). */
  private async authorized(caller: AdminCaller, id: string): Promise<WebhookEndpointEntity> {
    const row = await this.endpoints.findOne(caller.tenant.id, { id });
    if (!row) throw new ApiError('not_found', 'Webhook not found.');
    await this.policy.enforce(adminAuthorization(caller, 'manage_webhooks', { type: 'Webhook', id }));
    return row;
  }

  /**
   * The URL's form, then where its host resolves now. The dispatcher checks again on every
   * connection (names can change), so this is an early, clear answer, not the guard itself.
   */
  private async checkedUrl(raw: string): Promise<string> {
    const rules = {
      production: this.config.env === 'production',
      allowPrivateNetworks: this.config.webhooks.allowPrivateNetworks,
    };
    const problems = webhookUrlProblems(raw, rules);
    if (problems.length > 0) throw validationFailed(problems.map((reason) => ({ field: 'url', reason })));
    const url = new URL(raw);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) === 0 && !rules.allowPrivateNetworks) {
      let addresses: { address: string }[];
      try {
        addresses = await lookup(host, { all: true, verbatim: true });
      } catch {
        throw validationFailed([{ field: 'url', reason: 'the host name does not resolve' }]);
      }
      if (addresses.some((a) => isForbiddenAddress(a.address))) {
        throw validationFailed([
          { field: 'url', reason: 'the host resolves to a private, loopback, link-local or reserved address' },
        ]);
      }
    }
    return url.toString();
  }

  private event(
    caller: AdminCaller,
    action: AuditEventInput['action'],
    id: string,
    metadata: Record<string, unknown>,
  ): AuditEventInput {
    return {
      actorType: 'api_key',
      actorId: caller.key.keyId,
      action,
      resourceType: 'webhook',
      resourceId: id,
      metadata,
    };
  }
}

/** The exact bytes sent (and signed): `{type, timestamp, data}`. */
export function webhookBody(type: string, at: Date, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data });
}

function normalizedEvents(events: string[]): string[] {
  return events.includes('*') ? ['*'] : [...new Set(events)].sort();
}

export function toWebhookView(row: Omit<WebhookEndpointEntity, 'tenantId' | 'tenant'>): WebhookView {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function toDeliveryView(row: WebhookDeliveryEntity): WebhookDeliveryView {
  return {
    id: row.id,
    event_id: row.eventId,
    event_type: row.eventType,
    status: row.status,
    attempts: row.attempts,
    last_response_code: row.lastResponseCode,
    last_error: row.lastError,
    last_attempt_at: row.lastAttemptAt?.toISOString() ?? null,
    next_attempt_at: row.status === 'pending' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
    created_at: row.createdAt.toISOString(),
  };
}
