import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID, Matches, Validate } from 'class-validator';
import { DeviceNameConstraint, normalizedDeviceName } from '../factors/device-name.constraint.js';

/** For @Transform: a TOTP code as typed, spaces ignored ("123 456"). */
export function withoutSpaces({ value }: { value: unknown }): unknown {
  return typeof value === 'string' ? value.replace(/\s/g, '') : value;
}

@ApiSchema({ name: 'NewTotpFactor' })
export class StartTotpDto {
  @ApiPropertyOptional({
    maxLength: 100,
    example: 'Phone',
    description: 'A name the user recognises, 1–100 characters (default "Authenticator app").',
  })
  @IsOptional()
  @Transform(normalizedDeviceName)
  @IsString()
  @Validate(DeviceNameConstraint)
  device_name?: string;
}

@ApiSchema({ name: 'TotpEnrollment' })
export class TotpEnrollmentDto {
  @ApiProperty({ format: 'uuid', description: 'The factor id; unverified until /verify succeeds.' })
  id: string;

  @ApiProperty({
    example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
    description: 'Base32 secret (160 bits), shown once: for manual entry.',
  })
  secret: string;

  @ApiProperty({
    example:
      'otpauth://totp/Acme:user-123?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Acme&algorithm=SHA1&digits=6&period=30',
    description: 'otpauth:// URI for a QR code (SHA-1, 6 digits, 30 s; issuer = the tenant name).',
  })
  qr_uri: string;
}

@ApiSchema({ name: 'TotpVerification' })
export class VerifyTotpDto {
  @ApiProperty({
    example: '123456',
    description: 'The current 6-digit code of the authenticator app (spaces ignored).',
  })
  @Transform(withoutSpaces)
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be 6 digits' })
  code: string;
}

export class TotpIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  id: string;
}
