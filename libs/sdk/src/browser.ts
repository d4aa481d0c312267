// Browser helpers: each runs a whole WebAuthn ceremony through @simplewebauthn/browser and answers
// the API's result or the error (the API's `{code, message, notices}`, or a client-side failure) as
// a value. The options the API returns are passed to the browser as they are: their types come
// from the OpenAPI document's WebAuthn schemas.
import { startAuthentication, startRegistration, WebAuthnError } from '@simplewebauthn/browser';
import type { Schemas, TesseraClient } from './client.js';
import { errorMessage, errorName, failed, outcomeOf, type Outcome, type TesseraError } from './outcome.js';

export type WebAuthnMethodType = Schemas['RegistrationCompletion']['method_type'];

export interface EnrollOptions {
  /** `webauthn_passkey` (discoverable, user verification required) or `webauthn_fido` (security key). */
  methodType: WebAuthnMethodType;
  /** A name the person recognises, 1–100 characters. */
  deviceName: string;
}

/** Registers a passkey or security key for the signed-in user: options → navigator.credentials.create() → completion. */
export async function enroll(
  client: TesseraClient,
  { methodType, deviceName }: EnrollOptions,
): Promise<Outcome<Schemas['BackupCodes']>> {
  const begun = await outcomeOf(
    client.POST('/v1/users/me/mfa/webauthn/register', { params: { query: { method_type: methodType } } }),
  );
  if (begun.error) return failed(begun);
  const credential = await ceremony(() => startRegistration({ optionsJSON: begun.data.options }));
  if (credential.error) return failed(credential);
  return outcomeOf(
    client.POST('/v1/users/me/mfa/webauthn/register/complete', {
      body: { credential: credential.data, device_name: deviceName, method_type: methodType },
    }),
  );
}

export interface SignInOptions {
  /**
   * Conditional mediation: the request waits until the person picks a passkey from the
   * suggestions of an `autocomplete="username webauthn"` field (usernameless sign-in).
   */
  useBrowserAutofill?: boolean;
}

/** Completes an MFA challenge with a passkey or security key: request options → navigator.credentials.get() → an MFA token. */
export async function signIn(
  client: TesseraClient,
  challengeId: string,
  options: SignInOptions = {},
): Promise<Outcome<Schemas['MfaToken']>> {
  const begun = await outcomeOf(client.POST('/v1/auth/mfa/webauthn/begin', { body: { challenge_id: challengeId } }));
  if (begun.error) return failed(begun);
  const credential = await ceremony(() =>
    startAuthentication({ optionsJSON: begun.data.options, useBrowserAutofill: options.useBrowserAutofill ?? false }),
  );
  if (credential.error) return failed(credential);
  return outcomeOf(
    client.POST('/v1/auth/mfa/webauthn/complete', { body: { challenge_id: challengeId, credential: credential.data } }),
  );
}

export interface StepUpOptions {
  /** A step-up challenge already opened (`POST /v1/users/me/mfa/challenges`); one is opened when absent. */
  challengeId?: string;
}

/** Step-up for the signed-in user: opens a challenge (unless given one) and completes it with WebAuthn, answering the MFA token. */
export async function stepUp(
  client: TesseraClient,
  options: StepUpOptions = {},
): Promise<Outcome<Schemas['MfaToken']>> {
  let challengeId = options.challengeId;
  if (!challengeId) {
    const opened = await outcomeOf(client.POST('/v1/users/me/mfa/challenges'));
    if (opened.error) return failed(opened);
    challengeId = opened.data.challenge_id;
  }
  return signIn(client, challengeId);
}

/** The browser's part: a failure (cancelled, timed out, no suitable authenticator) becomes `ceremony_failed`. */
async function ceremony<T>(
  run: () => Promise<T>,
): Promise<{ data: T; error?: undefined } | { data?: undefined; error: TesseraError }> {
  try {
    return { data: await run() };
  } catch (err) {
    const cause = err instanceof WebAuthnError ? err.cause : err;
    return {
      error: {
        code: 'ceremony_failed',
        message: errorMessage(err, 'The browser did not complete the WebAuthn ceremony.'),
        details: {
          name: errorName(cause) ?? errorName(err),
          ...(err instanceof WebAuthnError ? { reason: err.code } : {}),
        },
      },
    };
  }
}
