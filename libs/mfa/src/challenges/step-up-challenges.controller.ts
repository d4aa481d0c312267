import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '#errors';
import { ApiUserRoute, CurrentTenant, CurrentUser, UserRoute, type TenantContext, type UserPrincipal } from '#auth';
import { ChallengesService } from './challenges.service.js';
import { ChallengeDto, OpenStepUpChallengeDto } from './challenges.dto.js';

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
    description:
      'Completed under /v1/auth/mfa like a sign-in challenge; the resulting token has purpose "step_up". The roles and amr of this bearer are what verify_factor decisions see. ' +
      'The body is optional; acr_values and max_age work as for sign-in challenges (none of your factors meets acr_values → 403 step_up_unavailable).',
  })
  @ApiBody({ type: OpenStepUpChallengeDto, required: false })
  @ApiCreatedResponse({ type: ChallengeDto })
  @ApiErrorResponses(
    'validation_failed',
    'invalid_json',
    'step_up_unavailable',
    'rate_limited',
    'unsupported_media_type',
    'payload_too_large',
  )
  open(
    @Body() body: OpenStepUpChallengeDto,
    @CurrentTenant() tenant: TenantContext,
    @CurrentUser() user: UserPrincipal,
  ): Promise<ChallengeDto> {
    return this.challenges.open(
      tenant,
      { userId: user.userId, purpose: 'step_up', acrValues: body?.acr_values, maxAge: body?.max_age },
      user,
    );
  }
}
