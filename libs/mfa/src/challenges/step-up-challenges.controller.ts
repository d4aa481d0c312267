import { Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiUserRoute, CurrentTenant, CurrentUser, UserRoute, type TenantContext, type UserPrincipal } from '../../../auth/src/index.js';
import { ChallengesService } from './challenges.service.js';
import { ChallengeDto } from './challenges.dto.js';

@ApiTags('mfa challenges')
@Controller('v1/users/me/mfa/challenges')
@UserRoute()
@ApiUserRoute()
export class StepUpChallengesController {
  constructor(private readonly challenges: ChallengesService) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'openStepUpChallenge',
    summary: 'Open a step-up MFA challenge for yourself',
    description: 'Completed under /v1/auth/mfa like a sign-in challenge; the resulting token has purpose "step_up". The roles and amr of this bearer are what verify_factor decisions see.',
  })
  @ApiCreatedResponse({ type: ChallengeDto })
  open(@CurrentTenant() tenant: TenantContext, @CurrentUser() user: UserPrincipal): Promise<ChallengeDto> {
    return this.challenges.open(tenant, user.userId, 'step_up', user);
  }
}
