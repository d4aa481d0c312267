import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '#errors';
import {
  AdminRoute,
  ApiAdminRoute,
  ClientIp,
  CurrentApiKey,
  CurrentTenant,
  type ApiKeyPrincipal,
  type TenantContext,
} from '#auth';
import { FactorManagementService } from './factor-management.service.js';
import { ResetFactorsDto, UserFactorParamsDto, UserFactorsDto, UserIdParamsDto } from './factors.dto.js';

/** Tenant administrators (API key) list, remove and reset a user's factors: policy action manage_user_factors. */
@ApiTags('factor administration')
@Controller('v1/users/:user_id/mfa')
@AdminRoute()
@ApiAdminRoute()
export class AdminFactorsController {
  constructor(private readonly management: FactorManagementService) {}

  @Get()
  @ApiOperation({
    operationId: 'listUserFactors',
    summary: "List a user's factors and how many backup codes they hold",
  })
  @ApiOkResponse({ type: UserFactorsDto })
  @ApiErrorResponses('validation_failed', 'policy_denied')
  list(
    @Param() params: UserIdParamsDto,
    @CurrentTenant() tenant: TenantContext,
    @CurrentApiKey() key: ApiKeyPrincipal,
    @ClientIp() ip: string,
  ): Promise<UserFactorsDto> {
    return this.management.adminList(tenant, key, params.user_id, ip);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'removeUserFactor',
    summary: "Remove one of a user's factors",
    description:
      'Not subject to keep_last_factor (an administrator may remove the last factor). Removing the last factor also removes the backup codes.',
  })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrorResponses('validation_failed', 'policy_denied', 'not_found')
  async remove(
    @Param() params: UserFactorParamsDto,
    @CurrentTenant() tenant: TenantContext,
    @CurrentApiKey() key: ApiKeyPrincipal,
    @ClientIp() ip: string,
  ): Promise<void> {
    await this.management.adminRemove(tenant, key, params.user_id, params.id, ip);
  }

  @Delete()
  @ApiOperation({
    operationId: 'resetUserFactors',
    summary: "Reset a user's MFA: every factor, backup code, open challenge and pending enrollment is removed",
    description:
      "The answer carries `signals` (all_accepted_credentials now lists none) for the user's browser, so passkey managers stop offering the removed passkeys.",
  })
  @ApiOkResponse({ type: ResetFactorsDto })
  @ApiErrorResponses('validation_failed', 'policy_denied')
  reset(
    @Param() params: UserIdParamsDto,
    @CurrentTenant() tenant: TenantContext,
    @CurrentApiKey() key: ApiKeyPrincipal,
    @ClientIp() ip: string,
  ): Promise<ResetFactorsDto> {
    return this.management.adminReset(tenant, key, params.user_id, ip);
  }
}
