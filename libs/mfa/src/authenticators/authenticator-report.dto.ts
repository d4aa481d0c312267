import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'MethodTypeCount' })
export class MethodTypeCountDto {
  @ApiProperty({ enum: ['webauthn_passkey', 'webauthn_fido'] }) method_type: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) count: number;
}

@ApiSchema({ name: 'ModelCount' })
export class ModelCountDto {
  @ApiProperty({ description: 'AAGUID of the model (all zeros for FIDO U2F keys and Apple attestation)' })
  aaguid: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The model name (FIDO metadata, else the shipped names), null when unknown',
  })
  name: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The compromised status FIDO metadata reports for the model (e.g. REVOKED), null when none',
  })
  model_status: string | null;
  @ApiProperty({ type: 'integer', minimum: 0 }) count: number;
}

@ApiSchema({ name: 'CertificationLevelCount' })
export class CertificationLevelCountDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Latest FIDO certification status, e.g. FIDO_CERTIFIED_L1; null when metadata does not know the model',
  })
  certification_level: string | null;
  @ApiProperty({ type: 'integer', minimum: 0 }) count: number;
}

@ApiSchema({ name: 'AttestationCounts' })
export class AttestationCountsDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Attestation chained to a root FIDO metadata lists for the model',
  })
  trusted: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) untrusted: number;
}

@ApiSchema({ name: 'BackupCounts' })
export class BackupCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Not backed up (BS flag off at the last use)' })
  device_bound: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Backed up to a cloud keychain (BS flag on)' })
  synced: number;
}

@ApiSchema({ name: 'CompromisedCredential' })
export class CompromisedCredentialDto {
  @ApiProperty({ format: 'uuid' }) factor_id: string;
  @ApiProperty() user_id: string;
  @ApiProperty({ enum: ['webauthn_passkey', 'webauthn_fido'] }) method_type: string;
  @ApiProperty() aaguid: string;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({ example: 'ATTESTATION_KEY_COMPROMISE' }) model_status: string;
  @ApiProperty() device_name: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) last_used_at: string | null;
}

@ApiSchema({ name: 'AuthenticatorReport' })
export class AuthenticatorReportDto {
  @ApiProperty({ format: 'date-time' }) generated_at: string;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    nullable: true,
    description: 'Serial (no) of the FIDO metadata BLOB this node holds; null without one',
  })
  metadata_blob_no: number | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'WebAuthn credentials in the tenant' }) total: number;
  @ApiProperty({ type: [MethodTypeCountDto] }) by_method_type: MethodTypeCountDto[];
  @ApiProperty({ type: [ModelCountDto], description: 'Most common first' }) by_model: ModelCountDto[];
  @ApiProperty({ type: [CertificationLevelCountDto] }) by_certification_level: CertificationLevelCountDto[];
  @ApiProperty({ type: AttestationCountsDto }) attestation: AttestationCountsDto;
  @ApiProperty({ type: BackupCountsDto }) backup: BackupCountsDto;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Credentials of a model FIDO metadata reports compromised' })
  compromised_total: number;
  @ApiProperty({ type: [CompromisedCredentialDto], description: 'Those credentials, oldest first (at most 1000)' })
  compromised: CompromisedCredentialDto[];
}
