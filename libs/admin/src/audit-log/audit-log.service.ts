import { Injectable } from '@nestjs/common';
import { validationFailed } from '#errors';
// Service files, not the indexes: libs/policy depends on this library's AuditService.
import type { AdminCaller } from '#auth';
import { PolicyService, adminAuthorization } from '#policy';
import { AuditService, toAuditEventView, type AuditEventFilter, type AuditEventView } from '#audit';
import { decodeCursor, toPage, type Page } from '#pagination';

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
      ...timeRange(query),
    };
    const limit = query.limit ?? 20;
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.audit.page(caller.tenant.id, filter, { limit, before });
    return toPage(rows, limit, toAuditEventView);
  }

  /**
   * The events of a time range as NDJSON lines, oldest first. Authorized and validated before the
   * first byte, so a refusal is still a proper error response; `to` defaults to now, so events
   * written while the export runs do not stretch it.
   */
  async exportLines(caller: AdminCaller, query: { from?: string; to?: string }): Promise<AsyncGenerator<string>> {
    await this.policy.enforce(adminAuthorization(caller, 'read_audit_log', { type: 'AuditLog', id: caller.tenant.id }));
    const range = timeRange(query);
    const events = this.audit.inOrder(caller.tenant.id, { ...range, to: range.to ?? new Date() });
    return (async function* () {
      for await (const row of events) yield `${JSON.stringify(toAuditEventView(row))}\n`;
    })();
  }
}

function timeRange(query: { from?: string; to?: string }): { from?: Date; to?: Date } {
  const from = query.from === undefined ? undefined : new Date(query.from);
  const to = query.to === undefined ? undefined : new Date(query.to);
  if (from && to && from.getTime() > to.getTime())
    throw validationFailed([{ field: 'to', reason: 'must not be before from' }]);
  return { from, to };
}
