import { Injectable } from '@nestjs/common';
import { validationFailed } from '../../errors/src/index.js';
// Service files, not the indexes: libs/policy depends on this library's AuditService.
import { PolicyService } from '../../policy/src/policy.service.js';
import { adminAuthorization, type AdminCaller } from '../../policy/src/admin/admin-caller.js';
import { AuditService, toAuditEventView, type AuditEventFilter, type AuditEventView } from './audit.service.js';
import { decodeCursor, toPage, type Page } from './page-cursor.js';

export interface AuditLogQuery {
  actor_id?: string;
  resource_type?: string;
  resource_id?: string;
  action?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

/** The tenant audit log for admins (`read_audit_log`). */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly audit: AuditService,
    private readonly policy: PolicyService,
  ) {}

  async read(caller: AdminCaller, query: AuditLogQuery): Promise<Page<AuditEventView>> {
    await this.policy.enforce(adminAuthorization(caller, 'read_audit_log', { type: 'AuditLog', id: caller.tenant.id }));
    const filter: AuditEventFilter = {
      actorId: query.actor_id,
      resourceType: query.resource_type,
      resourceId: query.resource_id,
      action: query.action,
      from: query.from === undefined ? undefined : new Date(query.from),
      to: query.to === undefined ? undefined : new Date(query.to),
    };
    if (filter.from && filter.to && filter.from.getTime() > filter.to.getTime()) {
      throw validationFailed([{ field: 'to', reason: 'must not be before from' }]);
    }
    const limit = query.limit ?? 20;
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.audit.page(caller.tenant.id, filter, { limit, before });
    return toPage(rows, limit, toAuditEventView);
  }
}
