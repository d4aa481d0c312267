import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditEventEntity, TenantScopedRepository, newTimeOrderedId } from '../../persistence/src/index.js';

export interface AuditEventInput {
  actorType: 'user' | 'api_key' | 'platform' | 'system';
  actorId: string;
  action: string;
  resourceType: string;
  resourceId?: string | null;
  /** Never secrets: no codes, keys, tokens or challenges. */
  metadata?: Record<string, unknown>;
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
    await repo.insert(tenantId, {
      id: newTimeOrderedId(),
      actorType: event.actorType,
      actorId: event.actorId,
      action: event.action,
      resourceType: event.resourceType,
      resourceId: event.resourceId ?? null,
      metadata: event.metadata ?? {},
      createdAt: new Date(),
    });
  }
}
