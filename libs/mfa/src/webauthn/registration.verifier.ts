import { isoBase64URL } from '@simplewebauthn/server/helpers';
import {
  PQCNotSupportedError,
  SimpleWebAuthnError,
  verifyRegistrationResponse,
  type RegistrationResponseJSON,
  type VerifiedRegistrationResponse,
} from '@simplewebauthn/server';
import { ApiError } from '#errors';
import type { WebAuthnMethodType } from '../shared/method-types.js';
import { MAX_CREDENTIAL_ID_BYTES, SUPPORTED_ALGORITHM_IDS } from './webauthn-algorithms.js';
import { attestationObjectProblem, isCanonicalBase64Url } from './strict-encoding.js';
import { crossOriginAllowed, parseClientDataJson } from './cross-origin.js';

export interface VerifiedAuthenticator {
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  aaguid: string;
  userVerified: boolean;
  backupEligible: boolean;
  backedUp: boolean;
  attestationFormat: string;
  attachment: string;
  /** clientExtensionResults.credProps.rk as the client reported it; null when it reported nothing. */
  credPropsRk: boolean | null;
}

export interface RegistrationExpectations {
  challenge: string;
  origins: string[];
  rpId: string;
  methodType: WebAuthnMethodType;
  /** COSE algorithms the tenant accepts; all supported ones when absent. */
  algorithms?: number[];
  /** Top origins a cross-origin (iframe) ceremony may run in; none when absent. */
  allowedTopOrigins?: readonly string[];
}

type RegistrationInfo = Extract<VerifiedRegistrationResponse, { verified: true }>['registrationInfo'];

const KNOWN_TRANSPORTS = new Set(['usb', 'nfc', 'ble', 'internal', 'hybrid', 'cable', 'smart-card']);

/**
 * Verifies a registration response in a fixed order with precise, safe messages: the library's own
 * messages echo expected values (challenge, origins), so they never reach the client.
 */
export async function verifyRegistration(
  response: RegistrationResponseJSON,
  expected: RegistrationExpectations,
): Promise<VerifiedAuthenticator> {
  checkCredentialId(response);
  checkAttestationObject(response);
  checkClientData(response, expected);
  const credPropsRk = checkDiscoverable(response, expected.methodType);
  const info = await verifyWithLibrary(response, expected);
  if (info.credential.id !== response.id)
    fail('The credential id does not match the authenticator data.', 'credential_id');
  return {
    credentialId: info.credential.id,
    publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
    counter: info.credential.counter,
    transports: (response.response.transports ?? []).filter((t) => KNOWN_TRANSPORTS.has(t)),
    aaguid: info.aaguid.toLowerCase(),
    userVerified: info.userVerified,
    backupEligible: info.credentialDeviceType === 'multiDevice',
    backedUp: info.credentialBackedUp,
    attestationFormat: info.fmt,
    attachment: response.authenticatorAttachment ?? 'unknown',
    credPropsRk,
  };
}

/** 400 verification_failed, `details.reason` naming the check. */
function fail(message: string, reason: string): never {
  throw new ApiError('verification_failed', message, { details: { reason } });
}

/** The response's shape, and one credential id: id and rawId the same canonical base64url, of a sane length. */
function checkCredentialId(response: RegistrationResponseJSON): void {
  const shape = registrationResponseProblem(response);
  if (shape) fail(`The credential is not a RegistrationResponseJSON: ${shape}.`, 'credential_shape');
  if (!isCanonicalBase64Url(response.id) || response.id !== response.rawId) {
    fail('The credential id and rawId must be the same base64url value.', 'credential_id');
  }
  const idBytes = decodeLength(response.id);
  if (idBytes === 0 || idBytes > MAX_CREDENTIAL_ID_BYTES)
    fail(`The credential id must be 1 to ${MAX_CREDENTIAL_ID_BYTES} bytes.`, 'credential_id');
}

function checkAttestationObject(response: RegistrationResponseJSON): void {
  if (!isCanonicalBase64Url(response.response?.attestationObject))
    fail('attestationObject is not valid base64url.', 'attestation_object');
  // One exact encoding: the library would accept a CBOR length past the end or loose DER framing.
  if (attestationObjectProblem(response.response.attestationObject))
    fail('attestationObject is not encoded exactly (CBOR or signature framing).', 'attestation_object');
}

