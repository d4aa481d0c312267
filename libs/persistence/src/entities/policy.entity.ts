import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';

/** A named group of tenant rules that can be enabled or disabled together. */
@Entity('policies')
@Index(['tenantId', 'id'])
export class PolicyEntity extends TenantOwned {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  description: string | null;

  @Column({ type: Boolean })
  enabled: boolean;

  @Column({ type: 'integer', default: 0 })
  priority: number;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn()
  updatedAt: Date;
}
