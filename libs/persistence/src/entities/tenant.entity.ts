import { Entity, PrimaryColumn, Column } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns.js';

export interface TenantWebAuthnSettings {
  rp_id: string;
  rp_name: string;
  origins: string[];
  /** Origins on other sites, published at https://<rp_id>/.well-known/webauthn. */
  related_origins?: string[];
  /** Top-level origins allowed to embed a ceremony in a cross-origin iframe. */
  allowed_top_origins?: string[];
  timeout_ms?: number;
  algorithms?: number[];
  attestation?: {
    webauthn_passkey?: 'none' | 'direct' | 'enterprise';
    webauthn_fido?: 'none' | 'direct' | 'enterprise';
  };
  hints_passkey?: ('client-device' | 'hybrid')[];
  /** How old a step-up proof may be when a user changes their factors. */
  step_up_max_age_seconds?: number;
}

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
  webauthn: TenantWebAuthnSettings | null;

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
