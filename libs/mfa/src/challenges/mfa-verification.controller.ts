import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '#errors';
import { ClientIp, Public } from '#auth';
import { Metrics } from '#observability';
import { OptionalTenantHeader } from './optional-tenant-header.decorator.js';
import { BeginWebAuthnAuthentication } from './begin-webauthn-authentication.usecase.js';
import { CompleteWithWebAuthn } from './complete-with-webauthn.usecase.js';
import { CompleteWithTotp } from './complete-with-totp.usecase.js';
import { CompleteWithBackupCode } from './complete-with-backup-code.usecase.js';
import {
  AuthenticationOptionsDto,
  BackupCodeCompleteDto,
  BackupCodeTokenDto,
  ChallengeIdDto,
  MfaTokenDto,
  TotpCompleteDto,
  WebAuthnCompleteDto,
} from './challenges.dto.js';

const COMPLETE_ERRORS = [
  'validation_failed',
  'invalid_json',
  'invalid_tenant_header',
  'mfa_failed',
  'policy_denied',
  'not_found',
  'rate_limited',
  'unsupported_media_type',
  'payload_too_large',
  'service_unavailable',
] as const;

/**
 * Completing an MFA challenge. No bearer: the challenge id is the capability, bound to its tenant
 * and user. Every wrong answer is the same 401 mfa_failed; unknown, foreign, expired, used and
 * dead (5 failures) challenges are the same 404.
 */
@ApiTags('mfa challenges')
@Controller('v1/auth/mfa')
@Public()
@ApiHeader({
  name: 'X-Tenant-ID',
  required: false,
  description: "Optional. When sent it must be the challenge's tenant, otherwise the challenge is not found (404).",
  schema: { type: 'string', format: 'uuid' },
})
export class MfaVerificationController {
  constructor(
    private readonly beginWebAuthn: BeginWebAuthnAuthentication,
    private readonly completeWithWebAuthn: CompleteWithWebAuthn,
    private readonly completeWithTotp: CompleteWithTotp,
    private readonly completeWithBackupCode: CompleteWithBackupCode,
    private readonly metrics: Metrics,
  ) {}

  @Post('webauthn/begin')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'beginWebAuthnAuthentication',
    summary: 'WebAuthn request options for a challenge (a later call replaces the earlier options)',
  })
  @ApiOkResponse({ type: AuthenticationOptionsDto })
  @ApiErrorResponses(
    'validation_failed',
    'invalid_json',
    'invalid_tenant_header',
    'not_found',
    'not_implemented',
    'unsupported_media_type',
    'payload_too_large',
    'service_unavailable',
  )
  async begin(
    @Body() body: ChallengeIdDto,
    @OptionalTenantHeader() tenantHeader?: string,
  ): Promise<AuthenticationOptionsDto> {
    return {
      options: {
        ...(await this.metrics.ceremony('authentication', 'webauthn', 'start', () =>
          this.beginWebAuthn.execute({ challengeId: body.challenge_id, tenantHeader }),
        )),
      },
    };
  }

  @Post('webauthn/complete')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'completeWebAuthnAuthentication',
    summary: 'Complete a challenge with a WebAuthn assertion',
    description:
      'Verifies the assertion against the options of the latest begin (challenge, origin, rp id, user presence; user verification for passkeys), refuses a signature counter that did not advance (audited as factor.counter_regression; authenticators that always report 0 are fine), refuses a ceremony run in a cross-origin frame (crossOrigin: true or a topOrigin) unless the tenant lists its top origin in allowed_top_origins (400 verification_failed, details.reason "cross_origin"), authorizes verify_factor, updates the counter and last_used_at, and returns the MFA token.',
  })
  @ApiOkResponse({ type: MfaTokenDto })
  @ApiErrorResponses(...COMPLETE_ERRORS, 'not_implemented', 'verification_failed')
  completeWebAuthn(
    @Body() body: WebAuthnCompleteDto,
    @ClientIp() ip: string,
    @OptionalTenantHeader() tenantHeader?: string,
  ): Promise<MfaTokenDto> {
    return this.metrics.verification('webauthn', 'finish', () =>
      this.completeWithWebAuthn.execute({
        challengeId: body.challenge_id,
        tenantHeader,
        credential: body.credential,
        ip,
      }),
    );
  }

  @Post('totp/complete')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'completeTotpAuthentication',
    summary: 'Complete a challenge with a TOTP code',
    description: 'A code of the current step or one step either side, never one already accepted for this factor.',
  })
  @ApiOkResponse({ type: MfaTokenDto })
  @ApiErrorResponses(...COMPLETE_ERRORS)
  completeTotp(
    @Body() body: TotpCompleteDto,
    @ClientIp() ip: string,
    @OptionalTenantHeader() tenantHeader?: string,
  ): Promise<MfaTokenDto> {
    return this.metrics.verification('totp', 'answer', () =>
      this.completeWithTotp.execute({ challengeId: body.challenge_id, tenantHeader, code: body.code, ip }),
    );
  }

  @Post('backup-codes/complete')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'completeBackupCodeAuthentication',
    summary: 'Complete a challenge with a backup code',
    description: 'Each code works once, also under concurrent redemption.',
  })
  @ApiOkResponse({ type: BackupCodeTokenDto })
  @ApiErrorResponses(...COMPLETE_ERRORS)
  completeBackupCode(
    @Body() body: BackupCodeCompleteDto,
    @ClientIp() ip: string,
    @OptionalTenantHeader() tenantHeader?: string,
  ): Promise<BackupCodeTokenDto> {
    return this.metrics.verification('backup_code', 'answer', () =>
      this.completeWithBackupCode.execute({ challengeId: body.challenge_id, tenantHeader, code: body.code, ip }),
    );
  }
}
