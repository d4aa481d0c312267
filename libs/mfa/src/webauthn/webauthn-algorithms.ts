/** COSE algorithms offered and accepted, in preference order: ES256, EdDSA, RS256. */
export const SUPPORTED_ALGORITHM_IDS = [-7, -8, -257] as const;

/** WebAuthn L3 caps credential ids at 1023 bytes. */
export const MAX_CREDENTIAL_ID_BYTES = 1023;
