import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  MaxLength,
} from 'class-validator';
import { EVENT_TYPES } from '#audit';

const EVENT_CHOICES = ['*', ...EVENT_TYPES];

@ApiSchema({ name: 'WebhookCreation' })
export class CreateWebhookDto {
  @ApiProperty({
    description: 'Receiver URL: https (http only to localhost outside production). Redirects are not followed.',
    example: 'https://hooks.example.com/tessera',
    maxLength: 2048,
  })
  @IsString()
  @Length(1, 2048)
  url: string;

  @ApiProperty({
    description: 'Event types to receive, or `["*"]` for all.',
    type: [String],
    enum: EVENT_CHOICES,
    example: ['factor.enrolled', 'mfa.failed'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_CHOICES.length)
  @IsIn(EVENT_CHOICES, { each: true })
  events: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

@ApiSchema({ name: 'WebhookUpdate' })
export class UpdateWebhookDto {
  @ApiPropertyOptional({ maxLength: 2048 })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  url?: string;

  @ApiPropertyOptional({ type: [String], enum: EVENT_CHOICES })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_CHOICES.length)
  @IsIn(EVENT_CHOICES, { each: true })
  events?: string[];

  @ApiPropertyOptional({ maxLength: 500, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({
    description: 'Re-enabling an endpoint (also one the dispatcher disabled) resumes deliveries of new events.',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

@ApiSchema({ name: 'Webhook' })
export class WebhookDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty({ type: [String] }) events: string[];
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: ['failing', 'admin'],
    description: 'Why a disabled endpoint is disabled: `failing` (every attempt failed for 3 days) or `admin`.',
  })
  disabled_reason: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

@ApiSchema({ name: 'CreatedWebhook' })
export class CreatedWebhookDto extends WebhookDto {
  @ApiProperty({
    description: 'The signing secret (`whsec_` + base64 of 32 bytes). Shown once, stored encrypted: keep it now.',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  })
  secret: string;
}

@ApiSchema({ name: 'RotatedWebhookSecret' })
export class RotatedWebhookSecretDto extends CreatedWebhookDto {
  @ApiProperty({
    format: 'date-time',
    description: 'Until then every delivery carries a signature with the previous secret too.',
  })
  previous_secret_expires_at: string;
}

@ApiSchema({ name: 'WebhookPage' })
export class WebhookPageDto {
  @ApiProperty({ type: [WebhookDto] }) data: WebhookDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
  @ApiProperty() has_more: boolean;
}

@ApiSchema({ name: 'WebhookTest' })
export class WebhookTestDto {
  @ApiProperty({ format: 'uuid', description: 'The `webhook-id` the receiver will see.' }) event_id: string;
  @ApiProperty({ format: 'uuid' }) delivery_id: string;
}

@ApiSchema({ name: 'WebhookDelivery' })
export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'The `webhook-id` header (the same on every attempt).' })
  event_id: string;
  @ApiProperty() event_type: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] }) status: string;
  @ApiProperty({ type: 'integer' }) attempts: number;
  @ApiProperty({ nullable: true, type: 'integer' }) last_response_code: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'e.g. `http_status`, `timeout`, `connection_refused`, `address_refused`, `redirect_not_followed`.',
  })
  last_error: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) last_attempt_at: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Null once the delivery succeeded or failed for good.',
  })
  next_attempt_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

@ApiSchema({ name: 'WebhookDeliveryPage' })
export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto] }) data: WebhookDeliveryDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
  @ApiProperty() has_more: boolean;
}
