import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import { isCanonicalBase64Url, isEc2PublicKey, isStrictDerEcdsaSignature } from './strict-encoding.js';
import { crossOriginAllowed, parseClientDataJson } from './cross-origin.js';

export interface StoredCredential {
  credentialId: string;
  /** base64url COSE public key */
  publicKey: string;
  transports: string[];
}

export interface AuthenticationExpectations {
  challenge: string;
  origins: string[];
  rpId: string;
  credential: StoredCredential;
  requireUserVerification: boolean;
  /** Top origins a cross-origin (iframe) ceremony may run in; none when absent. */
  allowedTopOrigins?: readonly string[];
}

export type AuthenticationResult =
  { ok: true; newCounter: number; userVerified: boolean; backedUp: boolean } | { ok: false; reason: string };

/**
 * Verifies an assertion (challenge, origin, rp id, type, UP, UV when required, signature). The
 * signature counter is returned, not judged: the caller compares it with the stored one, so a
 * regression is told apart from a forgery (and audited) only once the signature is proven.
 * The reason is for the audit log only; clients always get the same answer.
 */
export async function verifyAuthentication(
  response: AuthenticationResponseJSON,
  expected: AuthenticationExpectations,
): Promise<AuthenticationResult> {
  if (
    response.type !== 'public-key' ||
    response.id !== response.rawId ||
    response.id !== expected.credential.credentialId
  ) {
    return { ok: false, reason: 'credential_id' };
  }
  if (!exactlyEncoded(response, expected.credential)) return { ok: false, reason: 'encoding' };
  const clientData = parseClientDataJson(response.response.clientDataJSON);
  if (clientData && !crossOriginAllowed(clientData, expected.allowedTopOrigins ?? []))
    return { ok: false, reason: 'cross_origin' };
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: expected.challenge,
      expectedOrigin: expected.origins,
      expectedRPID: expected.rpId,
      expectedType: 'webauthn.get',
      // Checked above already; the library checks a crossOrigin response's topOrigin once more.
      ...(clientData?.crossOrigin === true && typeof clientData.topOrigin === 'string'
        ? { expectedTopOrigin: [clientData.topOrigin] }
        : {}),
      requireUserVerification: expected.requireUserVerification,
      credential: {
        id: expected.credential.credentialId,
        publicKey: isoBase64URL.toBuffer(expected.credential.publicKey),
        // Judged by the caller (see above); 0 keeps the library from judging it first.
        counter: 0,
        transports: expected.credential.transports,
      },
    });
    if (!result.verified) return { ok: false, reason: 'assertion' };
    const info = result.authenticationInfo;
    return {
      ok: true,
      newCounter: info.newCounter,
      userVerified: info.userVerified,
      backedUp: info.credentialBackedUp,
    };
  } catch (err) {
    return { ok: false, reason: classify(err) };
  }
}

/** Canonical base64url everywhere, and for an EC2 credential a strict DER signature: one encoding per assertion. */
function exactlyEncoded(response: AuthenticationResponseJSON, credential: StoredCredential): boolean {
  const r = response.response as Partial<AuthenticationResponseJSON['response']> | undefined;
  if (
    !r ||
    !isCanonicalBase64Url(r.clientDataJSON) ||
    !isCanonicalBase64Url(r.authenticatorData) ||
    !isCanonicalBase64Url(r.signature)
  )
    return false;
  if (r.userHandle !== undefined && r.userHandle !== null && r.userHandle !== '' && !isCanonicalBase64Url(r.userHandle))
    return false;
  return (
    !isEc2PublicKey(credential.publicKey) ||
    isStrictDerEcdsaSignature(new Uint8Array(Buffer.from(r.signature, 'base64url')))
  );
}

/** Whether a counter may follow the stored one: strictly up, or both 0 (authenticators without counters). */
export function counterAcceptable(stored: number, received: number): boolean {
  return (stored === 0 && received === 0) || received > stored;
}

function classify(err: unknown): string {
  const text = err instanceof Error ? err.message : '';
  if (/challenge/i.test(text)) return 'challenge';
  if (/origin/i.test(text)) return 'origin';
  if (/RP ID/i.test(text)) return 'rp_id';
  if (/verif/i.test(text) && /user/i.test(text)) return 'user_verification';
  if (/present/i.test(text)) return 'user_presence';
  if (/signature/i.test(text)) return 'signature';
  if (/type/i.test(text)) return 'type';
  return 'assertion';
}
