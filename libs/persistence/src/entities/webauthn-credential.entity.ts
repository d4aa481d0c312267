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

  /** platform | cross-platform | unknown */
  @Column({ type: 'varchar', length: 32 })
  attachment: string;

  /** webauthn_passkey | webauthn_fido */
  @Column({ type: 'varchar', length: 32 })
  methodType: string;

  @Column({ type: 'varchar', length: 400 })
  deviceName: string;

  /** The client's credProps.rk at registration: true/false as reported, null when the client said nothing. */
  @Column({ type: Boolean, nullable: true })
  credPropsRk: boolean | null;

  /** Trust assessment from FIDO metadata, kept with the credential and re-judged when a newer BLOB is loaded. */
  @Column({ type: Boolean, default: false })
  attestationTrusted: boolean;

  /** no_attestation | no_metadata | metadata_mismatch | chain; null when trusted */
  @Column({ type: 'varchar', length: 32, nullable: true })
  untrustedReason: string | null;

  /** The model's description in metadata, when metadata knows the model. */
  @Column({ type: 'varchar', length: 400, nullable: true })
  model: string | null;

  /** Latest certification status of the model, e.g. FIDO_CERTIFIED_L1. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  certificationLevel: string | null;

  /** A compromised status that metadata now reports for the model (REVOKED, …); null while none is. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  modelStatus: string | null;

  /** Hex attestation key identifier by which metadata lists a model without AAGUID (FIDO U2F, Apple). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  attestationKeyId: string | null;

  /** Serial number (`no`) of the metadata BLOB the credential was last judged against; null without one. */
  @Column({ type: 'integer', nullable: true })
  metadataBlobNo: number | null;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn({ nullable: true })
  lastUsedAt: Date | null;
}
