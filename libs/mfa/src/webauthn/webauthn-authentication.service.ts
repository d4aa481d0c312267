import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  generateAuthenticationOptions,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { Clock } from '#config';
import { ApiError } from '#errors';
import { AuditService } from '#audit';
import { TenantScopedRepository, UserHandleEntity, WebAuthnCredentialEntity } from '#persistence';
import { ChallengesService, type LiveChallenge, type MfaCompletion } from '../challenges/challenges.service.js';
import { CHALLENGE_TTL_MS } from '../challenges/challenge-rules.js';
import { credentialQualification } from '../shared/acr-rules.js';
import { strengthOf } from '../factors/factors.service.js';
import type { WebAuthnMethodType } from '../shared/method-types.js';
import { counterAcceptable, verifyAuthentication } from './authentication.verifier.js';
import { relyingParty, type RelyingParty } from './relying-party.js';
import { authenticatorAttrs, type AuthenticatorFacts } from '../factors/authenticator-attributes.js';

/** The credential an assertion names, once it is known to belong to the challenge's user. */
interface MatchedCredential {
  live: LiveChallenge;
  credential: WebAuthnCredentialEntity;
}

/**
 * WebAuthn assertions that complete an MFA challenge. User verification per credential: a passkey
 * must verify the user (it is the whole second factor and was enrolled with UV), a security key
 * need only prove presence unless the challenge's acr_values ask for "phr" and it qualifies only
 * through UV. Options ask for `required` when every allowed credential must verify the user.
 * A usernameless challenge allows any discoverable credential of the tenant; the assertion's user
 * handle (the random user.id issued at registration) and credential id then name the user.
 */
