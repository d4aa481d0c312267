import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { ApiProperty, ApiPropertyOptional, ApiResponse, ApiSchema, DECORATORS } from '@nestjs/swagger';
import { ERROR_CODES, ERROR_MESSAGES, ERROR_STATUS, type ErrorCode } from './error-codes.js';
import type { ErrorBody } from './api-error.js';

/** The one error body, as documented in the OpenAPI document. */
@ApiSchema({ name: 'Error', description: 'The body of every non-2xx response.' })
export class ErrorBodyDto {
  @ApiProperty({
    enum: ERROR_CODES,
    description:
      'Machine-readable error code from the one catalogue; each response lists the codes its status can carry.',
  })
  code: string;

  @ApiProperty({ description: 'Human-readable description of the error.' })
  message: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Optional additional context about the error.',
  })
  details?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], description: 'Policy notices from determining Cedar rules, if applicable.' })
  notices?: string[];
}

/**
 * Every route can answer these: an unexpected failure, the per-IP limit (RATE_LIMIT_IP_PER_MINUTE)
 * guards every route, and headers over Node's limit are answered 431 before routing.
 */
const ANY_ROUTE: readonly ErrorCode[] = ['internal', 'rate_limited', 'headers_too_large'];

/** What the body of each code looks like beyond `{code, message}`, as the service sends it. */
const EXAMPLE_EXTRAS: Partial<Record<ErrorCode, Pick<ErrorBody, 'details' | 'notices'>>> = {
  validation_failed: {
    details: { fields: [{ field: 'device_name', reason: 'must be 1 to 100 characters after trimming' }] },
  },
  verification_failed: { details: { reason: 'origin' } },
  policy_invalid: { details: { errors: [{ message: 'unexpected token `permit`', line: 1, column: 1 }] } },
  policy_denied: {
    details: { determining_policies: ['baseline.max_authenticators'], action: 'complete_enrollment' },
    notices: ['You already have the maximum of 10 authenticators. Remove one before adding another.'],
  },
  step_up_required: {
    details: {
      determining_policies: ['baseline.step_up_to_change_factors'],
      max_age_seconds: 300,
      challenge_path: '/v1/users/me/mfa/challenges',
    },
    notices: ['To change your security factors, first confirm it is you with one of the factors you already have.'],
  },
  rate_limited: { details: { retry_after_seconds: 42 } },
  internal: { details: { request_id: '0b9f3c1e-5d2a-4c8e-9f4b-2a7d6e1c3b5a' } },
};

/** The example body of one error code; `message` when the operation words it its own way. */
export function errorExample(code: ErrorCode, message: string = ERROR_MESSAGES[code]): ErrorBody {
  return { code, message, ...EXAMPLE_EXTRAS[code] };
}

/** A code with the message this operation answers it with (e.g. the seed's "No pending enrollment found"). */
export interface ErrorDoc {
  code: ErrorCode;
  message: string;
}

const CODES_METADATA = 'tessera:error-codes';
const MESSAGES_METADATA = 'tessera:error-messages';
type Handler = (...args: unknown[]) => unknown;

/**
 * Documents each listed error code under its status, with the error schema and one example per
 * code. On a controller it applies to every route of the controller; the codes of the class and
 * of the method are united, so a method's 403 keeps the class's `tenant_mismatch` beside its own
 * `policy_denied`.
 */
export function ApiErrorResponses(...codes: (ErrorCode | ErrorDoc)[]): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    if (descriptor) {
      documentErrors(descriptor.value as Handler, codes);
      return;
    }
    const prototype = (target as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler: unknown = Object.getOwnPropertyDescriptor(prototype, name)?.value;
      if (name !== 'constructor' && typeof handler === 'function' && Reflect.hasMetadata(METHOD_METADATA, handler))
        documentErrors(handler as Handler, codes);
    }
  };
}

function documentErrors(handler: Handler, entries: readonly (ErrorCode | ErrorDoc)[]): void {
  const codes = entries.map((e) => (typeof e === 'string' ? e : e.code));
  const all = new Set<ErrorCode>([
    ...((Reflect.getMetadata(CODES_METADATA, handler) as ErrorCode[] | undefined) ?? []),
    ...codes,
    ...ANY_ROUTE,
  ]);
  const ordered = ERROR_CODES.filter((c) => all.has(c));
  Reflect.defineMetadata(CODES_METADATA, ordered, handler);
  const messages: Partial<Record<ErrorCode, string>> = {
    ...(Reflect.getMetadata(MESSAGES_METADATA, handler) as Partial<Record<ErrorCode, string>> | undefined),
  };
  for (const entry of entries) if (typeof entry !== 'string') messages[entry.code] = entry.message;
  Reflect.defineMetadata(MESSAGES_METADATA, messages, handler);

  // Rewrite this handler's error responses from the united list (ApiResponse would append descriptions).
  const responses = {
    ...((Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) as Record<string, unknown> | undefined) ?? {}),
  };
  for (const status of Object.keys(responses)) if (Number(status) >= 400) delete responses[status];
  Reflect.defineMetadata(DECORATORS.API_RESPONSE, responses, handler);

  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of ordered) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  for (const [status, list] of byStatus) {
    ApiResponse({
      status,
      type: ErrorBodyDto,
      description: `Error: ${list.map((c) => `\`${c}\``).join(', ')}`,
      examples: Object.fromEntries(
        list.map((code) => [
          code,
          { summary: messages[code] ?? ERROR_MESSAGES[code], value: errorExample(code, messages[code]) },
        ]),
      ),
    })({}, '', { value: handler });
  }
}
