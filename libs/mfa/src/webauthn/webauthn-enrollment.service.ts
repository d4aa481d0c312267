import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { Clock } from '#config';
import { ApiError } from '#errors';
import type { TenantContext, UserNames, UserPrincipal } from '#auth';
import { AuditService, type AuditEventInput } from '#audit';
import { PolicyService, factorHoldings, userAuthorization } from '#policy';
import { RateLimitService } from '#rate-limit';
import {
  PendingEnrollmentEntity,
  TenantScopedRepository,
  UserHandleEntity,
  WebAuthnCredentialEntity,
  insertAtomically,
  insertUnderUserFactorLockIf,
  withUserFactorLock,
  isPostgres,
  isUniqueViolation,
  newId,
  type TenantInsert,
} from '#persistence';
import { BackupCodesService, type BackupCodesResult } from '../backup-codes/backup-codes.service.js';
import { FactorsService, holdingsChanged, type FactorSummary } from '../factors/factors.service.js';
import type { WebAuthnMethodType } from '../shared/method-types.js';
import { verifyRegistration, type VerifiedAuthenticator } from './registration.verifier.js';
import { AuthenticatorMetadataService } from '../metadata/authenticator-metadata.service.js';
import type { AttestationAssessment } from '../metadata/attestation.assessor.js';
import { relyingParty, type RelyingParty } from './relying-party.js';
import { readRegistrationStart, takePendingWithCounts, type ExcludedCredential } from './registration-reads.js';
import { authenticatorAttrs, type AuthenticatorFacts } from '../factors/authenticator-attributes.js';

/** The seed contract's 404 (documented with these words). */
export const NO_PENDING_ENROLLMENT = 'No pending enrollment found';

export interface CompleteRegistrationInput {
  credential: RegistrationResponseJSON;
  deviceName: string;
  methodType: WebAuthnMethodType;
}

