import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service.js';

/** The append side of the audit log, for every module; the read API is in libs/admin. */
@Global()
@Module({ providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
