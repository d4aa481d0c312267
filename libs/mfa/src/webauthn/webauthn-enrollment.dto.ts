import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsObject,
  IsString,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
  type ValidationArguments,
} from 'class-validator';
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { FORBIDDEN_NAME_CHARS } from '#auth';
import { WEBAUTHN_METHOD_TYPES, type WebAuthnMethodType } from '../method-types.js';

@ValidatorConstraint({ name: 'deviceName' })
export class DeviceNameConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const length = [...value].length; // code points, not UTF-16 units
    return length >= 1 && length <= 100 && !FORBIDDEN_NAME_CHARS.test(value);
  }
  defaultMessage(args: ValidationArguments): string {
    return typeof args.value === 'string' && FORBIDDEN_NAME_CHARS.test(args.value)
      ? 'must not contain control or bidirectional-override characters'
      : 'must be 1 to 100 characters after trimming';
  }
}

export class RegistrationOptionsQueryDto {
  @ApiProperty({
    enum: WEBAUTHN_METHOD_TYPES,
    description: 'webauthn_passkey (discoverable, user verification required) or webauthn_fido (security key)',
  })
  @IsDefined()
  @IsIn(WEBAUTHN_METHOD_TYPES)
  method_type: WebAuthnMethodType;
}

@ApiSchema({ name: 'RegistrationCompletion' })
export class CompleteRegistrationDto {
  // Only "an object" here: the seed's own example sends `{}` and expects 404 when nothing is
  // pending. Its members are checked by the verifier, after the pending enrollment is taken.
  @ApiProperty({
    allOf: [{ $ref: '#/components/schemas/RegistrationResponseJSON' }],
    description:
      'The RegistrationResponseJSON produced by the browser (navigator.credentials.create). Its members are verified after the pending enrollment is taken: a malformed credential is 400 verification_failed.',
  })
  @IsDefined()
  @IsObject()
  credential: RegistrationResponseJSON;

  @ApiProperty({ maxLength: 100, example: 'example', description: 'A name the user recognises, 1–100 characters.' })
  @Transform(({ value }) => (typeof value === 'string' ? value.normalize('NFC').trim() : value))
  @IsString()
  @Validate(DeviceNameConstraint)
  device_name: string;

  @ApiProperty({ enum: WEBAUTHN_METHOD_TYPES })
  @IsDefined()
  @IsIn(WEBAUTHN_METHOD_TYPES)
  method_type: WebAuthnMethodType;
}

@ApiSchema({ name: 'RegistrationOptions' })
export class RegistrationOptionsDto {
  @ApiProperty({
    allOf: [{ $ref: '#/components/schemas/PublicKeyCredentialCreationOptionsJSON' }],
    description:
      'PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create (or @simplewebauthn/browser startRegistration).',
  })
  options: PublicKeyCredentialCreationOptionsJSON;
}

@ApiSchema({ name: 'BackupCodes' })
export class BackupCodesDto {
  @ApiProperty({
    type: [String],
    description: 'Backup codes issued by this call, shown once (empty when the user already holds unused codes).',
    example: ['example'],
  })
  codes: string[];

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Unused backup codes the user holds now.', example: 10 })
  remaining: number;
}
