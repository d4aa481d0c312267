import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { PageQueryDto } from './page-query.dto.js';

/** Filters plus the shared `?cursor=&limit=` page request. */
export class AuditLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Who acted: a user id, an API key id, "platform" or "cli".', maxLength: 255 })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  actor_id?: string;

  @ApiPropertyOptional({ description: 'e.g. "factor", "policy", "policy_rule", "api_key", "Authenticator".', maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  resource_type?: string;

  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  resource_id?: string;

  @ApiPropertyOptional({ description: 'e.g. "factor.enrolled", "policy.created", "policy_denied".', maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  action?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events at or after this instant (ISO 8601).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events at or before this instant (ISO 8601).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

@ApiSchema({ name: 'AuditEvent' })
export class AuditEventDto {
  @ApiProperty({ format: 'uuid', description: 'UUIDv7: time-ordered.' }) id: string;
  @ApiProperty() actor_id: string;
  @ApiProperty({ enum: ['user', 'api_key', 'platform', 'system'] }) actor_type: string;
  @ApiProperty() action: string;
  @ApiProperty() resource_type: string;
  @ApiProperty({ nullable: true, type: String }) resource_id: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Event details; never secrets. For `policy_denied`: cedar_action, principal, determining_policies.' })
  metadata: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

@ApiSchema({ name: 'AuditEventPage' })
export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] }) data: AuditEventDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
  @ApiProperty() has_more: boolean;
}
