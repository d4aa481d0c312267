import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditEventEntity, TenantScopedRepository, newTimeOrderedId, type TenantInsert } from '../../persistence/src/index.js';

export interface AuditEventInput {
  actorType: 'user' | 'api_key' | 'platform' | 'system';
  actorId: string;
  action: string;
  resourceType: string;
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
  created_at: string;
}

/** Append-only audit events. Pass the transaction's manager so the event commits with the change. */
@Injectable()
export class AuditService {
  private readonly events: TenantScopedRepository<AuditEventEntity>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.events = TenantScopedRepository.of(dataSource, AuditEventEntity);
  }

  async record(tenantId: string, event: AuditEventInput, manager?: EntityManager): Promise<void> {
    const repo = manager ? this.events.withManager(manager) : this.events;
    await repo.insert(tenantId, this.row(event));
  }

  /** The row `record` would write, for callers that insert it together with their change. */
  insertFor(tenantId: string, event: AuditEventInput): TenantInsert<AuditEventEntity> {
    return { target: AuditEventEntity, tenantId, row: this.row(event) };
  }

  private row(event: AuditEventInput): Omit<AuditEventEntity, 'tenantId' | 'tenant'> {
    // One instant for both, so id order (the cursor order) and created_at order agree.
    const now = Date.now();
    return {
      id: newTimeOrderedId(now),
      actorType: event.actorType,
      actorId: event.actorId,
      action: event.action,
      resourceType: event.resourceType,
      resourceId: event.resourceId ?? null,
      metadata: event.metadata ?? {},
      createdAt: new Date(now),
    };
  }

  /**
   * One page of a tenant's events, newest first: ids are UUIDv7, so id order is time order
   * (to the millisecond) and a strict `id <` cursor visits each event once.
   */
  async page(tenantId: string, filter: AuditEventFilter, page: { limit: number; before?: string }): Promise<AuditEventEntity[]> {
    const qb = this.events.query(tenantId, 'event').orderBy('event.id', 'DESC').limit(page.limit + 1);
    if (page.before !== undefined) qb.andWhere('event.id < :before', { before: page.before });
    if (filter.actorId !== undefined) qb.andWhere('event.actorId = :actorId', { actorId: filter.actorId });
    if (filter.resourceType !== undefined) qb.andWhere('event.resourceType = :resourceType', { resourceType: filter.resourceType });
    if (filter.resourceId !== undefined) qb.andWhere('event.resourceId = :resourceId', { resourceId: filter.resourceId });
    if (filter.action !== undefined) qb.andWhere('event.action = :action', { action: filter.action });
    if (filter.from !== undefined) qb.andWhere('event.createdAt >= :from', { from: filter.from });
    if (filter.to !== undefined) qb.andWhere('event.createdAt <= :to', { to: filter.to });
    return qb.getMany();
  }
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
    created_at: row.createdAt.toISOString(),
  };
}