@Injectable()
export class WebAuthnAuthenticationService {
  private readonly credentials: TenantScopedRepository<WebAuthnCredentialEntity>;
  private readonly handles: TenantScopedRepository<UserHandleEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly challenges: ChallengesService,
    private readonly audit: AuditService,
  ) {
    this.credentials = TenantScopedRepository.of(dataSource, WebAuthnCredentialEntity);
    this.handles = TenantScopedRepository.of(dataSource, UserHandleEntity);
  }

  async begin(challengeId: string, tenantHeader: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const live = await this.challenges.load(challengeId, tenantHeader);
    const rp = relyingParty(live.tenant);
    const allowed = live.user ? await this.allowedCredentials(live, live.user.userId) : null;
    const options = await generateAuthenticationOptions({
      rpID: rp.rpId,
      allowCredentials: allowed?.map((c) => ({ id: c.credentialId, transports: c.transports })) ?? [],
      userVerification: !allowed || allowed.every((c) => c.needsUv) ? 'required' : 'preferred',
      challenge: randomBytes(32),
      timeout: Math.max(1000, Math.min(CHALLENGE_TTL_MS, live.row.expiresAt.getTime() - this.clock.now().getTime())),
    });
    const hints = requestHints(rp, allowed);
    // A later begin replaces the WebAuthn challenge: only the newest options can complete.
    await this.challenges.setWebAuthnChallenge(live, options.challenge);
    return hints.length > 0 ? { ...options, hints: hints as never } : options;
  }

  /** The user's credentials that can meet the challenge's acr_values, oldest first; 404 when none. */
  private async allowedCredentials(live: LiveChallenge, userId: string) {
    const rows = await this.credentials.find(
      live.tenant.id,
      { userId },
      {
        select: {
          credentialId: true,
          transports: true,
          methodType: true,
          attestationTrusted: true,
          backupEligible: true,
          userVerified: true,
        },
        order: { createdAt: 'ASC' },
      },
    );
    const allowed = rows
      .map((c) => ({ ...c, ...credentialQualification(strengthOf(c), live.row.acrValues) }))
      .filter((c) => c.qualifies);
    if (allowed.length === 0) {
      throw new ApiError(
        'not_found',
        rows.length === 0
          ? 'The user has no WebAuthn credential.'
          : "The user has no WebAuthn credential that meets the challenge's acr_values.",
      );
    }
    return allowed;
  }

  async complete(
    challengeId: string,
    tenantHeader: string | undefined,
    response: AuthenticationResponseJSON,
    ip: string,
  ): Promise<MfaCompletion> {
    const loaded = await this.challenges.load(challengeId, tenantHeader);
    const rp = relyingParty(loaded.tenant);
    if (!loaded.row.webauthnChallenge) throw await this.challenges.failure(loaded, 'webauthn', 'no_begin');
    const { live, credential } = await this.matchCredential(loaded, rp, response);
    const tenantId = live.tenant.id;
    const userId = this.challenges.userOf(live).userId;

    const method = credential.methodType as WebAuthnMethodType;
    const strength = strengthOf(credential);
    const qualification = credentialQualification(strength, live.row.acrValues);
    if (!qualification.qualifies)
      throw await this.challenges.failure(live, method, 'acr_not_met', { factor_id: credential.id });
    const result = await verifyAuthentication(response, {
      challenge: live.row.webauthnChallenge!,
      origins: rp.origins,
      rpId: rp.rpId,
      credential,
      requireUserVerification: qualification.needsUv,
      allowedTopOrigins: rp.allowedTopOrigins,
    });
    if (!result.ok && result.reason === 'cross_origin') {
      // Counted and audited like any failure, but said plainly: the page embedding the ceremony is not allowed.
      await this.challenges.failure(live, method, result.reason, { factor_id: credential.id });
      throw new ApiError(
        'verification_failed',
        "The ceremony ran in a cross-origin frame whose top origin is not in the tenant's allowed_top_origins.",
        { details: { reason: 'cross_origin' } },
      );
    }
    if (!result.ok) throw await this.challenges.failure(live, method, result.reason, { factor_id: credential.id });
    if (!counterAcceptable(credential.counter, result.newCounter)) {
      // A signature counter that did not advance: a cloned authenticator, or a replayed assertion.
      await this.audit.record(tenantId, {
        actorType: 'system',
        actorId: 'tessera',
        action: 'factor.counter_regression',
        resourceType: 'factor',
        resourceId: credential.id,
        metadata: {
          user_id: userId,
          stored_counter: credential.counter,
          received_counter: result.newCounter,
          challenge_id: live.row.id,
        },
      });
      throw await this.challenges.failure(live, method, 'counter_regression', { factor_id: credential.id });
    }
    const factor = {
      method,
      factorId: credential.id,
      backupEligible: credential.backupEligible,
      attestationTrusted: credential.attestationTrusted,
      userVerified: result.userVerified,
    };
    await this.challenges.assertAcrMet(live, factor);

    if (result.backedUp && !credential.backedUp) await this.recordBackupDrift(tenantId, userId, credential);

    await this.challenges.authorize(
      live,
      method,
      {
        type: 'Authenticator',
        id: credential.credentialId,
        attrs: authenticatorAttrs(usedAuthenticator(credential, result)),
      },
      ip,
    );
    return this.challenges.succeed(live, factor, async (manager, now) => {
      // Compare-and-set on the counter: of two assertions racing on one credential, one wins.
      const updated = await this.credentials
        .withManager(manager)
        .update(
          tenantId,
          { id: credential.id, counter: credential.counter },
          { counter: result.newCounter, lastUsedAt: now, backedUp: result.backedUp },
        );
      return updated === 1;
    });
  }

  /**
   * The stored credential the assertion names, and the challenge bound to its owner. The lookup is
   * by (tenant, credential id): another tenant's credentials and user handles never match. A
   * credential or user handle this tenant does not know is answered with a signal the browser can
   * pass to PublicKeyCredential.signalUnknownCredential, so the stale passkey stops being offered.
   */
  private async matchCredential(
    live: LiveChallenge,
    rp: RelyingParty,
    response: AuthenticationResponseJSON,
  ): Promise<MatchedCredential> {
    const credentialId = typeof response.id === 'string' && response.id.length <= 1400 ? response.id : null;
    const credential = credentialId ? await this.credentials.findOne(live.tenant.id, { credentialId }) : null;
    const unknown = async (reason: string) =>
      this.challenges.failure(
        live,
        'webauthn',
        reason,
        {},
        credentialId
          ? { signal: { type: 'unknown_credential', rp_id: rp.rpId, credential_id: credentialId } }
          : undefined,
      );
    if (!credential) throw await unknown('unknown_credential');

    const userHandle = response.response?.userHandle;
    if (live.user) {
      // A challenge for one user: another user's credential is simply wrong, and a user handle, when sent, must be theirs.
      if (credential.userId !== live.user.userId)
        throw await this.challenges.failure(live, 'webauthn', 'foreign_credential');
      if (userHandle && (await this.handleOwner(live.tenant.id, userHandle)) !== credential.userId) {
        throw await this.challenges.failure(live, credential.methodType as WebAuthnMethodType, 'user_handle', {
          factor_id: credential.id,
        });
      }
      return { live, credential };
    }
    // Usernameless: the user handle is required, must be known in this tenant and name the credential's owner.
    if (!userHandle) throw await this.challenges.failure(live, 'webauthn', 'no_user_handle');
    const owner = await this.handleOwner(live.tenant.id, userHandle);
    if (owner === null) throw await unknown('unknown_user_handle');
    if (owner !== credential.userId)
      throw await this.challenges.failure(live, 'webauthn', 'user_handle', { factor_id: credential.id });
    const bound = this.challenges.withUser(live, owner);
    // Only passkeys were offered; a security key that happens to hold a discoverable credential is not one.
    if (credential.methodType !== 'webauthn_passkey')
      throw await this.challenges.failure(bound, credential.methodType as WebAuthnMethodType, 'method_not_offered', {
        factor_id: credential.id,
      });
    return { live: bound, credential };
  }

  private async handleOwner(tenantId: string, handle: string): Promise<string | null> {
    if (handle.length > 64) return null;
    const row = await this.handles.findOne(tenantId, { handle });
    return row?.userId ?? null;
  }

  /**
   * A credential enrolled device-bound (BS=0) that now says it is backed up (BS=1) has been synced
   * to a cloud keychain since. Recorded before the policy decides, so the stored flag, the audit
   * log and `resource.backed_up` agree even when a rule then refuses the synced passkey.
   */
  private async recordBackupDrift(
    tenantId: string,
    userId: string,
    credential: WebAuthnCredentialEntity,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const updated = await this.credentials
        .withManager(manager)
        .update(tenantId, { id: credential.id, backedUp: false }, { backedUp: true });
      if (updated !== 1) return;
      await this.audit.record(
        tenantId,
        {
          actorType: 'system',
          actorId: 'tessera',
          action: 'factor.backup_state_changed',
          resourceType: 'factor',
          resourceId: credential.id,
          metadata: {
            user_id: userId,
            method_type: credential.methodType,
            aaguid: credential.aaguid,
            backed_up: true,
            enrolled_backed_up: false,
          },
        },
        manager,
      );
    });
    credential.backedUp = true;
  }
}