/** Registration ceremonies: options with a pending enrollment, then verified, authorized, stored. */
@Injectable()
export class WebAuthnEnrollmentService {
  private readonly pending: TenantScopedRepository<PendingEnrollmentEntity>;
  private readonly credentials: TenantScopedRepository<WebAuthnCredentialEntity>;
  private readonly handles: TenantScopedRepository<UserHandleEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly backupCodes: BackupCodesService,
    private readonly factors: FactorsService,
    private readonly limits: RateLimitService,
    private readonly metadata: AuthenticatorMetadataService,
  ) {
    this.pending = TenantScopedRepository.of(dataSource, PendingEnrollmentEntity);
    this.credentials = TenantScopedRepository.of(dataSource, WebAuthnCredentialEntity);
    this.handles = TenantScopedRepository.of(dataSource, UserHandleEntity);
  }

  async begin(
    tenant: TenantContext,
    user: UserPrincipal,
    methodType: WebAuthnMethodType,
    ip: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const rp = relyingParty(tenant);
    await this.limits.hitEnrollment(tenant.id, user.userId);
    const now = this.clock.now();
    const { existing, summary, handle } = await readRegistrationStart(this.dataSource.manager, tenant.id, user.userId);
    await this.policy.enforce(
      userAuthorization(
        { tenant, user, ip },
        'begin_enrollment',
        { type: 'Tenant', id: tenant.id },
        { methodType, ...factorHoldings(summary), now },
      ),
    );
    const names = user.names ?? { name: user.userId, displayName: user.userId };
    const userHandle = await this.userHandle(tenant.id, user.userId, names, now, handle);
    const options = await generateRegistrationOptions(
      registrationOptionsInput(rp, methodType, names, userHandle, existing),
    );
    // One live ceremony per (tenant, user, method): a new options call replaces the previous one.
    const row = {
      id: newId(),
      userId: user.userId,
      methodType,
      challenge: options.challenge,
      expiresAt: new Date(now.getTime() + rp.timeout_ms),
      createdAt: now,
    };
    await this.pending.upsert(tenant.id, row, ['tenantId', 'userId', 'methodType']);
    return withRegistrationHints(options, rp, methodType);
  }

  async complete(
    tenant: TenantContext,
    user: UserPrincipal,
    input: CompleteRegistrationInput,
    ip: string,
  ): Promise<BackupCodesResult> {
    const rp = relyingParty(tenant);
    await this.limits.hitEnrollment(tenant.id, user.userId);
    const { pending, summary } = await this.takePending(tenant.id, user.userId, input.methodType);
    const verified = await verifyRegistration(input.credential, {
      challenge: pending.challenge,
      origins: rp.ceremony_origins,
      rpId: rp.rp_id,
      methodType: input.methodType,
      algorithms: rp.algorithms,
      allowedTopOrigins: rp.allowed_top_origins,
    });
    const attestation = await this.assessAttestation(input.credential, verified);
    const now = this.clock.now();
    const resource = {
      type: 'Authenticator' as const,
      id: verified.credentialId,
      attrs: authenticatorAttrs(enrollingAuthenticator(verified, input.methodType, attestation)),
    };
    const decide = (counts: FactorSummary) =>
      this.policy.enforce(
        userAuthorization({ tenant, user, ip }, 'complete_enrollment', resource, {
          methodType: input.methodType,
          ...factorHoldings(counts),
          now,
        }),
      );
    await decide(summary);
    const credential = newCredentialRow(user.userId, input, verified, attestation, this.metadata.blobNumber, now);
    try {
      return await this.store(tenant.id, user.userId, { credential, attestation, summary, decide });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ApiError('credential_exists', 'This authenticator is already registered in this tenant.');
      throw err;
    }
  }

  /**
   * Stores the credential, with backup codes when the user holds none: the credential, the codes
   * and the audit events all-or-nothing. The user's factor writes are serialized, so a count taken
   * inside the lock holds until commit and concurrent completions (any kind) cannot pass the
   * authenticator cap together; when it changed since the first decision, the policy decides again.
   */
  private async store(tenantId: string, userId: string, enrollment: PreparedEnrollment): Promise<BackupCodesResult> {
    const { credential, summary, decide } = enrollment;
    const enrolled = (codesIssued: number) => enrolledEvent(credential, enrollment.attestation, codesIssued);
    // The user keeps the codes they hold: the credential and its audit event, all-or-nothing.
    const withoutCodes = (): TenantInsert[] => [
      { target: WebAuthnCredentialEntity, tenantId, row: credential },
      ...this.audit.insertFor(tenantId, enrolled(0)),
    ];
    if (summary.unusedBackupCodes > 0 && isPostgres(this.dataSource)) {
      if (await this.storeIfUnchanged(tenantId, userId, summary, withoutCodes()))
        return { codes: [], remaining: summary.unusedBackupCodes };
    }
    // Hash a new set outside the lock when the user holds none; issueIfNone re-checks inside it.
    const prepared = summary.unusedBackupCodes > 0 ? null : await this.backupCodes.prepare();
    return withUserFactorLock(this.dataSource, tenantId, userId, async (manager) => {
      const fresh = await this.factors.summary(tenantId, userId, manager);
      if (holdingsChanged(summary, fresh)) await decide(fresh);
      if (!prepared || fresh.unusedBackupCodes > 0) {
        await insertAtomically(manager, withoutCodes());
        return { codes: [], remaining: fresh.unusedBackupCodes };
      }
      await this.credentials.withManager(manager).insert(tenantId, credential);
      const codes = await this.backupCodes.issueIfNone(manager, tenantId, userId, prepared);
      await this.audit.record(tenantId, enrolled(codes.codes.length), manager);
      await this.backupCodes.recordIssued(manager, tenantId, userId, codes.codes.length);
      return codes;
    });
  }

  /**
   * The common case on PostgreSQL: the user holds backup codes and their factors are as the policy
   * saw them. Holding the user's factor lock, one statement writes the credential and its audit
   * event only if the counts are still those, in one round trip; false (nothing written) when they
   * changed, and `store` takes them again.
   */
  private storeIfUnchanged(
    tenantId: string,
    userId: string,
    summary: FactorSummary,
    inserts: TenantInsert[],
  ): Promise<boolean> {
    const manager = this.dataSource.manager;
    const guard = this.factors.unchangedSince(manager, tenantId, userId, summary);
    return insertUnderUserFactorLockIf(manager, tenantId, userId, guard, inserts);
  }

  /**
   * Attestation trust from FIDO metadata. A model that metadata reports revoked or compromised is
   * refused here, before any tenant rule: no policy may admit it.
   */
  private async assessAttestation(
    credential: RegistrationResponseJSON,
    verified: VerifiedAuthenticator,
  ): Promise<AttestationAssessment> {
    const assessment = await this.metadata.assess({
      attestationObject: credential.response.attestationObject,
      aaguid: verified.aaguid,
      publicKey: verified.publicKey,
    });
    if (assessment.compromisedStatus) {
      throw new ApiError(
        'verification_failed',
        'This authenticator model has been reported revoked or compromised by the FIDO Alliance and cannot be enrolled. Use another authenticator.',
        {
          details: { reason: 'authenticator_status', status: assessment.compromisedStatus },
        },
      );
    }
    return assessment;
  }

  /**
   * Takes the pending enrollment once: DELETE … RETURNING hands the row to exactly one caller,
   * so under a race exactly one completion proceeds. Any attempt consumes it, whatever the outcome.
   * The user's factor counts, which the policy decides on, come with it (on PostgreSQL in the same
   * statement).
   */
  private async takePending(
    tenantId: string,
    userId: string,
    methodType: string,
  ): Promise<{ pending: PendingEnrollmentEntity; summary: FactorSummary }> {
    let taken: { pending: PendingEnrollmentEntity | null; summary: FactorSummary };
    if (isPostgres(this.dataSource)) {
      taken = await takePendingWithCounts(this.dataSource.manager, tenantId, userId, methodType);
    } else {
      const [pending] = await this.pending.deleteReturning(tenantId, { userId, methodType });
      taken = { pending: pending ?? null, summary: await this.factors.summary(tenantId, userId) };
    }
    const { pending, summary } = taken;
    if (!pending || pending.expiresAt.getTime() <= this.clock.now().getTime())
      throw new ApiError('not_found', NO_PENDING_ENROLLMENT);
    return { pending, summary };
  }

  /**
   * The random, stable WebAuthn user.id of (tenant, user). The user's names are kept with it, so
   * signals sent without the user's bearer (an administrator's reset) can still name them. `found`
   * is the handle read with the user's credentials.
   */
  private async userHandle(
    tenantId: string,
    userId: string,
    names: UserNames,
    now: Date,
    found: UserHandleEntity | null,
  ): Promise<string> {
    if (found) {
      if (found.name !== names.name || found.displayName !== names.displayName) {
        await this.handles.update(tenantId, { id: found.id }, { name: names.name, displayName: names.displayName });
      }
      return found.handle;
    }
    try {
      const created = await this.handles.insert(tenantId, {
        id: newId(),
        userId,
        handle: randomBytes(32).toString('base64url'),
        name: names.name,
        displayName: names.displayName,
        createdAt: now,
      });
      return created.handle;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const raced = await this.handles.findOne(tenantId, { userId });
      if (!raced) throw err;
      return raced.handle;
    }
  }
}

