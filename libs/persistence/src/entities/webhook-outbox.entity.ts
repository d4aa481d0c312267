import { Column, Entity, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';

/**
 * Transactional outbox: written in the transaction of the change an event reports, taken by the
 * dispatcher, which turns it into one delivery per subscribed endpoint and deletes it.
 */
@Entity('webhook_outbox')
export class WebhookOutboxEntity extends TenantOwned {
  /** The audit event's id; also the `webhook-id` of every delivery of this event. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  /** `data` of the webhook body. */
  @JsonColumn()
  data: Record<string, unknown>;

  @TimestampColumn()
  createdAt: Date;
}
