import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';

/** The random WebAuthn user.id of a (tenant, user): stable, and free of user data. */
@Entity('user_handles')
@Index(['tenantId', 'userId'], { unique: true })
@Index(['tenantId', 'handle'], { unique: true })
export class UserHandleEntity extends TenantOwned {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  userId: string;

  /** base64url of 32 random bytes */
  @Column({ type: 'varchar', length: 64 })
  handle: string;

  /** The user's name and display name as last seen in their bearer token (for signals sent without one). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  name: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  displayName: string | null;

  @TimestampColumn()
  createdAt: Date;
}
