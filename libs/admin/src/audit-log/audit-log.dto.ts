import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { EVENT_TYPES } from '#audit';

/** An audit-log page may be larger than other lists: a SIEM pulls in bulk. */
export const MAX_AUDIT_PAGE = 1000;

/** Filters plus a `?cursor=&limit=` page request (limit up to 1000 here). */
export class AuditLogQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_AUDIT_PAGE,
    default: 20,
    description: 'Events per page (1–1000).',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_AUDIT_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor: the `next_cursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cursor?: string;

  @ApiPropertyOptional({ description: 'Who acted: a user id, an API key id, "platform" or "cli".', maxLength: 255 })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  actor_id?: string;

  @ApiPropertyOptional({
    description: 'Lower case, e.g. "factor", "authenticator", "policy", "policy_rule", "api_key", "webhook".',
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  resource_type?: string;

  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  resource_id?: string;

  @ApiPropertyOptional({
    description: 'An event type of the catalogue, e.g. "factor.enrolled", "policy.changed", "policy.denied".',
    maxLength: 64,
  })
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
  @ApiProperty({ enum: EVENT_TYPES, description: 'The event type (the same catalogue as webhooks).' }) action: string;
  @ApiProperty() resource_type: string;
  @ApiProperty({ nullable: true, type: String }) resource_id: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Event details; never secrets. For `policy.denied`: cedar_action, principal, determining_policies; for `policy.changed`: change.',
  })
  metadata: Record<string, unknown>;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'X-Request-ID of the request that caused the event; null for events outside a request.',
  })
  request_id: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Client address of that request (the forwarded one with TRUST_PROXY).',
  })
  ip: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'User-Agent of that request (at most 512 characters).' })
  user_agent: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

@ApiSchema({ name: 'AuditEventPage' })
export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] }) data: AuditEventDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
  @ApiProperty() has_more: boolean;
}

/** `GET /v1/audit-log/export`: a time range (both ends inclusive, both optional). */
export class AuditLogExportQueryDto {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Events at or after this instant (ISO 8601); the first event when absent.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Events at or before this instant (ISO 8601); now when absent.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
