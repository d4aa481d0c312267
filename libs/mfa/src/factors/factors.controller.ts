import { Body, Controller, Delete, Get, HttpCode, Param, Patch } from '@nestjs/common';
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
import { FactorsService } from './factors.service.js';
import { FactorManagementService } from './factor-management.service.js';
import { CredentialSignalsService } from './credential-signals.service.js';
import { FactorDto, FactorIdParamsDto, FactorListDto, FactorRemovedDto, RenameFactorDto } from './factors.dto.js';

@ApiTags('factors')
@Controller('v1/users/me/mfa')
@UserRoute()
@ApiUserRoute()
export class FactorsController {
  constructor(
    private readonly factors: FactorsService,
    private readonly management: FactorManagementService,
    private readonly signals: CredentialSignalsService,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'listFactors',
    summary: "List the user's enrolled factors (TOTP factors awaiting their first code have verified: false)",
    description:
      'With `signals` for PublicKeyCredential.signalAllAcceptedCredentials and signalCurrentUserDetails: call them on each visit so passkey managers stay in step.',
  })
  @ApiOkResponse({ type: FactorListDto })
  async list(@CurrentTenant() tenant: TenantContext, @CurrentUser() user: UserPrincipal): Promise<FactorListDto> {
    const [methods, signals] = await Promise.all([
      this.factors.list(tenant.id, user.userId),
      this.signals.forUser(tenant, user.userId, user.names),
    ]);
    return { methods, signals };
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'renameFactor', summary: 'Rename one of your factors (policy action rename_factor)' })
  @ApiOkResponse({ type: FactorDto })
  @ApiErrorResponses(
    'validation_failed',
    'invalid_json',
    'policy_denied',
    'not_found',
    'unsupported_media_type',
    'payload_too_large',
  )
  rename(
    @Param() params: FactorIdParamsDto,
    @Body() body: RenameFactorDto,
    @CurrentTenant() tenant: TenantContext,
    @CurrentUser() user: UserPrincipal,
    @ClientIp() ip: string,
  ): Promise<FactorDto> {
    return this.management.rename(tenant, user, params.id, body.device_name, ip);
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'removeFactor',
    summary: 'Remove one of your factors (policy action remove_factor)',
    description:
      'When the tenant requires MFA, the baseline rule keep_last_factor refuses to remove the last verified factor (403 policy_denied with its notice). Removing the last factor also removes the backup codes. ' +
      'The answer carries `signals`: pass all_accepted_credentials to PublicKeyCredential.signalAllAcceptedCredentials so the removed passkey stops being offered.',
  })
  @ApiOkResponse({ type: FactorRemovedDto, description: 'Removed' })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'step_up_required', 'not_found')
  @ApiStepUp()
  remove(
    @Param() params: FactorIdParamsDto,
    @CurrentTenant() tenant: TenantContext,
    @CurrentUser() user: UserPrincipal,
    @ClientIp() ip: string,
  ): Promise<FactorRemovedDto> {
    return this.management.remove(tenant, user, params.id, ip);
  }
}
