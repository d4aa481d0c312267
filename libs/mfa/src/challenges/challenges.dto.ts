import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { ACR_VALUES, type Acr } from '../shared/acr-rules.js';
import { CHALLENGE_METHODS, type ChallengeMethod } from '../shared/method-types.js';
import { USER_ID_PATTERN } from '../shared/user-id.js';
import { withoutSpaces } from '../totp/totp.dto.js';
import { MAX_CHALLENGE_MAX_AGE_SECONDS } from './challenge-rules.js';

const ACR_VALUES_DOC =
  'Optional. The strength the proof must have, in order of preference, among the acr values of MFA tokens: "phrh" (an attested, device-bound hardware key: ' +
  'a security key or device-bound passkey whose attestation FIDO metadata trusts), "phr" (a passkey, or a security key that verifies the user), "mfa" (any factor). ' +
  'A stronger proof meets a weaker value. The challenge offers only the factors that can meet one of them (methods, and allowCredentials at begin); ' +
  'none → 403 step_up_unavailable. Cedar sees them as context.requested_acr at verify_factor; the token carries them as acr_values.';

const MAX_AGE_DOC =
  'Optional. Seconds (1 to 86400): the longest time between opening the challenge and the proof that completes it. The challenge expires at ' +
  "min(5 minutes, max_age) after it was opened, so a proof made later is refused like any expired challenge (404) and the token's auth_time " +
  '(the moment of the proof) is never more than max_age after the challenge was opened. The token carries max_age, so a gateway can also check ' +
  'auth_time + max_age >= now when the token arrives.';

/** acr_values and max_age, shared by the two routes that open challenges. */
export class ChallengeStrengthDto {
  @ApiPropertyOptional({ enum: ACR_VALUES, isArray: true, example: ['phrh'], description: ACR_VALUES_DOC })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ACR_VALUES.length)
  @ArrayUnique()
  @IsIn(ACR_VALUES, { each: true })
  acr_values?: Acr[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_CHALLENGE_MAX_AGE_SECONDS,
    example: 120,
    description: MAX_AGE_DOC,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_CHALLENGE_MAX_AGE_SECONDS)
  max_age?: number;
}

@ApiSchema({ name: 'NewSignInChallenge' })
export class OpenSignInChallengeDto extends ChallengeStrengthDto {
  @ApiPropertyOptional({
    maxLength: 255,
    example: 'user-123',
    description:
      'The user signing in: the subject (`sub`) of their tokens in this tenant. Omit it for a usernameless (discoverable) passkey sign-in: ' +
      'methods is ["webauthn_passkey"], begin asks for any passkey of this tenant (allowCredentials: []), and the assertion\'s user handle names the user.',
  })
  @IsOptional()
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'must be 1 to 255 characters without control characters' })
  user_id?: string;
}

@ApiSchema({ name: 'NewStepUpChallenge' })
export class OpenStepUpChallengeDto extends ChallengeStrengthDto {}

@ApiSchema({ name: 'Challenge' })
export class ChallengeDto {
  @ApiProperty({
    format: 'uuid',
    description: 'The capability that completes the challenge: give it only to the user being verified.',
  })
  challenge_id: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'user-123',
    description: 'The user the challenge is for; null for a usernameless passkey sign-in (the passkey names the user).',
  })
  user_id: string | null;

  @ApiProperty({
    format: 'date-time',
    description: 'The challenge expires 5 minutes after it was opened (sooner with max_age).',
  })
  expires_at: string;

  @ApiProperty({
    enum: CHALLENGE_METHODS,
    isArray: true,
    description:
      'What the user can complete it with now (verified factors that meet acr_values; backup_code when unused codes remain and "mfa" is acceptable). Empty when the user has no factor and no acr_values were given. ["webauthn_passkey"] for a usernameless challenge.',
  })
  methods: ChallengeMethod[];

  @ApiPropertyOptional({ enum: ACR_VALUES, isArray: true, description: 'The acr_values requested, when any.' })
  acr_values?: Acr[];

  @ApiPropertyOptional({ type: 'integer', description: 'The max_age requested, when any.' })
  max_age?: number;
}

export class UnknownCredentialSignalDto {
  @ApiProperty({ enum: ['unknown_credential'] }) type: 'unknown_credential';
  @ApiProperty({ example: 'example.com' }) rp_id: string;
  @ApiProperty({ description: 'base64url credential id the assertion used.' }) credential_id: string;
}

@ApiSchema({ name: 'ChallengeRef' })
export class ChallengeIdDto {
  @ApiProperty({ format: 'uuid' })
  @IsString()
  @IsUUID('all')
  challenge_id: string;
}

