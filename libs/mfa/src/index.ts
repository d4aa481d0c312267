export * from './method-types.js';
export * from './mfa.module.js';
export * from './factors/factors.service.js';
export * from './backup-codes/backup-codes.service.js';
export * from './backup-codes/backup-code.js';
export * from './webauthn/webauthn-enrollment.service.js';
export * from './webauthn/registration.verifier.js';
