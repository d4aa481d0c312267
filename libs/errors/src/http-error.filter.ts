import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger as PinoLogger } from 'pino';
import { ApiError } from './api-error.js';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';
import { negotiateLanguage } from './accept-language.js';

/** Answers the methods a path supports, for 405 vs 404 (filled once routes are registered). */
export type AllowedMethods = (path: string) => string[];

/** Classifies an error as "the database is unreachable" (503, not 500). */
export type UnavailableClassifier = (err: unknown) => boolean;

/** The logger of the request being served (its request_id, tenant_id, user_id), if any. */
export type RequestLoggerSource = () => PinoLogger | undefined;

/**
 * The one place errors become responses: `{code, message, details?, notices?}`.
 * Unknown errors become a generic 500 with the request id and are logged in full;
 * no stack, SQL or library text reaches the client.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: PinoLogger,
    private readonly allowedMethods: AllowedMethods,
    private readonly isUnavailable: UnavailableClassifier,
    private readonly requestLogger: RequestLoggerSource = () => undefined,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { id?: string }>();
    const res = ctx.getResponse<Response>();
    writeError(res, this.toApiError(exception, req), this.logger);
  }

  /** The request's own logger (request_id, tenant_id, user_id) when the request logging gave it one. */
  private logFor(req: Request): PinoLogger {
    return this.requestLogger() ?? this.logger.child({ request_id: (req as Request & { id?: string }).id });
  }

  toApiError(exception: unknown, req: Request & { id?: string }): ApiError {
    if (exception instanceof ApiError) return exception;
    if (exception instanceof HttpException) return this.fromHttpException(exception, req);
    if (this.isUnavailable(exception)) {
      this.logFor(req).warn({ err: describe(exception) }, 'database unavailable');
      return new ApiError('service_unavailable', 'The service is temporarily unavailable. Retry shortly.', {
        headers: { 'Retry-After': '5' },
      });
    }
    this.logFor(req).error({ err: exception }, 'unexpected error');
    return new ApiError('internal', 'An unexpected error occurred.', { details: { request_id: req.id } });
  }

  private fromHttpException(exception: HttpException, req: Request & { id?: string }): ApiError {
    const status = exception.getStatus();
    if (status === 404) {
      const allowed = this.allowedMethods(req.path);
      if (allowed.length > 0) {
        return new ApiError('method_not_allowed', `Method ${req.method} is not allowed here.`, {
          headers: { Allow: allowed.join(', ') },
        });
      }
      return new ApiError('not_found', 'Not found.');
    }
    if (status === 400) {
      // Built-in pipes (ParseUUIDPipe, ParseIntPipe…) — their text names the parameter, not internals.
      const message =
        exception.message && exception.message.length < 200 ? exception.message : 'The request is invalid.';
      return new ApiError('validation_failed', message, { details: { fields: [{ field: 'path', reason: message }] } });
    }
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'validation_failed');
    if (code === 'internal') {
      this.logFor(req).error({ err: exception }, 'unexpected http exception');
      return new ApiError('internal', undefined, { details: { request_id: req.id } });
    }
    return new ApiError(code);
  }
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  401: 'unauthenticated',
  403: 'forbidden',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  501: 'not_implemented',
  503: 'service_unavailable',
};

/**
 * Writes an ApiError as the response (also used by Express-level middleware), in the language
 * the request's Accept-Language prefers among those its texts exist in, named in Content-Language.
 */
export function writeError(res: Response, error: ApiError, logger?: PinoLogger): void {
  if (res.headersSent) {
    logger?.warn({ code: error.code }, 'error after headers were sent');
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  res.locals.errorCode = error.code;
  if (!ERROR_CODES.includes(error.code)) throw new Error(`unknown error code ${error.code}`);
  const language = negotiateLanguage(res.req?.headers['accept-language'], error.languages());
  res.setHeader('Content-Language', language);
  res.vary('Accept-Language');
  res.status(error.status).json(error.toBody(language));
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `${e?.code ?? ''} ${e?.message ?? String(err)}`.trim().slice(0, 300);
}