/** Why a value is not an AuthenticationResponseJSON, or null when its shape is right. */
function authenticationResponseProblem(value: unknown): string | null {
  const c = value as Record<string, unknown> | null;
  const r = c?.response as Record<string, unknown> | undefined;
  const checks: [boolean, string][] = [
    [typeof c?.id === 'string' && c.id.length > 0 && c.id.length <= 1400, 'id must be a base64url string'],
    [typeof c?.rawId === 'string', 'rawId must be a base64url string'],
    [c?.type === 'public-key', 'type must be "public-key"'],
    [typeof r === 'object' && r !== null && !Array.isArray(r), 'response must be an object'],
    [typeof r?.clientDataJSON === 'string', 'response.clientDataJSON must be a base64url string'],
    [typeof r?.authenticatorData === 'string', 'response.authenticatorData must be a base64url string'],
    [typeof r?.signature === 'string', 'response.signature must be a base64url string'],
    [
      r?.userHandle === undefined || r?.userHandle === null || typeof r?.userHandle === 'string',
      'response.userHandle must be a base64url string',
    ],
  ];
  return checks.find(([ok]) => !ok)?.[1] ?? null;
}

@ValidatorConstraint({ name: 'authenticationResponse' })
class AuthenticationResponseConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return authenticationResponseProblem(value) === null;
  }
  defaultMessage(args: ValidationArguments): string {
    return `must be an AuthenticationResponseJSON: ${authenticationResponseProblem(args.value) ?? 'invalid'}`;
  }
}

@ApiSchema({ name: 'WebAuthnChallengeAnswer' })
export class WebAuthnCompleteDto extends ChallengeIdDto {
  @ApiProperty({
    allOf: [{ $ref: '#/components/schemas/AuthenticationResponseJSON' }],
    description:
      'The AuthenticationResponseJSON produced by the browser (navigator.credentials.get, or @simplewebauthn/browser startAuthentication).',
  })
  @IsDefined()
  @IsObject()
  @Validate(AuthenticationResponseConstraint)
  credential: AuthenticationResponseJSON;
}

@ApiSchema({ name: 'TotpChallengeAnswer' })
export class TotpCompleteDto extends ChallengeIdDto {
  @ApiProperty({ example: '123456', description: 'The 6-digit code of the authenticator app (spaces ignored).' })
  @Transform(withoutSpaces)
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be 6 digits' })
  code: string;
}

@ApiSchema({ name: 'BackupCodeChallengeAnswer' })
export class BackupCodeCompleteDto extends ChallengeIdDto {
  @ApiProperty({
    example: 'abcd-efgh-jkmn-p',
    description: 'One unused backup code; case, spaces and hyphens do not matter.',
  })
  @IsString()
  @Length(1, 64)
  @MaxLength(64)
  code: string;
}

@ApiSchema({ name: 'AuthenticationOptions' })
export class AuthenticationOptionsDto {
  @ApiProperty({
    allOf: [{ $ref: '#/components/schemas/PublicKeyCredentialRequestOptionsJSON' }],
    description:
      "PublicKeyCredentialRequestOptionsJSON for navigator.credentials.get (or @simplewebauthn/browser startAuthentication): the user's credentials that meet the challenge's " +
      'acr_values in allowCredentials (empty for a usernameless challenge, with userVerification "required"); userVerification "required" when every one of them must verify the ' +
      'user (passkeys, or security keys offered for "phr"), else "preferred". `hints` (WebAuthn L3): ["security-key"] when only security keys are allowed, the tenant\'s ' +
      'hints_passkey when only passkeys are (and for usernameless sign-in), none when both are.',
  })
  options: Record<string, unknown>;
}

@ApiSchema({ name: 'MfaToken' })
export class MfaTokenDto {
  @ApiProperty({
    description:
      'ES256 JWT signed by Tessera (verify with /.well-known/jwks.json). Claims: sub, the tenant claim, iss, aud (when configured), iat, nbf, exp (5 minutes), jti, auth_time, ' +
      'amr (["hwk"] a device-bound security key or passkey whose attestation is trusted through FIDO metadata, ["swk"] any other WebAuthn credential, ["otp"] TOTP, ["kba"] backup code), acr (achieved: "phrh" with hwk, "phr" with swk, "mfa"), ' +
      'acr_values and max_age (as requested, when the challenge had them), method_type, purpose (sign_in | step_up), challenge_id. Sub is the user the challenge resolved to ' +
      '(for a usernameless sign-in, the owner of the passkey).',
  })
  token: string;

  @ApiProperty({ format: 'date-time' })
  expires_at: string;

  @ApiProperty({ enum: CHALLENGE_METHODS, description: 'How the challenge was completed.' })
  method_type: ChallengeMethod;

  @ApiProperty({ type: [String], example: ['hwk'], description: 'The amr claim of the token.' })
  amr: string[];

  @ApiProperty({ enum: ACR_VALUES, description: 'The acr claim of the token: the strength actually achieved.' })
  acr: Acr;
}

@ApiSchema({ name: 'BackupCodeMfaToken' })
export class BackupCodeTokenDto extends MfaTokenDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Unused backup codes left after this one.', example: 9 })
  backup_codes_remaining: number;
}
