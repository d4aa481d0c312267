import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  AuditEventEntity,
  TenantScopedRepository,
  WebhookOutboxEntity,
  insertAtomically,
  newTimeOrderedId,
  type TenantInsert,
} from '#persistence';
import type { EventType, ResourceType } from './event-types.js';
import { currentRequestFacts } from './request-scope.js';

export interface AuditEventInput {
  actorType: 'user' | 'api_key' | 'platform' | 'system';
  actorId: string;
  action: EventType;
  resourceType: ResourceType;
  resourceId?: string | null;
  /** Never secrets: no codes, keys, tokens or challenges. */
  metadata?: Record<string, unknown>;
}

export interface AuditEventFilter {
  actorId?: string;
  resourceType?: string;
  resourceId?: string;
  action?: string;
  /** Inclusive. */
  from?: Date;
  /** Inclusive. */
  to?: Date;
}

export interface AuditEventView {
  id: string;
  actor_id: string;
  actor_type: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  metadata: Record<string, unknown>;
  request_id: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
}

/**
 * Append-only audit events. Every event also goes to the webhook outbox in the same statement
 * or transaction, so an event is delivered exactly when the change it reports commits. Pass the
 * transaction's manager so both commit (or roll back) with the change.
 */
@Injectable()
export class AuditService {
  private readonly events: TenantScopedRepository<AuditEventEntity>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.events = TenantScopedRepository.of(dataSource, AuditEventEntity);
  }

  async record(tenantId: string, event: AuditEventInput, manager?: EntityManager): Promise<void> {
    await insertAtomically(manager ?? this.dataSource.manager, this.insertFor(tenantId, event));
  }

  /** The rows `record` would write (the event and its outbox entry), for callers that insert them with their change. */
  insertFor(tenantId: string, event: AuditEventInput): TenantInsert[] {
    const row = this.row(event);
    const outbox: Omit<WebhookOutboxEntity, 'tenantId' | 'tenant'> = {
      id: row.id,
      type: row.action,
      data: webhookData(tenantId, row),
      createdAt: row.createdAt,
    };
    return [
      { target: AuditEventEntity, tenantId, row },
      { target: WebhookOutboxEntity, tenantId, row: outbox },
    ];
  }

  private row(event: AuditEventInput): Omit<AuditEventEntity, 'tenantId' | 'tenant'> {
    // One instant for both, so id order (the cursor order) and created_at order agree.
    const now = Date.now();
    const facts = currentRequestFacts();
    return {
      id: newTimeOrderedId(now),
      actorType: event.actorType,
      actorId: event.actorId,
      action: event.action,
      resourceType: event.resourceType,
      resourceId: event.resourceId ?? null,
      metadata: event.metadata ?? {},
      requestId: facts?.requestId ?? null,
      ip: facts?.ip ?? null,
      userAgent: facts?.userAgent ?? null,
      createdAt: new Date(now),
    };
  }

  /**
   * One page of a tenant's events, newest first: ids are UUIDv7, so id order is time order
   * (to the millisecond) and a strict `id <` cursor visits each event once.
   */
  async page(
    tenantId: string,
    filter: AuditEventFilter,
    page: { limit: number; before?: string },
  ): Promise<AuditEventEntity[]> {
    const qb = this.filtered(tenantId, filter)
      .orderBy('event.id', 'DESC')
      .limit(page.limit + 1);
    if (page.before !== undefined) qb.andWhere('event.id < :before', { before: page.before });
    return qb.getMany();
  }

  /** Events in time order (oldest first), `batch` rows per query, for exports of any size. */
  async *inOrder(tenantId: string, filter: AuditEventFilter, batch = 500): AsyncGenerator<AuditEventEntity> {
    let after: string | undefined;
    for (;;) {
      const qb = this.filtered(tenantId, filter).orderBy('event.id', 'ASC').limit(batch);
      if (after !== undefined) qb.andWhere('event.id > :after', { after });
      const rows = await qb.getMany();
      yield* rows;
      if (rows.length < batch) return;
      after = rows[rows.length - 1].id;
    }
  }

  private filtered(tenantId: string, filter: AuditEventFilter) {
    const qb = this.events.query(tenantId, 'event');
    if (filter.actorId !== undefined) qb.andWhere('event.actorId = :actorId', { actorId: filter.actorId });
    if (filter.resourceType !== undefined)
      qb.andWhere('event.resourceType = :resourceType', { resourceType: filter.resourceType });
    if (filter.resourceId !== undefined)
      qb.andWhere('event.resourceId = :resourceId', { resourceId: filter.resourceId });
    if (filter.action !== undefined) qb.andWhere('event.action = :action', { action: filter.action });
    if (filter.from !== undefined) qb.andWhere('event.createdAt >= :from', { from: filter.from });
    if (filter.to !== undefined) qb.andWhere('event.createdAt <= :to', { to: filter.to });
    return qb;
  }
}

/**
 * The webhook `data` of an event: who, what, and the request facts, then the event's own
 * details (which never hold secrets or codes).
 */
function webhookData(tenantId: string, row: Omit<AuditEventEntity, 'tenantId' | 'tenant'>): Record<string, unknown> {
  const userId =
    typeof row.metadata['user_id'] === 'string'
      ? row.metadata['user_id']
      : row.actorType === 'user'
        ? row.actorId
        : undefined;
  return {
    tenant_id: tenantId,
    ...(userId === undefined ? {} : { user_id: userId }),
    actor_type: row.actorType,
    actor_id: row.actorId,
    resource_type: row.resourceType,
    resource_id: row.resourceId,
    ...(row.resourceType === 'factor' && row.resourceId ? { factor_id: row.resourceId } : {}),
    ...row.metadata,
    request_id: row.requestId,
    ip: row.ip,
    user_agent: row.userAgent,
  };
}

export function toAuditEventView(row: AuditEventEntity): AuditEventView {
  return {
    id: row.id,
    actor_id: row.actorId,
    actor_type: row.actorType,
    action: row.action,
    resource_type: row.resourceType,
    resource_id: row.resourceId,
    metadata: row.metadata,
    request_id: row.requestId,
    ip: row.ip,
    user_agent: row.userAgent,
    created_at: row.createdAt.toISOString(),
  };
}
