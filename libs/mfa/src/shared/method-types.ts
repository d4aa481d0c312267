export const WEBAUTHN_METHOD_TYPES = ['webauthn_passkey', 'webauthn_fido'] as const;
export type WebAuthnMethodType = (typeof WEBAUTHN_METHOD_TYPES)[number];

export const METHOD_TYPES = [...WEBAUTHN_METHOD_TYPES, 'totp'] as const;
export type MethodType = (typeof METHOD_TYPES)[number];

/** What can complete a challenge: a factor type, or a backup code. */
export const CHALLENGE_METHODS = [...METHOD_TYPES, 'backup_code'] as const;
export type ChallengeMethod = (typeof CHALLENGE_METHODS)[number];
