import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service.js';
import { AuditLogService } from './audit-log.service.js';
import { AuditLogController } from './audit-log.controller.js';

@Global()
@Module({ providers: [AuditService, AuditLogService], controllers: [AuditLogController], exports: [AuditService] })
export class AuditModule {}
