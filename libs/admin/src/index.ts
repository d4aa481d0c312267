export { ApiKeysAdminModule, AuditLogAdminModule, PoliciesAdminModule } from './admin.module.js';
export * from './api-keys/api-keys-admin.service.js';
export * from './audit-log/audit-log.service.js';
export * from './policies/policies.service.js';
export * from './policies/tenant-rule.checks.js';
