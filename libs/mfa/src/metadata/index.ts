export * from './metadata.module.js';
export * from './authenticator-metadata.service.js';
export * from './attestation.assessor.js';
export * from './mds-blob.verifier.js';
export * from './aaguid-names.js';
