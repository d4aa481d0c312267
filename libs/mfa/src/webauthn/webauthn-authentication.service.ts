import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { generateAuthenticationOptions, type AuthenticationResponseJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { ApiError } from '../../../errors/src/index.js';
import { AuditService } from '../../../audit/src/index.js';
import { TenantScopedRepository, UserHandleEntity, WebAuthnCredentialEntity } from '../../../persistence/src/index.js';
import { ChallengesService, type MfaCompletion } from '../challenges/challenges.service.js';
import { CHALLENGE_TTL_MS } from '../challenges/challenge-rules.js';
import type { WebAuthnMethodType } from '../method-types.js';
import { counterAcceptable, verifyAuthentication } from './authentication.verifier.js';
import { storedAuthenticatorAttrs } from './authenticator-attributes.js';

/**
 * WebAuthn assertions that complete an MFA challenge. User verification per method: a passkey
 * must verify the user (it is the whole second factor and was enrolled with UV), a security key
 * need only prove presence. Options ask for `required` when every credential is a passkey,
 * `preferred` when the user also has a security key; the check on completion is per credential.
 */
@Injectable()
export class WebAuthnAuthenticationService {
  private readonly credentials: TenantScopedRepository<WebAuthnCredentialEntity>;
  private readonly handles: TenantScopedRepository<UserHandleEntity>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly challenges: ChallengesService,
    private readonly audit: AuditService,
  ) {
    this.credentials = TenantScopedRepository.of(dataSource, WebAuthnCredentialEntity);
    this.handles = TenantScopedRepository.of(dataSource, UserHandleEntity);
  }

  async begin(challengeId: string, tenantHeader: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const live = await this.challenges.load(challengeId, tenantHeader);
    const rp = relyingParty(live.tenant.webauthn);
    const credentials = await this.credentials.find(live.tenant.id, { userId: live.row.userId }, { select: { credentialId: true, transports: true, methodType: true }, order: { createdAt: 'ASC' } });
    if (credentials.length === 0) throw new ApiError('not_found', 'The user has no WebAuthn credential.');
    const options = await generateAuthenticationOptions({
      rpID: rp.rpId,
      allowCredentials: credentials.map((c) => ({ id: c.credentialId, transports: c.transports })),
      userVerification: credentials.every((c) => c.methodType === 'webauthn_passkey') ? 'required' : 'preferred',
      challenge: randomBytes(32),
      timeout: CHALLENGE_TTL_MS,
    });
    // A later begin replaces the WebAuthn challenge: only the newest options can complete.
    await this.challenges.setWebAuthnChallenge(live, options.challenge);
    return options;
  }

  async complete(challengeId: string, tenantHeader: string | undefined, response: AuthenticationResponseJSON, ip: string): Promise<MfaCompletion> {
    const live = await this.challenges.load(challengeId, tenantHeader);
    const rp = relyingParty(live.tenant.webauthn);
    await this.challenges.assertAttemptAllowed(live);
    const tenantId = live.tenant.id;
    const userId = live.row.userId;

    const credential = typeof response.id === 'string' && response.id.length <= 1400 ? await this.credentials.findOne(tenantId, { userId, credentialId: response.id }) : null;
    if (!live.row.webauthnChallenge || !credential) {
      throw await this.challenges.failure(live, 'webauthn', live.row.webauthnChallenge ? 'unknown_credential' : 'no_begin');
    }
    const method = credential.methodType as WebAuthnMethodType;
    const result = await verifyAuthentication(response, {
      challenge: live.row.webauthnChallenge,
      origins: rp.origins,
      rpId: rp.rpId,
      credential,
      requireUserVerification: method === 'webauthn_passkey',
    });
    if (!result.ok) throw await this.challenges.failure(live, method, result.reason, { factor_id: credential.id });
    if (!(await this.userHandleMatches(tenantId, userId, response.response.userHandle))) {
      throw await this.challenges.failure(live, method, 'user_handle', { factor_id: credential.id });
    }
    if (!counterAcceptable(credential.counter, result.newCounter)) {
      // A signature counter that did not advance: a cloned authenticator, or a replayed assertion.
      await this.audit.record(tenantId, {
        actorType: 'system',
        actorId: 'tessera',
        action: 'factor.counter_regression',
        resourceType: 'factor',
        resourceId: credential.id,
        metadata: { user_id: userId, stored_counter: credential.counter, received_counter: result.newCounter, challenge_id: live.row.id },
      });
      throw await this.challenges.failure(live, method, 'counter_regression', { factor_id: credential.id });
    }

    if (result.backedUp && !credential.backedUp) await this.recordBackupDrift(tenantId, userId, credential);

    await this.challenges.authorize(live, method, { type: 'Authenticator', id: credential.credentialId, attrs: storedAuthenticatorAttrs(credential, result) }, ip);

    const factor = { method, factorId: credential.id, backupEligible: credential.backupEligible, attestationTrusted: credential.attestationTrusted };
    return this.challenges.succeed(live, factor, async (manager, now) => {
      // Compare-and-set on the counter: of two assertions racing on one credential, one wins.
      const updated = await this.credentials
        .withManager(manager)
        .update(tenantId, { id: credential.id, counter: credential.counter }, { counter: result.newCounter, lastUsedAt: now, backedUp: result.backedUp });
      return updated === 1;
    });
  }

  /**
   * A credential enrolled device-bound (BS=0) that now says it is backed up (BS=1) has been synced
   * to a cloud keychain since. Recorded before the policy decides, so the stored flag, the audit
   * log and `resource.backed_up` agree even when a rule then refuses the synced passkey.
   */
  private async recordBackupDrift(tenantId: string, userId: string, credential: WebAuthnCredentialEntity): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const updated = await this.credentials.withManager(manager).update(tenantId, { id: credential.id, backedUp: false }, { backedUp: true });
      if (updated !== 1) return;
      await this.audit.record(
        tenantId,
        {
          actorType: 'system',
          actorId: 'tessera',
          action: 'factor.backup_state_changed',
          resourceType: 'factor',
          resourceId: credential.id,
          metadata: { user_id: userId, method_type: credential.methodType, aaguid: credential.aaguid, backed_up: true, enrolled_backed_up: false },
        },
        manager,
      );
    });
    credential.backedUp = true;
  }

  private async userHandleMatches(tenantId: string, userId: string, userHandle: string | undefined): Promise<boolean> {
    if (userHandle === undefined || userHandle === '') return true;
    const row = await this.handles.findOne(tenantId, { userId });
    return row !== null && row.handle === userHandle;
  }
}

function relyingParty(webauthn: { rpId: string; rpName: string; origins: string[] } | null) {
  if (!webauthn) throw new ApiError('not_implemented', 'WebAuthn is not configured for this tenant.');
  return webauthn;
}
