import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsObject, IsString, IsUUID, Length, Matches, MaxLength, Validate, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { CHALLENGE_METHODS, type ChallengeMethod } from './challenge-rules.js';

/** User ids are the subject of the tenant's tokens: any printable text up to 255 characters. */
export const USER_ID_PATTERN = /^[^\p{Cc}\u2028\u2029]{1,255}$/u;

@ApiSchema({ name: 'NewSignInChallenge' })
export class OpenSignInChallengeDto {
  @ApiProperty({ maxLength: 255, example: 'user-123', description: 'The user signing in: the subject (`sub`) of their tokens in this tenant.' })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'must be 1 to 255 characters without control characters' })
  user_id: string;
}

@ApiSchema({ name: 'Challenge' })
export class ChallengeDto {
  @ApiProperty({ format: 'uuid', description: 'The capability that completes the challenge: give it only to the user being verified.' })
  challenge_id: string;

  @ApiProperty({ format: 'date-time', description: 'The challenge expires 5 minutes after it was opened.' })
  expires_at: string;

  @ApiProperty({ enum: CHALLENGE_METHODS, isArray: true, description: 'What the user can complete it with now (verified factors; backup_code when unused codes remain). Empty when the user has no factor.' })
  methods: ChallengeMethod[];
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
    [typeof c?.id === 'string' && (c.id as string).length > 0 && (c.id as string).length <= 1400, 'id must be a base64url string'],
    [typeof c?.rawId === 'string', 'rawId must be a base64url string'],
    [c?.type === 'public-key', 'type must be "public-key"'],
    [typeof r === 'object' && r !== null && !Array.isArray(r), 'response must be an object'],
    [typeof r?.clientDataJSON === 'string', 'response.clientDataJSON must be a base64url string'],
    [typeof r?.authenticatorData === 'string', 'response.authenticatorData must be a base64url string'],
    [typeof r?.signature === 'string', 'response.signature must be a base64url string'],
    [r?.userHandle === undefined || r?.userHandle === null || typeof r?.userHandle === 'string', 'response.userHandle must be a base64url string'],
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
    description: 'The AuthenticationResponseJSON produced by the browser (navigator.credentials.get, or @simplewebauthn/browser startAuthentication).',
  })
  @IsDefined()
  @IsObject()
  @Validate(AuthenticationResponseConstraint)
  credential: AuthenticationResponseJSON;
}

@ApiSchema({ name: 'TotpChallengeAnswer' })
export class TotpCompleteDto extends ChallengeIdDto {
  @ApiProperty({ example: '123456', description: 'The 6-digit code of the authenticator app (spaces ignored).' })
  @Transform(({ value }) => (typeof value === 'string' ? value.replace(/\s/g, '') : value))
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be 6 digits' })
  code: string;
}

@ApiSchema({ name: 'BackupCodeChallengeAnswer' })
export class BackupCodeCompleteDto extends ChallengeIdDto {
  @ApiProperty({ example: 'abcd-efgh-jkmn-p', description: 'One unused backup code; case, spaces and hyphens do not matter.' })
  @IsString()
  @Length(1, 64)
  @MaxLength(64)
  code: string;
}

@ApiSchema({ name: 'AuthenticationOptions' })
export class AuthenticationOptionsDto {
  @ApiProperty({ allOf: [{ $ref: '#/components/schemas/PublicKeyCredentialRequestOptionsJSON' }], description: 'PublicKeyCredentialRequestOptionsJSON for navigator.credentials.get (or @simplewebauthn/browser startAuthentication): the user\'s credentials in allowCredentials; userVerification "required" when all of them are passkeys, else "preferred" (passkeys must still verify the user).' })
  options: Record<string, unknown>;
}

@ApiSchema({ name: 'MfaToken' })
export class MfaTokenDto {
  @ApiProperty({
    description:
      'ES256 JWT signed by Tessera (verify with /.well-known/jwks.json). Claims: sub, the tenant claim, iss, aud (when configured), iat, nbf, exp (5 minutes), jti, auth_time, ' +
      'amr (["hwk"] a device-bound security key or passkey whose attestation is trusted through FIDO metadata, ["swk"] any other WebAuthn credential, ["otp"] TOTP, ["kba"] backup code), acr ("phrh" with hwk, "phr" with swk, "mfa"), method_type, purpose (sign_in | step_up), challenge_id.',
  })
  token: string;

  @ApiProperty({ format: 'date-time' })
  expires_at: string;

  @ApiProperty({ enum: CHALLENGE_METHODS, description: 'How the challenge was completed.' })
  method_type: ChallengeMethod;

  @ApiProperty({ type: [String], example: ['hwk'], description: 'The amr claim of the token.' })
  amr: string[];
}

@ApiSchema({ name: 'BackupCodeMfaToken' })
export class BackupCodeTokenDto extends MfaTokenDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Unused backup codes left after this one.', example: 9 })
  backup_codes_remaining: number;
}
