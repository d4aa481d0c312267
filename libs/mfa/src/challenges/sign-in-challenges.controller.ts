import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../../../errors/src/index.js';
import { AdminRoute, ApiAdminRoute, CurrentApiKey, CurrentTenant, type ApiKeyPrincipal, type TenantContext } from '../../../auth/src/index.js';
import { ChallengesService } from './challenges.service.js';
import { ChallengeDto, OpenSignInChallengeDto } from './challenges.dto.js';

@ApiTags('mfa challenges')
@Controller('v1/mfa/challenges')
@AdminRoute()
@ApiAdminRoute()
export class SignInChallengesController {
  constructor(private readonly challenges: ChallengesService) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'openSignInChallenge',
    summary: 'Open a sign-in MFA challenge for a user (trusted service, tenant API key)',
    description: 'The challenge id is the capability: hand it to the user\'s client, which completes it under /v1/auth/mfa without a bearer. 5-minute expiry, one success, dead after 5 wrong answers.',
  })
  @ApiCreatedResponse({ type: ChallengeDto })
  @ApiErrorResponses('validation_failed', 'invalid_json', 'rate_limited', 'unsupported_media_type', 'payload_too_large')
  open(@Body() body: OpenSignInChallengeDto, @CurrentTenant() tenant: TenantContext, @CurrentApiKey() key: ApiKeyPrincipal): Promise<ChallengeDto> {
    return this.challenges.open(tenant, body.user_id, 'sign_in', key);
  }
}
