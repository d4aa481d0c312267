import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, IsUUID, Matches, Validate } from 'class-validator';
import { USER_ID_PATTERN } from '../shared/user-id.js';
import { DeviceNameConstraint, normalizedDeviceName } from './device-name.constraint.js';

@ApiSchema({ name: 'AuthenticatorInfo' })
export class AuthenticatorInfoDto {
  @ApiProperty({ description: 'AAGUID of the authenticator model (all zeros when not disclosed)' }) aaguid: string;
  @ApiPropertyOptional({ description: 'Human name of the authenticator model, when known' }) name?: string;
  @ApiProperty({ description: 'The credential is synced (backed up)' }) backed_up: boolean;
}

@ApiSchema({ name: 'Factor' })
export class FactorDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['webauthn_passkey', 'webauthn_fido', 'totp'] }) method_type: string;
  @ApiProperty() device_name: string;
  @ApiProperty({ description: 'false for a TOTP factor whose first code has not been confirmed yet' })
  verified: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ type: AuthenticatorInfoDto, nullable: true, description: 'WebAuthn factors only' })
  authenticator: AuthenticatorInfoDto | null;
}

@ApiSchema({ name: 'AllAcceptedCredentialsSignal' })
export class AllAcceptedCredentialsSignalDto {
  @ApiProperty({ example: 'example.com', description: "The tenant's rp id." }) rp_id: string;
  @ApiProperty({ description: 'The user handle (WebAuthn user.id, base64url) the credentials were registered under.' })
  user_id: string;
  @ApiProperty({
    type: [String],
    description:
      'base64url ids of every WebAuthn credential the user holds in this tenant; a passkey manager may hide or delete others for this user.',
  })
  all_accepted_credential_ids: string[];
}

@ApiSchema({ name: 'CurrentUserDetailsSignal' })
export class CurrentUserDetailsSignalDto {
  @ApiProperty({ example: 'example.com' }) rp_id: string;
  @ApiProperty({ description: 'The user handle (base64url).' }) user_id: string;
  @ApiProperty({ description: 'The user name (AUTH_USER_NAME_CLAIM), at most 64 characters.' }) name: string;
  @ApiProperty({ description: 'The display name (AUTH_DISPLAY_NAME_CLAIM), at most 64 characters.' })
  display_name: string;
}

@ApiSchema({ name: 'CredentialSignals' })
export class CredentialSignalsDto {
  @ApiProperty({
    type: AllAcceptedCredentialsSignalDto,
    description:
      'Arguments for PublicKeyCredential.signalAllAcceptedCredentials({rpId, userId, allAcceptedCredentialIds}).',
  })
  all_accepted_credentials: AllAcceptedCredentialsSignalDto;

  @ApiProperty({
    type: CurrentUserDetailsSignalDto,
    description: 'Arguments for PublicKeyCredential.signalCurrentUserDetails({rpId, userId, name, displayName}).',
  })
  current_user_details: CurrentUserDetailsSignalDto;
}

const SIGNALS_DOC =
  'WebAuthn L3 Signal API payloads for the browser, so passkey managers drop deleted credentials and show current names. ' +
  'Null when the tenant has no WebAuthn settings or the user never registered a WebAuthn credential.';

@ApiSchema({ name: 'FactorList' })
export class FactorListDto {
  @ApiProperty({ type: [FactorDto] }) methods: FactorDto[];
  @ApiProperty({ type: CredentialSignalsDto, nullable: true, description: SIGNALS_DOC })
  signals: CredentialSignalsDto | null;
}

@ApiSchema({ name: 'FactorRemoved' })
export class FactorRemovedDto {
  @ApiProperty({
    type: CredentialSignalsDto,
    nullable: true,
    description: `${SIGNALS_DOC} Sent after the removal: the removed credential is no longer listed.`,
  })
  signals: CredentialSignalsDto | null;
}

@ApiSchema({ name: 'UserFactors' })
export class UserFactorsDto {
  @ApiProperty({ type: [FactorDto] }) methods: FactorDto[];
  @ApiProperty() user_id: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Unused backup codes the user holds.' })
  backup_codes_remaining: number;
}

@ApiSchema({ name: 'FactorReset' })
export class ResetFactorsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'WebAuthn and TOTP factors removed.' })
  removed_factors: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Backup codes removed (used ones included).' })
  removed_backup_codes: number;
  @ApiProperty({
    type: CredentialSignalsDto,
    nullable: true,
    description: `${SIGNALS_DOC} Hand them to the user's browser (no credential is accepted any more); the names are those last seen in the user's bearer token.`,
  })
  signals: CredentialSignalsDto | null;
}

@ApiSchema({ name: 'FactorRename' })
export class RenameFactorDto {
  @ApiProperty({ maxLength: 100, example: 'Work laptop', description: 'A name the user recognises, 1–100 characters.' })
  @Transform(normalizedDeviceName)
  @IsString()
  @Validate(DeviceNameConstraint)
  device_name: string;
}

export class FactorIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  id: string;
}

export class UserIdParamsDto {
  @ApiProperty({
    description: 'The user (token subject). "me" is not addressable here: it names the caller on user routes.',
  })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'must be 1 to 255 characters without control characters' })
  user_id: string;
}

export class UserFactorParamsDto extends UserIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  id: string;
}
