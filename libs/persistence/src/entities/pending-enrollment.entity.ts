import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';

/** One live registration ceremony per (tenant, user, method); taken once by completion. */
@Entity('pending_enrollments')
@Index(['tenantId', 'userId', 'methodType'], { unique: true })
@Index(['expiresAt'])
export class PendingEnrollmentEntity extends TenantOwned {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  userId: string;

  @Column({ type: 'varchar', length: 32 })
  methodType: string;

  /** base64url challenge (32 random bytes) */
  @Column({ type: 'varchar', length: 128 })
  challenge: string;

  @TimestampColumn()
  expiresAt: Date;

  @TimestampColumn()
  createdAt: Date;
}
