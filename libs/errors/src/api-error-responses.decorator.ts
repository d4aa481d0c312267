import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ERROR_CODES, ERROR_STATUS, type ErrorCode } from './error-codes.js';

/** The one error body, as documented in the OpenAPI document. */
export class ErrorBodyDto {
  @ApiProperty({ enum: ERROR_CODES, description: 'Machine-readable error code (e.g. "not_found", "tenant_mismatch").' })
  code: string;

  @ApiProperty({ description: 'Human-readable description of the error.' })
  message: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Optional additional context about the error.' })
  details?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], description: 'Policy notices from determining Cedar rules, if applicable.' })
  notices?: string[];
}

/** Documents each listed error code under its status, with the error schema. */
export function ApiErrorResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  // Any operation can answer 500, and 431 before routing (headers over Node's limit).
  for (const code of new Set<ErrorCode>([...codes, 'internal', 'headers_too_large'])) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus.entries()].map(([status, list]) =>
      ApiResponse({ status, type: ErrorBodyDto, description: `Error: ${list.map((c) => `\`${c}\``).join(', ')}` }),
    ),
  );
}
