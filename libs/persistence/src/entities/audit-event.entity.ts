import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';

/** Append-only. The id is a UUIDv7, so ordering by id is ordering by time (cursor pagination). */
@Entity('audit_events')
@Index(['tenantId', 'id'])
export class AuditEventEntity extends TenantOwned {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** user | api_key | platform | system */
  @Column({ type: 'varchar', length: 16 })
  actorType: string;

  @Column({ type: 'varchar', length: 255 })
  actorId: string;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ type: 'varchar', length: 64 })
  resourceType: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  resourceId: string | null;

  @JsonColumn()
  metadata: Record<string, unknown>;

  /** The request that caused the event (X-Request-ID); null outside a request. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @TimestampColumn()
  createdAt: Date;
}
