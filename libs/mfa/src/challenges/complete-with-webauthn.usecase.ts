import { Injectable } from '@nestjs/common';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { ApiError } from '#errors';
import { authenticatorAttrs, type AuthenticatorFacts } from '../factors/authenticator-attributes.js';
import { strengthOf, type FactorCounts } from '../factors/factors.service.js';
import { authenticationMethod, credentialQualification, proofMeetsRequest } from '../shared/acr-rules.js';
import type { WebAuthnMethodType } from '../shared/method-types.js';
import {
  AssertionCredentialsService,
  type AssertedCredential,
  type NamedCredential,
} from '../webauthn/assertion-credentials.service.js';
import { counterAcceptable, verifyAuthentication } from '../webauthn/authentication.verifier.js';
import { relyingParty, type RelyingParty } from '../webauthn/relying-party.js';
import { ChallengeCompletionService, type MfaCompletion } from './challenge-completion.service.js';
import { refused, type ProofOutcome, type ProofRefused, type VerifiedFactor } from './challenge-proof.js';
import type { ChallengeRef, LiveChallenge } from './live-challenge.js';

export interface CompleteWithWebAuthnCommand extends ChallengeRef {
  credential: AuthenticationResponseJSON;
  ip: string;
}

/** The stored credential an assertion names, once it is known to belong to the challenge's user. */
interface MatchedCredential {
  accepted: true;
  credential: AssertedCredential;
  ownerFactors: FactorCounts;
}

/**
 * Completes a challenge with a WebAuthn assertion. The assertion is checked in a fixed order: a
 * begin happened, the credential is the challenge user's (for a usernameless challenge, the user
 * handle names its owner), it can meet acr_values, the assertion verifies (user verification as
 * begin asked), the signature counter advanced, and the proof reaches acr_values.
 */
@Injectable()
export class CompleteWithWebAuthn {
  constructor(
    private readonly completion: ChallengeCompletionService,
    private readonly credentials: AssertionCredentialsService,
  ) {}

  async execute(command: CompleteWithWebAuthnCommand): Promise<MfaCompletion> {
    const { challengeId, tenantHeader, ip } = command;
    const response = command.credential;
    const credentialId = typeof response.id === 'string' && response.id.length <= 1400 ? response.id : null;
    // The credential the assertion names is read with the challenge, in one statement.
    const { completion } = await this.completion.complete(
      { challengeId, tenantHeader, ip, answer: 'webauthn' },
      (live, named: NamedCredential | null) => this.prove(live, response, credentialId, named),
      credentialId ? this.credentials.namedWithChallenge(credentialId) : undefined,
    );
    return completion;
  }

  private async prove(
    live: LiveChallenge,
    response: AuthenticationResponseJSON,
    credentialId: string | null,
    named: NamedCredential | null,
  ): Promise<ProofOutcome> {
    const rp = relyingParty(live.tenant);
    const challenge = live.row.webauthnChallenge;
    if (!challenge) return refused('webauthn', 'no_begin');
    const matched = await this.matchCredential(live, rp, response, credentialId, named);
    if (!matched.accepted) return matched;
    const verified = await this.verifyAssertion(live, rp, challenge, response, matched.credential);
    // The owner's factors were read with the credential: verify_factor needs no second read.
    const { credential, ownerFactors } = matched;
    const outcome = verified.accepted
      ? { ...verified, holdings: { userId: credential.userId, ownerFactors } }
      : verified;
    // A usernameless challenge now knows its user: the owner of the passkey.
    return live.user ? outcome : { ...outcome, namedUser: credential.userId };
  }

