import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length, ValidateNested } from 'class-validator';

export class WebAuthnSettingsDto {
  @ApiProperty({ example: 'example.com', description: 'Relying party id: the registrable domain credentials are scoped to.' })
  @IsString()
  @Length(1, 253)
  rp_id: string;

  @ApiProperty({ example: 'Example' })
  @IsString()
  @Length(1, 100)
  rp_name: string;

  @ApiProperty({ type: [String], example: ['https://app.example.com'], description: 'Origins allowed to run ceremonies (https, or http://localhost).' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  origins: string[];
}

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

export class TenantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['active', 'disabled'] }) status: string;
  @ApiProperty() require_mfa: boolean;
  @ApiProperty({ type: WebAuthnSettingsDto, nullable: true }) webauthn: WebAuthnSettingsDto | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class CreatedTenantDto extends TenantDto {
  @ApiProperty({ description: 'A first tenant-admin API key. Shown once; store it now.' })
  api_key: string;
}
