import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';

/** A backup code, stored only as a salted hash plus a non-secret lookup part. */
@Entity('backup_codes')
@Index(['tenantId', 'userId', 'lookup'])
export class BackupCodeEntity extends TenantOwned {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  lookup: string;

  @Column({ type: 'varchar', length: 255 })
  hash: string;

  @Column({ type: 'integer' })
  generation: number;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn({ nullable: true })
  usedAt: Date | null;
}
