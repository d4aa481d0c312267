import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';

/** A tenant's webhook receiver. Secrets are sealed (AES-256-GCM), never stored in the clear. */
@Entity('webhook_endpoints')
@Index(['tenantId', 'id'])
export class WebhookEndpointEntity extends TenantOwned {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 2048 })
  url: string;

  /** Event types, or ["*"] for all. */
  @JsonColumn()
  events: string[];

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @Column({ type: 'boolean' })
  enabled: boolean;

  /** Why a disabled endpoint was disabled: "failing" (by the dispatcher) or "admin". */
  @Column({ type: 'varchar', length: 32, nullable: true })
  disabledReason: string | null;

  @Column({ type: 'text' })
  secretSealed: string;

  /** The secret before the last rotation, still used to sign until previousSecretExpiresAt. */
  @Column({ type: 'text', nullable: true })
  previousSecretSealed: string | null;

  @TimestampColumn({ nullable: true })
  previousSecretExpiresAt: Date | null;

  /** Start of the current run of failed attempts; null after a success. */
  @TimestampColumn({ nullable: true })
  failingSince: Date | null;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn()
  updatedAt: Date;
}
