import { Readable } from 'node:stream';
import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiErrorResponses } from '#errors';
import { AdminRoute, ApiAdminRoute, CurrentAdminCaller, type AdminCaller } from '#auth';
import { AuditLogService } from './audit-log.service.js';
import { AuditEventDto, AuditEventPageDto, AuditLogExportQueryDto, AuditLogQueryDto } from './audit-log.dto.js';

@ApiTags('audit')
@Controller('v1/audit-log')
@AdminRoute()
@ApiAdminRoute()
export class AuditLogController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get()
  @ApiOperation({
    operationId: 'listAuditEvents',
    summary: "The tenant's audit events, newest first (cursor pagination)",
    description: 'Filters combine with AND. Authorized with `read_audit_log`.',
  })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiErrorResponses('validation_failed', 'policy_denied')
  read(@Query() query: AuditLogQueryDto, @CurrentAdminCaller() caller: AdminCaller): Promise<AuditEventPageDto> {
    return this.auditLog.read(caller, query);
  }

  @Get('export')
  @ApiOperation({
    operationId: 'exportAuditLog',
    summary: "Stream the tenant's audit events of a time range as NDJSON, oldest first",
    description:
      'One JSON object per line (`application/x-ndjson`), the same fields as `GET /v1/audit-log`, streamed in batches so any range can be exported. Authorized with `read_audit_log`.',
  })
  @ApiExtraModels(AuditEventDto)
  // Only the 200 is NDJSON; errors keep the JSON error body.
  @ApiOkResponse({
    description: 'One audit event (AuditEventDto) per line.',
    content: { 'application/x-ndjson': { schema: { $ref: getSchemaPath(AuditEventDto) } } },
  })
  @ApiErrorResponses('validation_failed', 'policy_denied')
  async export(
    @Query() query: AuditLogExportQueryDto,
    @CurrentAdminCaller() caller: AdminCaller,
  ): Promise<StreamableFile> {
    const lines = await this.auditLog.exportLines(caller, query);
    return new StreamableFile(Readable.from(lines), {
      type: 'application/x-ndjson; charset=utf-8',
      disposition: 'attachment; filename="audit-log.ndjson"',
    });
  }
}
