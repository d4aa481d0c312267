import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';

/** One event for one endpoint, with its attempts. The body is fixed once, so retries sign the same bytes. */
@Entity('webhook_deliveries')
@Index(['tenantId', 'endpointId', 'id'])
@Index(['status', 'nextAttemptAt'])
export class WebhookDeliveryEntity extends TenantOwned {
  /** UUIDv7: time-ordered (cursor pagination). */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  endpointId: string;

  /** The `webhook-id` header: the event's id, the same on every attempt. */
  @Column({ type: 'varchar', length: 36 })
  eventId: string;

  @Column({ type: 'varchar', length: 64 })
  eventType: string;

  @Column({ type: 'text' })
  body: string;

  /** pending | succeeded | failed */
  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ type: 'integer' })
  attempts: number;

  @Column({ type: 'integer', nullable: true })
  lastResponseCode: number | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  lastError: string | null;

  @TimestampColumn({ nullable: true })
  lastAttemptAt: Date | null;

  /** When the next attempt is due (pending), also held ahead while an attempt is in flight. */
  @TimestampColumn({ nullable: true })
  nextAttemptAt: Date | null;

  @TimestampColumn()
  createdAt: Date;
}
