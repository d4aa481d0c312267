/** COSE algorithms offered and accepted, in preference order: ES256, EdDSA, RS256. */
export const SUPPORTED_ALGORITHM_IDS = [-7, -8, -257] as const;

/** Registration options and pending enrollments live for the same 5 minutes. */
export const CEREMONY_TIMEOUT_MS = 300_000;

/** WebAuthn L3 caps credential ids at 1023 bytes. */
export const MAX_CREDENTIAL_ID_BYTES = 1023;
