import { Index, JoinColumn, ManyToOne } from 'typeorm';
import { IdColumn } from './columns.js';
import { TenantEntity } from './tenant.entity.js';

/** Every tenant-owned row carries tenant_id NOT NULL with a foreign key to tenants. */
export abstract class TenantOwned {
  @Index()
  @IdColumn()
  tenantId: string;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE', nullable: false, createForeignKeyConstraints: true })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: TenantEntity;
}
