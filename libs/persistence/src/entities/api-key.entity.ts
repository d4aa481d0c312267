import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';

@Entity('api_keys')
export class ApiKeyEntity extends TenantOwned {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** Non-secret lookup part shown in the key itself (tsk_<prefix>_<secret>). */
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 32 })
  prefix: string;

  /** SHA-256 of the whole key, hex. The key has 256 random bits, so a fast hash is enough. */
  @Column({ type: 'varchar', length: 64 })
  keyHash: string;

  @JsonColumn()
  scopes: string[];

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn({ nullable: true })
  lastUsedAt: Date | null;

  @TimestampColumn({ nullable: true })
  revokedAt: Date | null;
}