/** A verified registration, ready to be stored. */
interface PreparedEnrollment {
  credential: NewCredentialRow;
  attestation: AttestationAssessment;
  /** The user's factors when the policy first decided. */
  summary: FactorSummary;
  decide: (counts: FactorSummary) => Promise<void>;
}

type NewCredentialRow = Omit<WebAuthnCredentialEntity, 'tenantId' | 'tenant'>;

/**
 * Creation options: a passkey is discoverable and verifies the user; a security key is
 * cross-platform, not resident, and verifies the user when it can.
 */
function registrationOptionsInput(
  rp: RelyingParty,
  methodType: WebAuthnMethodType,
  names: UserNames,
  userHandle: string,
  existing: readonly ExcludedCredential[],
): Parameters<typeof generateRegistrationOptions>[0] {
  const passkey = methodType === 'webauthn_passkey';
  return {
    rpName: rp.rp_name,
    rpID: rp.rp_id,
    // What passkey managers show: the names from the bearer's claims (AUTH_USER_NAME_CLAIM, AUTH_DISPLAY_NAME_CLAIM).
    userName: names.name,
    userDisplayName: names.displayName,
    userID: Buffer.from(userHandle, 'base64url'),
    challenge: randomBytes(32),
    timeout: rp.timeout_ms,
    attestationType: rp.attestation[methodType],
    excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: c.transports })),
    authenticatorSelection: passkey
      ? { residentKey: 'required', requireResidentKey: true, userVerification: 'required' }
      : {
          authenticatorAttachment: 'cross-platform',
          residentKey: 'discouraged',
          requireResidentKey: false,
          userVerification: 'preferred',
        },
    supportedAlgorithmIDs: rp.algorithms,
    preferredAuthenticatorType: passkey ? undefined : 'securityKey',
  };
}

