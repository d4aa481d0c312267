import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsIn, IsObject, IsString, Validate, ValidatorConstraint, type ValidatorConstraintInterface, type ValidationArguments } from 'class-validator';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { WEBAUTHN_METHOD_TYPES, type WebAuthnMethodType } from '../method-types.js';

// C0/C1 controls, line/paragraph separators and the bidi embedding/override/isolate controls.
const FORBIDDEN_NAME_CHARS = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

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

/** Why a value is not a RegistrationResponseJSON, or null when its shape is right. */
function registrationResponseProblem(value: unknown): string | null {
  const c = value as Record<string, unknown> | null;
  const r = c?.response as Record<string, unknown> | undefined;
  const checks: [boolean, string][] = [
    [typeof c?.id === 'string' && (c.id as string).length > 0, 'id must be a base64url string'],
    [typeof c?.rawId === 'string', 'rawId must be a base64url string'],
    [c?.type === 'public-key', 'type must be "public-key"'],
    [typeof r === 'object' && r !== null && !Array.isArray(r), 'response must be an object'],
    [typeof r?.clientDataJSON === 'string', 'response.clientDataJSON must be a base64url string'],
    [typeof r?.attestationObject === 'string', 'response.attestationObject must be a base64url string'],
    [r?.transports === undefined || (Array.isArray(r.transports) && r.transports.every((t) => typeof t === 'string')), 'response.transports must be an array of strings'],
  ];
  return checks.find(([ok]) => !ok)?.[1] ?? null;
}

@ValidatorConstraint({ name: 'registrationResponse' })
class RegistrationResponseConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return registrationResponseProblem(value) === null;
  }
  defaultMessage(args: ValidationArguments): string {
    return `must be a RegistrationResponseJSON: ${registrationResponseProblem(args.value) ?? 'invalid'}`;
  }
}

export class RegistrationOptionsQueryDto {
  @ApiProperty({ enum: WEBAUTHN_METHOD_TYPES, description: 'webauthn_passkey (discoverable, user verification required) or webauthn_fido (security key)' })
  @IsDefined()
  @IsIn(WEBAUTHN_METHOD_TYPES)
  method_type: WebAuthnMethodType;
}

export class CompleteRegistrationDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The RegistrationResponseJSON produced by the browser (navigator.credentials.create).' })
  @IsDefined()
  @IsObject()
  @Validate(RegistrationResponseConstraint)
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

export class RegistrationOptionsDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create (or @simplewebauthn/browser startRegistration).' })
  options: Record<string, unknown>;
}

export class BackupCodesDto {
  @ApiProperty({ type: [String], description: 'Backup codes issued by this call, shown once (empty when the user already holds unused codes).', example: ['example'] })
  codes: string[];

  @ApiProperty({ description: 'Unused backup codes the user holds now.', example: 1 })
  remaining: number;
}
