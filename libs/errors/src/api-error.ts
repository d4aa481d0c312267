import { ERROR_MESSAGES, statusOf, type ErrorCode } from './error-codes.js';

export interface ApiErrorOptions {
  details?: Record<string, unknown>;
  notices?: string[];
  /** Extra response headers, e.g. Retry-After or WWW-Authenticate. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The only error domain code throws. The global filter turns it into
 * `{code, message, details?, notices?}` with the catalogue's status.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly notices?: string[];
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message?: string, options: ApiErrorOptions = {}) {
    super(message ?? ERROR_MESSAGES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.details = options.details;
    this.notices = options.notices;
    this.headers = options.headers;
  }

  get status(): number {
    return statusOf(this.code);
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.details && Object.keys(this.details).length > 0) body.details = this.details;
    if (this.notices && this.notices.length > 0) body.notices = this.notices;
    return body;
  }
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  notices?: string[];
}

export interface FieldError {
  field: string;
  reason: string;
}

export function validationFailed(fields: FieldError[], message = 'The request is invalid.'): ApiError {
  return new ApiError('validation_failed', message, { details: { fields } });
}
