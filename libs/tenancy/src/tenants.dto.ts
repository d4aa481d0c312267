import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import type { AttestationConveyance, PasskeyHint } from '#persistence';
import {
  ATTESTATION_CONVEYANCES,
  DEFAULT_STEP_UP_MAX_AGE_SECONDS,
  MAX_STEP_UP_MAX_AGE_SECONDS,
  MIN_STEP_UP_MAX_AGE_SECONDS,
  DEFAULT_TIMEOUT_MS,
  MAX_RELATED_ORIGIN_LABELS,
  MAX_TIMEOUT_MS,
  MIN_TIMEOUT_MS,
  PASSKEY_HINTS,
  WEBAUTHN_ALGORITHMS,
} from './webauthn-settings.js';

@ApiSchema({ name: 'AttestationConveyance' })
export class AttestationConveyanceDto {
  @ApiPropertyOptional({
    enum: ATTESTATION_CONVEYANCES,
    default: 'none',
    description: 'Attestation requested when a passkey is enrolled.',
  })
  @IsOptional()
  @IsIn(ATTESTATION_CONVEYANCES)
  webauthn_passkey?: AttestationConveyance;

  @ApiPropertyOptional({
    enum: ATTESTATION_CONVEYANCES,
    default: 'direct',
    description: 'Attestation requested when a security key is enrolled.',
  })
  @IsOptional()
  @IsIn(ATTESTATION_CONVEYANCES)
  webauthn_fido?: AttestationConveyance;
}

const ORIGINS_DOC =
  'Origins allowed to run ceremonies: https (http only for localhost) on the rp id or its subdomains, and Android app origins ' +
  '`android:apk-key-hash:<base64url SHA-256 of the signing certificate, 43 characters>`, accepted as clientDataJSON.origin at registration and sign-in. ' +
  'iOS apps use associated domains, i.e. their https origin.';

const HINTS_PASSKEY_DOC =
  "WebAuthn L3 `hints` sent with passkey registration and sign-in options, in order of preference: `client-device` (this device's platform " +
  'authenticator) and/or `hybrid` (a phone, by QR code). Empty (the default) sends none. Security-key ceremonies always hint `security-key`.';
const STEP_UP_MAX_AGE_DOC =
  'How old, in seconds, the proof of an existing factor may be when a user who has MFA adds, removes or regenerates factors ' +
  "(an X-MFA-Token from a completed challenge, or the bearer token's amr and auth_time).";

/** `step_up_max_age_seconds` as an optional input field (create and PATCH). */
function StepUpMaxAgeProperty() {
  return applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      minimum: MIN_STEP_UP_MAX_AGE_SECONDS,
      maximum: MAX_STEP_UP_MAX_AGE_SECONDS,
      default: DEFAULT_STEP_UP_MAX_AGE_SECONDS,
      description: STEP_UP_MAX_AGE_DOC,
    }),
    IsOptional(),
    IsInt(),
    Min(MIN_STEP_UP_MAX_AGE_SECONDS),
    Max(MAX_STEP_UP_MAX_AGE_SECONDS),
  );
}

const RELATED_ORIGINS_DOC =
  'Origins on other sites (https). Browsers accept them only because https://<rp_id>/.well-known/webauthn lists them, which Tessera serves ' +
  `when that host is routed to it; all origins together may span at most ${MAX_RELATED_ORIGIN_LABELS} registrable-domain labels.`;
const TOP_ORIGINS_DOC =
  'Top-level origins (https, or http://localhost) that may embed a ceremony in a cross-origin iframe. A ceremony whose clientDataJSON has ' +
  'crossOrigin: true or any topOrigin is refused (400 verification_failed, details.reason "cross_origin") unless its topOrigin is listed here. Default: none.';

