export * from './webauthn-settings.js';
export * from './tenants.service.js';
export * from './tenancy.guard.js';
export * from './tenancy.module.js';
