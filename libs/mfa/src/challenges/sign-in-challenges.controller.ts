import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '#errors';
import {
  AdminRoute,
  ApiAdminRoute,
  CurrentApiKey,
  CurrentTenant,
  type ApiKeyPrincipal,
  type TenantContext,
} from '#auth';
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
    summary:
      'Open a sign-in MFA challenge for a user, or a usernameless passkey sign-in (trusted service, tenant API key)',
    description:
      "The challenge id is the capability: hand it to the user's client, which completes it under /v1/auth/mfa without a bearer. 5-minute expiry (sooner with max_age), one success, dead after 5 wrong answers. " +
      'Without user_id the challenge is a usernameless (discoverable) passkey sign-in: user_id null, methods ["webauthn_passkey"]; the assertion\'s user handle and credential id name the user within this tenant ' +
      '(501 not_implemented when the tenant has no WebAuthn settings). With acr_values only the factors that can meet them are offered; none → 403 step_up_unavailable.',
  })
  @ApiCreatedResponse({ type: ChallengeDto })
  @ApiErrorResponses(
    'validation_failed',
    'invalid_json',
    'step_up_unavailable',
    'rate_limited',
    'unsupported_media_type',
    'payload_too_large',
    'not_implemented',
  )
  open(
    @Body() body: OpenSignInChallengeDto,
    @CurrentTenant() tenant: TenantContext,
    @CurrentApiKey() key: ApiKeyPrincipal,
  ): Promise<ChallengeDto> {
    return this.challenges.open(
      tenant,
      { userId: body.user_id ?? null, purpose: 'sign_in', acrValues: body.acr_values, maxAge: body.max_age },
      key,
    );
  }
}