/** clientDataJSON: a create ceremony for the pending challenge, from one of the tenant's origins. */
function checkClientData(response: RegistrationResponseJSON, expected: RegistrationExpectations): void {
  // Parse (never compare as text) clientDataJSON: browsers may add members.
  const clientData = parseClientData(response.response?.clientDataJSON);
  if (!clientData) return fail('clientDataJSON is not valid base64url JSON.', 'client_data');
  if (clientData.type !== 'webauthn.create') fail('clientDataJSON.type must be "webauthn.create".', 'client_data_type');
  if (clientData.challenge !== expected.challenge)
    fail('The challenge does not match the pending enrollment.', 'challenge');
  if (!expected.origins.includes(clientData.origin as string))
    fail("The origin is not one of the tenant's origins.", 'origin');
  if (!crossOriginAllowed(clientData, expected.allowedTopOrigins ?? [])) {
    fail(
      "The ceremony ran in a cross-origin frame whose top origin is not in the tenant's allowed_top_origins.",
      'cross_origin',
    );
  }
}

/**
 * A passkey must be discoverable; a client that says the credential is not (credProps.rk false)
 * made a server-side credential the user cannot sign in with by choosing it. Silence is accepted.
 * Returns what the client said (null: nothing).
 */
function checkDiscoverable(response: RegistrationResponseJSON, methodType: WebAuthnMethodType): boolean | null {
  const credPropsRk = credPropsResidentKey(response);
  if (methodType === 'webauthn_passkey' && credPropsRk === false) {
    fail(
      'This device created a credential it cannot offer at sign-in, not a passkey. Use a device or browser that can save a passkey (for example your phone, a password manager, or a current browser).',
      'not_discoverable',
    );
  }
  return credPropsRk;
}

/** The library's verification (attestation statement, signature, rp id, flags, algorithm); its errors classified. */
async function verifyWithLibrary(
  response: RegistrationResponseJSON,
  expected: RegistrationExpectations,
): Promise<RegistrationInfo> {
  let result;
  try {
    result = await verifyRegistrationResponse({
      response,
      expectedChallenge: expected.challenge,
      expectedOrigin: expected.origins,
      expectedRPID: expected.rpId,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: expected.methodType === 'webauthn_passkey',
      supportedAlgorithmIDs: expected.algorithms ?? [...SUPPORTED_ALGORITHM_IDS],
    });
  } catch (err) {
    const { message, reason } = classifyRegistrationError(err, expected.methodType);
    return fail(message, reason);
  }
  if (!result.verified) return fail('The attestation signature is not valid.', 'attestation_signature');
  return result.registrationInfo;
}

function credPropsResidentKey(response: RegistrationResponseJSON): boolean | null {
  const rk = (response.clientExtensionResults as { credProps?: { rk?: unknown } } | undefined)?.credProps?.rk;
  return typeof rk === 'boolean' ? rk : null;
}

function decodeLength(b64url: string): number {
  try {
    return isoBase64URL.toBuffer(b64url).length;
  } catch {
    return 0;
  }
}

/** Why a value is not a RegistrationResponseJSON, or null when its shape is right. */
function registrationResponseProblem(value: unknown): string | null {
  const c = value as Record<string, unknown> | null;
  const r = c?.response as Record<string, unknown> | undefined;
  const checks: [boolean, string][] = [
    [typeof c?.id === 'string' && c.id.length > 0, 'id must be a base64url string'],
    [typeof c?.rawId === 'string', 'rawId must be a base64url string'],
    [c?.type === 'public-key', 'type must be "public-key"'],
    [typeof r === 'object' && r !== null && !Array.isArray(r), 'response must be an object'],
    [typeof r?.clientDataJSON === 'string', 'response.clientDataJSON must be a base64url string'],
    [typeof r?.attestationObject === 'string', 'response.attestationObject must be a base64url string'],
    [
      r?.transports === undefined || (Array.isArray(r.transports) && r.transports.every((t) => typeof t === 'string')),
      'response.transports must be an array of strings',
    ],
  ];
  return checks.find(([ok]) => !ok)?.[1] ?? null;
}

function parseClientData(value: unknown): Record<string, unknown> | null {
  if (!isCanonicalBase64Url(value) || value.length > 8192) return null;
  return parseClientDataJson(value);
}

