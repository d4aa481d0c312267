import { Body, Controller, Header, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { Metrics } from '#observability';
import { NO_PENDING_ENROLLMENT, WebAuthnEnrollmentService } from './webauthn-enrollment.service.js';
import { WEBAUTHN_NOT_CONFIGURED } from './relying-party.js';
import {
  CompleteRegistrationDto,
  RegistrationOptionsDto,
  RegistrationOptionsQueryDto,
} from './webauthn-enrollment.dto.js';
import { BackupCodesDto } from '../backup-codes/backup-codes.dto.js';

const NOTHING_PENDING = { code: 'not_found', message: NO_PENDING_ENROLLMENT } as const;
const NOT_CONFIGURED = { code: 'not_implemented', message: WEBAUTHN_NOT_CONFIGURED } as const;

@ApiTags('enrollment')
@Controller('v1/users/me/mfa/webauthn/register')
@UserRoute()
@ApiUserRoute()
export class WebAuthnEnrollmentController {
  constructor(
    private readonly enrollment: WebAuthnEnrollmentService,
    private readonly metrics: Metrics,
  ) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'beginWebAuthnRegistration',
    summary: 'Start a WebAuthn registration: creation options and a pending enrollment (5 minutes)',
  })
  @ApiOkResponse({ type: RegistrationOptionsDto })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'step_up_required', NOT_CONFIGURED)
  @ApiStepUp()
  async begin(
    @Query() query: RegistrationOptionsQueryDto,
    @CurrentTenant() tenant: TenantContext,
    @CurrentUser() user: UserPrincipal,
    @ClientIp() ip: string,
  ): Promise<RegistrationOptionsDto> {
    const options = await this.metrics.ceremony('registration', query.method_type, 'start', () =>
      this.enrollment.begin(tenant, user, query.method_type, ip),
    );
    return { options: { ...options } };
  }

  @Post('complete')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'completeWebAuthnRegistration',
    summary: 'Complete WebAuthn registration',
    description:
      'Verifies the attestation against the pending enrollment, judges its trust from FIDO metadata (stored with the credential), applies the tenant policy, stores the credential and returns backup codes when the user has none. ' +
      'A 400 verification_failed names the failed check in details.reason, e.g. not_discoverable (a passkey whose clientExtensionResults.credProps.rk is false), unsupported_algorithm, user_verification, rp_id, attestation_chain, attestation_signature, authenticator_status.',
  })
  @ApiOkResponse({ type: BackupCodesDto, description: 'WebAuthn registered, backup codes returned' })
  @ApiStepUp()
  @ApiErrorResponses(
    'validation_failed',
    'verification_failed',
    'invalid_json',
    'policy_denied',
    'step_up_required',
    NOTHING_PENDING,
    'credential_exists',
    'payload_too_large',
    'unsupported_media_type',
    NOT_CONFIGURED,
  )
  complete(
    @Body() body: CompleteRegistrationDto,
    @CurrentTenant() tenant: TenantContext,
    @CurrentUser() user: UserPrincipal,
    @ClientIp() ip: string,
  ): Promise<BackupCodesDto> {
    return this.metrics.ceremony('registration', body.method_type, 'finish', () =>
      this.enrollment.complete(
        tenant,
        user,
        { credential: body.credential, deviceName: body.device_name, methodType: body.method_type },
        ip,
      ),
    );
  }
}
