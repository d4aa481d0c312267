import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, IsUUID, Matches, Validate } from 'class-validator';
import { DeviceNameConstraint } from '../webauthn/webauthn-enrollment.dto.js';
import { USER_ID_PATTERN } from '../challenges/challenges.dto.js';

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
  @ApiProperty({ description: 'false for a TOTP factor whose first code has not been confirmed yet' }) verified: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ type: AuthenticatorInfoDto, nullable: true, description: 'WebAuthn factors only' }) authenticator: AuthenticatorInfoDto | null;
}

@ApiSchema({ name: 'FactorList' })
export class FactorListDto {
  @ApiProperty({ type: [FactorDto] }) methods: FactorDto[];
}

@ApiSchema({ name: 'UserFactors' })
export class UserFactorsDto extends FactorListDto {
  @ApiProperty() user_id: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Unused backup codes the user holds.' }) backup_codes_remaining: number;
}

@ApiSchema({ name: 'FactorReset' })
export class ResetFactorsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'WebAuthn and TOTP factors removed.' }) removed_factors: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Backup codes removed (used ones included).' }) removed_backup_codes: number;
}

@ApiSchema({ name: 'FactorRename' })
export class RenameFactorDto {
  @ApiProperty({ maxLength: 100, example: 'Work laptop', description: 'A name the user recognises, 1–100 characters.' })
  @Transform(({ value }) => (typeof value === 'string' ? value.normalize('NFC').trim() : value))
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
  @ApiProperty({ description: 'The user (token subject). "me" is not addressable here: it names the caller on user routes.' })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'must be 1 to 255 characters without control characters' })
  user_id: string;
}

export class UserFactorParamsDto extends UserIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  id: string;
}
