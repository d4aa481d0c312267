import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsIn, IsObject, IsString, Validate } from 'class-validator';
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { WEBAUTHN_METHOD_TYPES, type WebAuthnMethodType } from '../shared/method-types.js';
import { DeviceNameConstraint, normalizedDeviceName } from '../factors/device-name.constraint.js';

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
  @Transform(normalizedDeviceName)
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
