/*
 * libs/mfa folder order: a folder imports only folders above it (npm run lint:layers rejects
 * any cycle); mfa.module.ts and this index sit on top and may import any of them.
 *
 *   shared/          method types, acr rules, the user-id pattern: imports no other folder
 *   crypto/          the secret box and the MFA encryption key
 *   metadata/        FIDO metadata (MDS BLOB) and attestation trust
 *   tokens/          MFA tokens and their signing keys           (crypto)
 *   step-up/         X-MFA-Token guard, ApiStepUp                 (tokens)
 *   factors/         a user's factors, their management, the Cedar Authenticator attributes
 *                                                                 (shared, metadata, step-up)
 *   backup-codes/    issue, regenerate, redeem                    (factors, step-up)
 *   totp/            enrollment and code checks                   (backup-codes, factors, crypto, step-up)
 *   webauthn/        registration, the verifiers, credentials of assertions
 *                                                                 (backup-codes, factors, metadata, shared, step-up)
 *   challenges/      open and complete challenges: one use case per method
 *                                                                 (webauthn, totp, backup-codes, factors, tokens, shared)
 *   authenticators/  fleet report, trust re-judging               (metadata)
 *   housekeeping/    purge of expired rows
 */
export * from './shared/method-types.js';
export * from './shared/acr-rules.js';
export * from './mfa.module.js';
export * from './factors/factors.service.js';
export * from './factors/factor-management.service.js';
export * from './backup-codes/backup-codes.service.js';
export * from './backup-codes/backup-code.js';
export * from './webauthn/webauthn-enrollment.service.js';
export { WEBAUTHN_NOT_CONFIGURED } from './webauthn/relying-party.js';
export * from './webauthn/registration.verifier.js';
export * from './challenges/challenges.service.js';
export * from './challenges/live-challenge.js';
export * from './challenges/challenge-completion.service.js';
export type { VerifiedFactor } from './challenges/challenge-proof.js';
export * from './challenges/challenge-rules.js';
export * from './tokens/mfa-token.service.js';
export * from './tokens/token-keys.service.js';
export * from './totp/totp.js';
export * from './crypto/encryption-key.js';
export * from './crypto/secret-box.js';
export * from './step-up/step-up-proof.guard.js';
export * from './step-up/api-step-up.decorator.js';
export { WEBAUTHN_JSON_SCHEMAS } from './webauthn/webauthn-json.schemas.js';
export { MetadataModule, AuthenticatorMetadataService } from './metadata/index.js';
export { HousekeepingModule } from './housekeeping/housekeeping.module.js';
export { ExpiredRecordsPurger, PURGE_LOCK_KEY } from './housekeeping/expired-records.purger.js';
export { CredentialTrustRejudger } from './authenticators/credential-trust.rejudger.js';
