import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { generateAuthenticationOptions, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { Clock } from '#config';
import { ApiError } from '#errors';
import { strengthOf } from '../factors/factors.service.js';
import { credentialQualification } from '../shared/acr-rules.js';
import { AssertionCredentialsService, type OfferedCredential } from '../webauthn/assertion-credentials.service.js';
import { relyingParty, type RelyingParty } from '../webauthn/relying-party.js';
import { CHALLENGE_TTL_MS } from './challenge-rules.js';
import { ChallengesService } from './challenges.service.js';
import type { ChallengeRef, LiveChallenge } from './live-challenge.js';

type AllowedCredential = OfferedCredential & { needsUv: boolean };

/**
 * WebAuthn request options for a challenge. User verification per credential: a passkey must
 * verify the user (it is the whole second factor and was enrolled with UV), a security key need
 * only prove presence unless the challenge's acr_values ask for "phr" and it qualifies only
 * through UV. Options ask for `required` when every allowed credential must verify the user.
 * A usernameless challenge allows any discoverable credential of the tenant.
 */
@Injectable()
export class BeginWebAuthnAuthentication {
  constructor(
    private readonly clock: Clock,
    private readonly challenges: ChallengesService,
    private readonly credentials: AssertionCredentialsService,
  ) {}

  async execute(command: ChallengeRef): Promise<PublicKeyCredentialRequestOptionsJSON> {
    // The challenge and its user's credentials in one statement.
    const { live, joined: credentials } = await this.challenges.loadJoined(
      command,
      this.credentials.offeredWithChallenge(),
    );
    const rp = relyingParty(live.tenant);
    const allowed = live.user ? allowedCredentials(live, credentials) : null;
    const options = await generateAuthenticationOptions({
      rpID: rp.rp_id,
      allowCredentials: allowed?.map((c) => ({ id: c.credentialId, transports: c.transports })) ?? [],
      userVerification: !allowed || allowed.every((c) => c.needsUv) ? 'required' : 'preferred',
      challenge: randomBytes(32),
      timeout: Math.max(1000, Math.min(CHALLENGE_TTL_MS, live.row.expiresAt.getTime() - this.clock.now().getTime())),
    });
    const hints = requestHints(rp, allowed);
    await this.challenges.setWebAuthnChallenge(live, options.challenge);
    return hints.length > 0 ? { ...options, hints: hints as never } : options;
  }
}

/** The user's credentials that can meet the challenge's acr_values, oldest first; 404 when none. */
function allowedCredentials(live: LiveChallenge, rows: OfferedCredential[]): AllowedCredential[] {
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

/**
 * WebAuthn L3 hints for request options: "security-key" when only security keys are allowed, the
 * tenant's passkey hints when only passkeys are (or any discoverable passkey may answer), none
 * when both kinds are allowed (a hint would steer the browser away from one of them).
 */
function requestHints(rp: RelyingParty, allowed: { methodType: string }[] | null): string[] {
  if (allowed && allowed.every((c) => c.methodType === 'webauthn_fido')) return ['security-key'];
  if (!allowed || allowed.every((c) => c.methodType === 'webauthn_passkey')) return [...rp.hints_passkey];
  return [];
}
