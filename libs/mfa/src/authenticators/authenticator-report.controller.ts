import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '#errors';
import { AdminRoute, ApiAdminRoute, CurrentAdminCaller, type AdminCaller } from '#auth';
import { AuthenticatorReportService } from './authenticator-report.service.js';
import { AuthenticatorReportDto } from './authenticator-report.dto.js';

/** The tenant's authenticator fleet (API key): policy action read_authenticator_report. */
@ApiTags('factor administration')
@Controller('v1/authenticators')
@AdminRoute()
@ApiAdminRoute()
export class AuthenticatorReportController {
  constructor(private readonly reports: AuthenticatorReportService) {}

  @Get('report')
  @ApiOperation({
    operationId: 'getAuthenticatorReport',
    summary:
      "The tenant's WebAuthn credentials by model, certification level, attestation trust and backup state, and those of a model now reported compromised",
  })
  @ApiOkResponse({ type: AuthenticatorReportDto })
  @ApiErrorResponses('policy_denied')
  report(@CurrentAdminCaller() caller: AdminCaller): Promise<AuthenticatorReportDto> {
    return this.reports.report(caller);
  }
}