/** WebAuthn L3 hints: security keys say so; passkeys follow the tenant's hints_passkey (none by default). */
function withRegistrationHints(
  options: PublicKeyCredentialCreationOptionsJSON,
  rp: RelyingParty,
  methodType: WebAuthnMethodType,
): PublicKeyCredentialCreationOptionsJSON {
  const hints = methodType === 'webauthn_passkey' ? [...rp.hints_passkey] : ['security-key'];
  const { hints: _libraryHints, ...rest } = options;
  return hints.length > 0 ? { ...rest, hints: hints as never } : rest;
}

/** The credential row of a verified registration, with the trust judged from metadata. */
function newCredentialRow(
  userId: string,
  input: CompleteRegistrationInput,
  verified: VerifiedAuthenticator,
  attestation: AttestationAssessment,
  metadataBlobNo: number | null,
  now: Date,
): NewCredentialRow {
  return {
    id: newId(),
    userId,
    credentialId: verified.credentialId,
    publicKey: verified.publicKey,
    counter: verified.counter,
    transports: verified.transports,
    aaguid: verified.aaguid,
    userVerified: verified.userVerified,
    backupEligible: verified.backupEligible,
    backedUp: verified.backedUp,
    attestationFormat: verified.attestationFormat,
    attachment: verified.attachment,
    methodType: input.methodType,
    deviceName: input.deviceName,
    credPropsRk: verified.credPropsRk,
    attestationTrusted: attestation.trusted,
    untrustedReason: attestation.untrustedReason ?? null,
    model: attestation.model ?? null,
    certificationLevel: attestation.certificationLevel ?? null,
    modelStatus: null,
    attestationKeyId: attestation.keyIdentifier ?? null,
    metadataBlobNo,
    createdAt: now,
    lastUsedAt: null,
  };
}

/** factor.enrolled of a new credential. */
function enrolledEvent(
  credential: NewCredentialRow,
  attestation: AttestationAssessment,
  codesIssued: number,
): AuditEventInput {
  return {
    actorType: 'user',
    actorId: credential.userId,
    action: 'factor.enrolled',
    resourceType: 'factor',
    resourceId: credential.id,
    metadata: {
      method_type: credential.methodType,
      aaguid: credential.aaguid,
      attestation_format: credential.attestationFormat,
      backed_up: credential.backedUp,
      attestation_trusted: attestation.trusted,
      ...(attestation.untrustedReason ? { attestation_untrusted_reason: attestation.untrustedReason } : {}),
      ...(attestation.model ? { model: attestation.model } : {}),
      ...(attestation.certificationLevel ? { certification_level: attestation.certificationLevel } : {}),
      ...(credential.credPropsRk !== null ? { cred_props_rk: credential.credPropsRk } : {}),
      ...(credential.metadataBlobNo !== null ? { metadata_blob_no: credential.metadataBlobNo } : {}),
      backup_codes_issued: codesIssued,
    },
  };
}

/** The Authenticator a registration being completed describes (complete_enrollment). */
export function enrollingAuthenticator(
  v: VerifiedAuthenticator,
  methodType: WebAuthnMethodType,
  a: AttestationAssessment,
): AuthenticatorFacts {
  return {
    ...v,
    methodType,
    attestationTrusted: a.trusted,
    untrustedReason: a.untrustedReason,
    certificationLevel: a.certificationLevel,
    model: a.model,
  };
}
