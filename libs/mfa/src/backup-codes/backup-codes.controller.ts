import { Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
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
import { BackupCodesService } from './backup-codes.service.js';
import { BackupCodesDto, BackupCodesRemainingDto } from './backup-codes.dto.js';

@ApiTags('backup codes')
@Controller('v1/users/me/mfa/backup-codes')
@UserRoute()
@ApiUserRoute()
export class BackupCodesController {
  constructor(private readonly backupCodes: BackupCodesService) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'regenerateBackupCodes',
    summary: 'Regenerate backup codes: every earlier code stops working. The codes are shown once.',
  })
  @ApiOkResponse({ type: BackupCodesDto })
  @ApiErrorResponses('policy_denied', 'step_up_required')
  @ApiStepUp()
  regenerate(
    @CurrentTenant() tenant: TenantContext,
    @CurrentUser() user: UserPrincipal,
    @ClientIp() ip: string,
  ): Promise<BackupCodesDto> {
    return this.backupCodes.regenerate(tenant, user, ip);
  }

  @Get()
  @ApiOperation({ operationId: 'getRemainingBackupCodes', summary: 'How many unused backup codes the user holds' })
  @ApiOkResponse({ type: BackupCodesRemainingDto })
  async remaining(
    @CurrentTenant() tenant: TenantContext,
    @CurrentUser() user: UserPrincipal,
  ): Promise<BackupCodesRemainingDto> {
    return { remaining: await this.backupCodes.remaining(tenant.id, user.userId) };
  }
}
