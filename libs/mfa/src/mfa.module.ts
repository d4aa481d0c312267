import { Module } from '@nestjs/common';
import { BackupCodesService } from './backup-codes/backup-codes.service.js';
import { BackupCodesController } from './backup-codes/backup-codes.controller.js';
import { FactorsService } from './factors/factors.service.js';
import { FactorsController } from './factors/factors.controller.js';
import { WebAuthnEnrollmentService } from './webauthn/webauthn-enrollment.service.js';
import { WebAuthnEnrollmentController } from './webauthn/webauthn-enrollment.controller.js';

@Module({
  providers: [FactorsService, BackupCodesService, WebAuthnEnrollmentService],
  controllers: [WebAuthnEnrollmentController, BackupCodesController, FactorsController],
  exports: [FactorsService, BackupCodesService, WebAuthnEnrollmentService],
})
export class MfaModule {}
