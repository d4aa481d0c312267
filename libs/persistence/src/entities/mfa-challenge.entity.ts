import { Entity, PrimaryColumn, Column, Index } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';

/**
 * A sign-in or step-up MFA challenge. Its random id is the capability that completes it;
 * it is bound to one tenant and user (or, for a usernameless passkey sign-in, to the user whose
 * discoverable credential answers it), expires, dies after too many failures and succeeds once.
 */
@Entity('mfa_challenges')
@Index(['tenantId', 'userId'])
@Index(['expiresAt'])
export class MfaChallengeEntity extends TenantOwned {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Null for a discoverable (usernameless) challenge: the assertion's user handle names the user. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  userId: string | null;

  /** sign_in | step_up */
  @Column({ type: 'varchar', length: 16 })
  purpose: string;

  /** Roles and amr of the step-up bearer (empty at sign-in), for verify_factor decisions. */
  @JsonColumn()
  roles: string[];

  @JsonColumn()
  amr: string[];

  /** The step-up bearer's auth_time (seconds), when it had one. */
  @Column({ type: 'integer', nullable: true })
  authTime: number | null;

  /** base64url WebAuthn challenge of the latest `webauthn/begin`, if any. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  webauthnChallenge: string | null;

  @Column({ type: 'integer', default: 0 })
  failedAttempts: number;

  /** Requested acr values (phrh, phr, mfa) in order of preference; null when none were asked for. */
  @JsonColumn({ nullable: true })
  acrValues: string[] | null;

  /** Requested max_age in seconds: the proof must come at most this long after the challenge opened. */
  @Column({ type: 'integer', nullable: true })
  maxAge: number | null;

  @TimestampColumn()
  expiresAt: Date;

  @TimestampColumn({ nullable: true })
  consumedAt: Date | null;

  @TimestampColumn()
  createdAt: Date;
}