/** An optional list of up to 20 origins (checked as origins by validateWebAuthnSettings). */
function OptionalOriginList(description: string, example?: string[]) {
  return applyDecorators(
    ApiPropertyOptional({ type: [String], ...(example ? { example } : {}), description }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(20),
    IsString({ each: true }),
  );
}

@ApiSchema({ name: 'WebAuthnSettings' })
export class WebAuthnSettingsDto {
  @ApiProperty({
    example: 'example.com',
    description: 'Relying party id: the registrable domain credentials are scoped to.',
  })
  @IsString()
  @Length(1, 253)
  rp_id: string;

  @ApiProperty({ example: 'Example' })
  @IsString()
  @Length(1, 100)
  rp_name: string;

  @ApiProperty({ type: [String], example: ['https://app.example.com'], description: ORIGINS_DOC })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  origins: string[];

  @OptionalOriginList(RELATED_ORIGINS_DOC, ['https://example.co.uk'])
  related_origins?: string[];

  @OptionalOriginList(TOP_ORIGINS_DOC, ['https://portal.example.net'])
  allowed_top_origins?: string[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: MIN_TIMEOUT_MS,
    maximum: MAX_TIMEOUT_MS,
    default: DEFAULT_TIMEOUT_MS,
    description: 'Ceremony timeout in milliseconds.',
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_TIMEOUT_MS)
  @Max(MAX_TIMEOUT_MS)
  timeout_ms?: number;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'integer', enum: [...WEBAUTHN_ALGORITHMS] },
    minItems: 1,
    maxItems: 3,
    example: [...WEBAUTHN_ALGORITHMS],
    description: 'COSE algorithms offered, in order of preference: -7 ES256, -8 EdDSA, -257 RS256.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @IsIn(WEBAUTHN_ALGORITHMS, { each: true })
  algorithms?: number[];

  @ApiPropertyOptional({ type: AttestationConveyanceDto, description: 'Attestation conveyance per method type.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => AttestationConveyanceDto)
  attestation?: AttestationConveyanceDto;

  @ApiPropertyOptional({ enum: PASSKEY_HINTS, isArray: true, default: [], description: HINTS_PASSKEY_DOC })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2)
  @IsIn(PASSKEY_HINTS, { each: true })
  hints_passkey?: PasskeyHint[];
  @StepUpMaxAgeProperty()
  step_up_max_age_seconds?: number;
}

/** PATCH /v1/tenants/{id}/webauthn: the fields to change. */
@ApiSchema({ name: 'WebAuthnSettingsUpdate' })
export class PatchWebAuthnSettingsDto {
  @ApiPropertyOptional({ example: 'example.com' })
  @IsOptional()
  @IsString()
  @Length(1, 253)
  rp_id?: string;

  @ApiPropertyOptional({ example: 'Example' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  rp_name?: string;

  @ApiPropertyOptional({ type: [String], example: ['https://app.example.com'], description: ORIGINS_DOC })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  origins?: string[];

  @OptionalOriginList(RELATED_ORIGINS_DOC)
  related_origins?: string[];

  @OptionalOriginList(TOP_ORIGINS_DOC, ['https://portal.example.net'])
  allowed_top_origins?: string[];

  @ApiPropertyOptional({ type: 'integer', minimum: MIN_TIMEOUT_MS, maximum: MAX_TIMEOUT_MS })
  @IsOptional()
  @IsInt()
  @Min(MIN_TIMEOUT_MS)
  @Max(MAX_TIMEOUT_MS)
  timeout_ms?: number;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'integer', enum: [...WEBAUTHN_ALGORITHMS] },
    minItems: 1,
    maxItems: 3,
    example: [...WEBAUTHN_ALGORITHMS],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @IsIn(WEBAUTHN_ALGORITHMS, { each: true })
  algorithms?: number[];

  @ApiPropertyOptional({ type: AttestationConveyanceDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AttestationConveyanceDto)
  attestation?: AttestationConveyanceDto;

  @ApiPropertyOptional({ enum: PASSKEY_HINTS, isArray: true, default: [], description: HINTS_PASSKEY_DOC })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2)
  @IsIn(PASSKEY_HINTS, { each: true })
  hints_passkey?: PasskeyHint[];
  @StepUpMaxAgeProperty()
  step_up_max_age_seconds?: number;
}

@ApiSchema({ name: 'EffectiveAttestation' })
class EffectiveAttestationDto {
  @ApiProperty({ enum: ATTESTATION_CONVEYANCES }) webauthn_passkey: AttestationConveyance;
  @ApiProperty({ enum: ATTESTATION_CONVEYANCES }) webauthn_fido: AttestationConveyance;
}

/** The WebAuthn settings in force, defaults filled in. */
@ApiSchema({ name: 'EffectiveWebAuthnSettings' })
export class EffectiveWebAuthnSettingsDto {
  @ApiProperty() rp_id: string;
  @ApiProperty() rp_name: string;
  @ApiProperty({ type: [String] }) origins: string[];
  @ApiProperty({ type: [String], description: RELATED_ORIGINS_DOC }) related_origins: string[];
  @ApiProperty({ type: [String], description: TOP_ORIGINS_DOC }) allowed_top_origins: string[];
  @ApiProperty({ type: 'integer', minimum: MIN_TIMEOUT_MS, maximum: MAX_TIMEOUT_MS }) timeout_ms: number;
  @ApiProperty({ type: 'array', items: { type: 'integer', enum: [...WEBAUTHN_ALGORITHMS] } }) algorithms: number[];
  @ApiProperty({ type: EffectiveAttestationDto }) attestation: EffectiveAttestationDto;
  @ApiProperty({ enum: PASSKEY_HINTS, isArray: true, description: HINTS_PASSKEY_DOC }) hints_passkey: PasskeyHint[];
  @ApiProperty({
    type: 'integer',
    minimum: MIN_STEP_UP_MAX_AGE_SECONDS,
    maximum: MAX_STEP_UP_MAX_AGE_SECONDS,
    description: STEP_UP_MAX_AGE_DOC,
  })
  step_up_max_age_seconds: number;
}

/** GET /.well-known/webauthn (WebAuthn Related Origin Requests). */
@ApiSchema({ name: 'RelatedOrigins' })
export class RelatedOriginsDto {
  @ApiProperty({ type: [String], example: ['https://app.example.com', 'https://example.co.uk'] }) origins: string[];
}

@ApiSchema({ name: 'NewTenant' })
export class CreateTenantDto {
  @ApiProperty({ example: 'Acme Corp' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ description: 'Choose the tenant id (a UUID); generated when absent.' })
  @IsOptional()
  @IsUUID('all')
  id?: string;

  @ApiPropertyOptional({ type: WebAuthnSettingsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => WebAuthnSettingsDto)
  webauthn?: WebAuthnSettingsDto;

  @ApiPropertyOptional({ description: 'Users may not remove their last factor.' })
  @IsOptional()
  @IsBoolean()
  require_mfa?: boolean;
}

@ApiSchema({ name: 'TenantUpdate' })
export class UpdateTenantDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';

  @ApiPropertyOptional({ type: WebAuthnSettingsDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => WebAuthnSettingsDto)
  webauthn?: WebAuthnSettingsDto | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  require_mfa?: boolean;
}

@ApiSchema({ name: 'Tenant' })
export class TenantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['active', 'disabled'] }) status: string;
  @ApiProperty() require_mfa: boolean;
  @ApiProperty({ type: WebAuthnSettingsDto, nullable: true }) webauthn: WebAuthnSettingsDto | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

@ApiSchema({ name: 'TenantPage' })
export class TenantPageDto {
  @ApiProperty({ type: [TenantDto] }) data: TenantDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next page; null on the last page.',
  })
  next_cursor: string | null;
  @ApiProperty() has_more: boolean;
}

@ApiSchema({ name: 'CreatedTenant' })
export class CreatedTenantDto extends TenantDto {
  @ApiProperty({ description: 'A first tenant-admin API key. Shown once; store it now.' })
  api_key: string;
}
