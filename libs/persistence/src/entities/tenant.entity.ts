import { Entity, PrimaryColumn, Column } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns.js';
import type { WebAuthnSettings } from './webauthn-settings.js';

@Entity('tenants')
export class TenantEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** active | disabled */
  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: string;

  @JsonColumn({ nullable: true })
  webauthn: WebAuthnSettings | null;

  /** When true, a user may not remove their last factor. */
  @Column({ type: Boolean, default: false })
  requireMfa: boolean;

  /** Bumped on every policy change; policy caches are keyed by it. */
  @Column({ type: 'integer', default: 0 })
  policyVersion: number;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn()
  updatedAt: Date;
}
