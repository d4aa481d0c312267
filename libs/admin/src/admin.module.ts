import { Module } from '@nestjs/common';
import { ApiKeysAdminService } from './api-keys/api-keys-admin.service.js';
import { ApiKeysController } from './api-keys/api-keys.controller.js';
import { AuditLogController } from './audit-log/audit-log.controller.js';
import { AuditLogService } from './audit-log/audit-log.service.js';
import { PoliciesController } from './policies/policies.controller.js';
import { PoliciesService } from './policies/policies.service.js';

// Tenant administration over API keys, one Nest module per area. Each operation is a Cedar decision
// (PolicyService) and an audit entry; the libraries it administers know nothing of these routes. The
// app imports each module beside the library it administers, which also keeps the OpenAPI document's
// path order.

/** The tenant's audit log, read and exported. */
@Module({ providers: [AuditLogService], controllers: [AuditLogController] })
export class AuditLogAdminModule {}

/** The tenant's Cedar rules: list, simulate, draft, add and remove. */
@Module({ providers: [PoliciesService], controllers: [PoliciesController] })
export class PoliciesAdminModule {}

/** The tenant's API keys: issue, list and revoke. */
@Module({ providers: [ApiKeysAdminService], controllers: [ApiKeysController] })
export class ApiKeysAdminModule {}