  /**
   * The stored credential the assertion names. A credential or user handle this tenant does not
   * know is answered with a signal the browser can pass to PublicKeyCredential.signalUnknownCredential,
   * so the stale passkey stops being offered.
   */
  private async matchCredential(
    live: LiveChallenge,
    rp: RelyingParty,
    response: AuthenticationResponseJSON,
    credentialId: string | null,
    named: NamedCredential | null,
  ): Promise<MatchedCredential | ProofRefused> {
    const unknown = (reason: string) =>
      refused(
        'webauthn',
        reason,
        {},
        credentialId ? { details: { signal: unknownCredentialSignal(rp, credentialId) } } : {},
      );
    if (!named) return unknown('unknown_credential');
    const { credential, ownerHandle, ownerFactors } = named;
    const userHandle = response.response?.userHandle;
    // The handle names the credential's owner exactly when it is the owner's handle.
    const handleIsOwners = typeof userHandle === 'string' && userHandle === ownerHandle;
    if (live.user) {
      // A challenge for one user: another user's credential is simply wrong, and a user handle, when sent, must be theirs.
      if (credential.userId !== live.user.userId) return refused('webauthn', 'foreign_credential');
      if (userHandle && !handleIsOwners)
        return refused(methodOf(credential), 'user_handle', { factor_id: credential.id });
      return { accepted: true, credential, ownerFactors };
    }
    // Usernameless: the user handle is required, must be known in this tenant and name the credential's owner.
    if (!userHandle) return refused('webauthn', 'no_user_handle');
    const owner = handleIsOwners ? credential.userId : await this.credentials.handleOwner(live.tenant.id, userHandle);
    if (owner === null) return unknown('unknown_user_handle');
    if (owner !== credential.userId) return refused('webauthn', 'user_handle', { factor_id: credential.id });
    // Only passkeys were offered; a security key that happens to hold a discoverable credential is not one.
    if (credential.methodType !== 'webauthn_passkey')
      return refused(methodOf(credential), 'method_not_offered', { factor_id: credential.id }, { namedUser: owner });
    return { accepted: true, credential, ownerFactors };
  }

  private async verifyAssertion(
    live: LiveChallenge,
    rp: RelyingParty,
    challenge: string,
    response: AuthenticationResponseJSON,
    credential: AssertedCredential,
  ): Promise<ProofOutcome> {
    const method = methodOf(credential);
    const refuse = (reason: string, metadata: Record<string, unknown> = {}) =>
      refused(method, reason, { factor_id: credential.id, ...metadata });
    const qualification = credentialQualification(strengthOf(credential), live.row.acrValues);
    if (!qualification.qualifies) return refuse('acr_not_met');
    const result = await verifyAuthentication(response, {
      challenge,
      origins: rp.ceremony_origins,
      rpId: rp.rp_id,
      credential,
      requireUserVerification: qualification.needsUv,
      allowedTopOrigins: rp.allowed_top_origins,
    });
    // A cross-origin frame is counted and audited like any failure, but said plainly: the embedding page is not allowed.
    if (!result.ok)
      return result.reason === 'cross_origin'
        ? { ...refuse(result.reason), error: crossOriginError() }
        : refuse(result.reason);
    if (!counterAcceptable(credential.counter, result.newCounter)) {
      await this.credentials.recordCounterRegression(live.tenant.id, credential, result.newCounter, live.row.id);
      return refuse('counter_regression');
    }
    const factor: VerifiedFactor = {
      method,
      factorId: credential.id,
      backupEligible: credential.backupEligible,
      attestationTrusted: credential.attestationTrusted,
      userVerified: result.userVerified,
    };
    if (!proofMeetsRequest(method, factor, live.row.acrValues))
      return refuse('acr_not_met', { acr: authenticationMethod(method, factor).acr });
    if (result.backedUp && !credential.backedUp) await this.credentials.recordBackupDrift(live.tenant.id, credential);
    return {
      accepted: true,
      factor,
      resource: {
        type: 'Authenticator',
        id: credential.credentialId,
        attrs: authenticatorAttrs(usedAuthenticator(credential, result)),
      },
      spend: { update: (now) => this.credentials.useOf(live.tenant.id, credential, result, now) },
    };
  }
}

function methodOf(credential: AssertedCredential): WebAuthnMethodType {
  return credential.methodType as WebAuthnMethodType;
}

function unknownCredentialSignal(rp: RelyingParty, credentialId: string) {
  return { type: 'unknown_credential', rp_id: rp.rp_id, credential_id: credentialId };
}

function crossOriginError(): ApiError {
  return new ApiError(
    'verification_failed',
    "The ceremony ran in a cross-origin frame whose top origin is not in the tenant's allowed_top_origins.",
    { details: { reason: 'cross_origin' } },
  );
}

/**
 * The Authenticator a stored credential being used describes (verify_factor): the flags of this
 * assertion, and the trust assessment stored with the credential (re-judged when metadata
 * changes), so rules like "only trusted security keys sign in to admin" can be written.
 */
function usedAuthenticator(
  c: AssertedCredential,
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
