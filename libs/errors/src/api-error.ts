import { ERROR_MESSAGES, ERROR_MESSAGES_BY_LANGUAGE, statusOf, type ErrorCode } from './error-codes.js';
import { DEFAULT_LANGUAGE, inLanguage, type LocalizedText } from './accept-language.js';

export interface ApiErrorOptions {
  details?: Record<string, unknown>;
  notices?: string[];
  /** The notices with their translations (policy denials); `notices` is then their default text. */
  localizedNotices?: LocalizedText[];
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
  readonly localizedNotices?: LocalizedText[];
  readonly headers?: Record<string, string>;
  /** The message is the catalogue's own, so it can be given in another language. */
  readonly catalogueMessage: boolean;

  constructor(code: ErrorCode, message?: string, options: ApiErrorOptions = {}) {
    super(message ?? ERROR_MESSAGES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.details = options.details;
    this.localizedNotices = options.localizedNotices;
    this.notices = options.notices ?? options.localizedNotices?.map((n) => n.text);
    this.headers = options.headers;
    this.catalogueMessage = message === undefined || message === ERROR_MESSAGES[code];
  }

  get status(): number {
    return statusOf(this.code);
  }

  /** The languages this error's texts exist in (always the default). */
  languages(): Set<string> {
    const out = new Set([DEFAULT_LANGUAGE]);
    if (this.catalogueMessage) for (const l of Object.keys(ERROR_MESSAGES_BY_LANGUAGE)) out.add(l);
    for (const n of this.localizedNotices ?? []) for (const l of Object.keys(n.translations ?? {})) out.add(l);
    return out;
  }

  /** The body, with the message and notices in `language` where a translation exists. */
  toBody(language = DEFAULT_LANGUAGE): ErrorBody {
    const message = this.catalogueMessage
      ? (ERROR_MESSAGES_BY_LANGUAGE[language]?.[this.code] ?? this.message)
      : this.message;
    const body: ErrorBody = { code: this.code, message };
    if (this.details && Object.keys(this.details).length > 0) body.details = this.details;
    const notices = this.localizedNotices ? this.localizedNotices.map((n) => inLanguage(n, language)) : this.notices;
    if (notices && notices.length > 0) body.notices = notices;
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
