import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../../errors/src/index.js';
import { AdminRoute, ApiAdminRoute, ClientIp, CurrentApiKey, CurrentTenant, type ApiKeyPrincipal, type TenantContext } from '../../auth/src/index.js';
import { AuditLogService } from './audit-log.service.js';
import { AuditEventPageDto, AuditLogQueryDto } from './audit-log.dto.js';

@ApiTags('audit')
@Controller('v1/audit-log')
@AdminRoute()
@ApiAdminRoute()
export class AuditLogController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get()
  @ApiOperation({ operationId: 'listAuditEvents', summary: "The tenant's audit events, newest first (cursor pagination)", description: 'Filters combine with AND. Authorized with `read_audit_log`.' })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiErrorResponses('validation_failed', 'policy_denied')
  read(@Query() query: AuditLogQueryDto, @CurrentTenant() tenant: TenantContext, @CurrentApiKey() key: ApiKeyPrincipal, @ClientIp() ip: string): Promise<AuditEventPageDto> {
    return this.auditLog.read({ tenant, key, ip }, query);
  }
}
