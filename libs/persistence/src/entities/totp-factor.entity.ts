import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { BigIntNumberColumn, TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';

/** An authenticator-app factor (RFC 6238). Unverified until the user proves one code. */
@Entity('totp_factors')
@Index(['tenantId', 'userId'])
export class TotpFactorEntity extends TenantOwned {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  userId: string;

  /** AES-256-GCM sealed base32 secret (`v1.iv.tag.ciphertext`), bound to the row by its AAD. */
  @Column({ type: 'varchar', length: 512 })
  secretSealed: string;

  @Column({ type: 'varchar', length: 400 })
  deviceName: string;

  /** The last accepted RFC 6238 time step: a code of this step or earlier is never accepted again. */
  @BigIntNumberColumn({ nullable: true })
  lastTimeStep: number | null;

  @TimestampColumn({ nullable: true })
  verifiedAt: Date | null;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn({ nullable: true })
  lastUsedAt: Date | null;
}
