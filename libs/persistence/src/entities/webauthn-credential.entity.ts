import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { BigIntNumberColumn, JsonColumn, TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';

@Entity('webauthn_credentials')
@Index(['tenantId', 'credentialId'], { unique: true })
@Index(['tenantId', 'userId'])
export class WebAuthnCredentialEntity extends TenantOwned {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  userId: string;

  /** base64url credential id (≤ 1023 bytes raw → ≤ 1364 chars) */
  @Column({ type: 'varchar', length: 1400 })
  credentialId: string;

  /** base64url COSE public key */
  @Column({ type: 'text' })
  publicKey: string;

  @BigIntNumberColumn({ default: 0 })
  counter: number;

  @JsonColumn()
  transports: string[];

  @Column({ type: 'varchar', length: 36 })
  aaguid: string;

  @Column({ type: Boolean })
  userVerified: boolean;

  @Column({ type: Boolean })
  backupEligible: boolean;

  @Column({ type: Boolean })
  backedUp: boolean;

  @Column({ type: 'varchar', length: 32 })
  attestationFormat: string;

  /** The attestation chained to a root FIDO metadata lists for the model, at enrollment. */
  @Column({ type: Boolean, default: false })
  attestationTrusted: boolean;

  /** platform | cross-platform | unknown */
  @Column({ type: 'varchar', length: 32 })
  attachment: string;

  /** webauthn_passkey | webauthn_fido */
  @Column({ type: 'varchar', length: 32 })
  methodType: string;

  @Column({ type: 'varchar', length: 400 })
  deviceName: string;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn({ nullable: true })
  lastUsedAt: Date | null;
}