/**
 * WebAuthn L3 hints for request options: "security-key" when only security keys are allowed, the
 * tenant's passkey hints when only passkeys are (or any discoverable passkey may answer), none
 * when both kinds are allowed (a hint would steer the browser away from one of them).
 */
function requestHints(rp: RelyingParty, allowed: { methodType: string }[] | null): string[] {
  if (allowed && allowed.every((c) => c.methodType === 'webauthn_fido')) return ['security-key'];
  if (!allowed || allowed.every((c) => c.methodType === 'webauthn_passkey')) return [...(rp.hintsPasskey ?? [])];
  return [];
}

/**
 * The Authenticator a stored credential being used describes (verify_factor): the flags of this
 * assertion, and the trust assessment stored with the credential (re-judged when metadata
 * changes), so rules like "only trusted security keys sign in to admin" can be written.
 */
function usedAuthenticator(
  c: WebAuthnCredentialEntity,
  assertion: { userVerified: boolean; backedUp: boolean },
): AuthenticatorFacts {
  return {
    ...c,
    // Stored as "unknown" when the client did not say; Cedar's attribute is "" then.
    attachment: c.attachment === 'unknown' ? '' : c.attachment,
    userVerified: assertion.userVerified,
    backedUp: assertion.backedUp,
  };
}
