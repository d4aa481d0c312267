import { Body, Controller, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '#errors';
import { ApiStepUp } from '../step-up/api-step-up.decorator.js';
import {
  ApiUserRoute,
  ClientIp,
  CurrentTenant,
  CurrentUser,
  UserRoute,
  type TenantContext,
  type UserPrincipal,
} from '#auth';
import { BackupCodesDto } from '../backup-codes/backup-codes.dto.js';
import { Metrics } from '#observability';
import { TotpEnrollmentService } from './totp-enrollment.service.js';
import { StartTotpDto, TotpEnrollmentDto, TotpIdParamsDto, VerifyTotpDto } from './totp.dto.js';

@ApiTags('enrollment')
@Controller('v1/users/me/mfa/totp')
@UserRoute()
@ApiUserRoute()
export class TotpController {
  constructor(
    private readonly totp: TotpEnrollmentService,
    private readonly metrics: Metrics,
  ) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'beginTotpEnrollment',
    summary: 'Start a TOTP (authenticator app) enrollment',
    description:
      'Creates an unverified factor (replacing an earlier unverified one) and returns its secret once. Policy action begin_enrollment with method_type "totp". RFC 6238: SHA-1, 6 digits, 30-second steps.',
  })
  @ApiCreatedResponse({ type: TotpEnrollmentDto })
  @ApiErrorResponses(
    'validation_failed',
    'invalid_json',
    'policy_denied',
    'step_up_required',
    'unsupported_media_type',
    'payload_too_large',
  )
  @ApiStepUp()
  enroll(
    @Body() body: StartTotpDto,
    @CurrentTenant() tenant: TenantContext,
    @CurrentUser() user: UserPrincipal,
    @ClientIp() ip: string,
  ): Promise<TotpEnrollmentDto> {
    return this.metrics.ceremony('registration', 'totp', 'start', () =>
      this.totp.enroll(tenant, user, body.device_name, ip),
    );
  }

  @Post(':id/verify')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'verifyTotpEnrollment',
    summary: 'Confirm a TOTP enrollment with a current code',
    description:
      'Accepts the code of the current 30-second step or one step either side; the code is spent. Policy action complete_enrollment. Returns backup codes when the user holds none.',
  })
  @ApiOkResponse({ type: BackupCodesDto, description: 'TOTP verified, backup codes returned' })
  @ApiErrorResponses(
    'validation_failed',
    'invalid_json',
    'verification_failed',
    'policy_denied',
    'step_up_required',
    'not_found',
    'unsupported_media_type',
    'payload_too_large',
  )
  @ApiStepUp()
  verify(
    @Param() params: TotpIdParamsDto,
    @Body() body: VerifyTotpDto,
    @CurrentTenant() tenant: TenantContext,
    @CurrentUser() user: UserPrincipal,
    @ClientIp() ip: string,
  ): Promise<BackupCodesDto> {
    return this.metrics.ceremony('registration', 'totp', 'finish', () =>
      this.totp.verifyEnrollment(tenant, user, params.id, body.code, ip),
    );
  }
}