export interface ClassifiedError {
  message: string;
  /** `details.reason` of the 400 verification_failed answer. */
  reason: string;
}

const ALGORITHMS_ACCEPTED = 'The credential uses an algorithm that is not accepted (ES256, EdDSA or RS256).';
const CHAIN_INVALID = 'The attestation certificate chain is not valid (expired, broken or revoked).';

/**
 * Maps a failure of @simplewebauthn/server to a message that names the check, never the expected
 * value. By class and code where the library has them; its other failures are plain Errors, told
 * apart by the fixed start of their messages (pinned by the spec beside this file).
 */
export function classifyRegistrationError(err: unknown, methodType: WebAuthnMethodType): ClassifiedError {
  if (err instanceof PQCNotSupportedError) return { message: ALGORITHMS_ACCEPTED, reason: 'unsupported_algorithm' };
  // Format verifiers wrap the path check's error in a plain Error with it as the cause.
  const coded =
    err instanceof SimpleWebAuthnError
      ? err
      : err instanceof Error && err.cause instanceof SimpleWebAuthnError
        ? err.cause
        : undefined;
  if (coded?.code === 'CERTIFICATE_PATH_VERIFICATION_FAILED')
    return { message: CHAIN_INVALID, reason: 'attestation_chain' };
  if (err instanceof Error && err.name === 'UnexpectedRPIDHash')
    return { message: 'The authenticator data is not for this relying party.', reason: 'rp_id' };
  if (err instanceof Error && err.name === 'InvalidBackupFlags')
    return { message: 'The authenticator data has inconsistent backup flags.', reason: 'backup_flags' };
  const text = err instanceof Error ? err.message : '';
  for (const [pattern, classified] of LIBRARY_MESSAGES) {
    if (pattern.test(text)) return typeof classified === 'function' ? classified(methodType) : classified;
  }
  return { message: 'The attestation could not be verified.', reason: 'attestation' };
}

const LIBRARY_MESSAGES: [RegExp, ClassifiedError | ((m: WebAuthnMethodType) => ClassifiedError)][] = [
  [/^Unexpected public key alg\b/, { message: ALGORITHMS_ACCEPTED, reason: 'unsupported_algorithm' }],
  [/^Credential public key was missing numeric alg/, { message: ALGORITHMS_ACCEPTED, reason: 'unsupported_algorithm' }],
  [/^Unexpected RP ID hash/, { message: 'The authenticator data is not for this relying party.', reason: 'rp_id' }],
  [
    /^User verification was required/,
    (m) => ({
      message:
        m === 'webauthn_passkey'
          ? 'A passkey must verify the user (PIN or biometric), and this authenticator did not.'
          : 'User verification was required but not performed.',
      reason: 'user_verification',
    }),
  ],
  [
    /^User presence was required/,
    { message: 'The authenticator did not confirm user presence.', reason: 'user_presence' },
  ],
  [
    /^Unsupported Attestation Format/,
    { message: 'The attestation format is not supported.', reason: 'attestation_format' },
  ],
  [
    /^No credential ID was provided|^No public key was provided|^No AAGUID was present/,
    { message: 'The authenticator data has no attested credential.', reason: 'authenticator_data' },
  ],
  [
    /certificate out of validity period|Certificate (not good|is not yet valid)|not good (before|after)/i,
    { message: CHAIN_INVALID, reason: 'attestation_chain' },
  ],
  [
    /root certificate was not a known root|could not be chained|trust anchor|revoked certificate|revocation status/i,
    { message: CHAIN_INVALID, reason: 'attestation_chain' },
  ],
  [
    /id-fido-gen-ce-aaguid/,
    {
      message: 'The attestation certificate names another authenticator model than the authenticator data.',
      reason: 'attestation_aaguid',
    },
  ],
  [/signature/i, { message: 'The attestation signature is not valid.', reason: 'attestation_signature' }],
  // Any other check of a format's statement (TPM structures, U2F AAGUID, Apple nonce, …).
  [
    /\((TPM|TPM\|RSA|TPM\|ECC|Packed|Packed\|Full|Android Key|Apple|FIDOU2F|SafetyNet)\)$|^AAGUID .* was not expected value/,
    { message: 'The attestation statement is not valid for its format.', reason: 'attestation_statement' },
  ],
];
