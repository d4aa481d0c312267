import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger as PinoLogger } from 'pino';
import type { Metrics } from './metrics.js';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One request's log: the fields its lines carry (request_id, then tenant_id, user_id… once
 * known) and a logger for them, made only when something logs on the request's behalf. Most
 * requests write no line but their completion line, so most never pay for a child logger.
 */
class RequestLog {
  private readonly fields: Record<string, string>;
  private child: PinoLogger | undefined;

  constructor(
    private readonly base: PinoLogger,
    id: string,
  ) {
    this.fields = { request_id: id };
  }

  /** For lines written while serving the request; redacted like every other line. */
  get logger(): PinoLogger {
    return (this.child ??= this.base.child({ ...this.fields }));
  }

  bind(fields: Record<string, string>): void {
    Object.assign(this.fields, fields);
    this.child?.setBindings(fields);
  }

  /** The completion line: the request's fields, then the summary. */
  completion(summary: RequestSummary): Record<string, unknown> {
    return { ...this.fields, ...summary };
  }
}

interface RequestSummary {
  method: string;
  route: string;
  status: number;
  duration_ms: number;
  error_code: string | undefined;
}

/** The log of the request being served, for code that runs on its behalf (services, filters). */
const requestLogs = new AsyncLocalStorage<RequestLog>();

/** The current request's logger (request_id, then tenant_id and user_id once known); undefined outside a request. */
export function currentRequestLogger(): PinoLogger | undefined {
  return requestLogs.getStore()?.logger;
}

/**
 * Adds fields to every later line of the current request, its completion line included
 * (the tenancy guard binds tenant_id and user_id / api_key_id). A no-op outside a request.
 */
export function bindRequestLogFields(fields: Record<string, string | undefined>): void {
  const log = requestLogs.getStore();
  if (!log) return;
  const defined: Record<string, string> = {};
  let any = false;
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined) continue;
    defined[key] = value;
    any = true;
  }
  if (any) log.bind(defined);
}

/**
 * Assigns X-Request-ID (echoing a well-formed one from the client), runs the rest of the request
 * inside AsyncLocalStorage with its log, so every line written while serving it carries the
 * request's fields, and writes one line when the response finishes or the connection closes:
 * method, route pattern, status, duration and error code, never bodies or headers. Metrics are
 * labelled by the route pattern, never the raw path.
 *
 * The completion line goes through `completions`, a child of the logger without redaction: its
 * values are the request's string fields and the summary's scalars, and redaction only ever
 * rewrites values nested under a key, so it could not change this line. That leaves the cost of
 * redaction (about two thirds of writing a line) to the lines that can carry objects.
 */
export function requestLogging(logger: PinoLogger, metrics: Metrics) {
  const completions = logger.child({}, { redact: [] });
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-ID', id);
    (req as Request & { id: string }).id = id;
    const log = new RequestLog(logger, id);
    // The first of finish (answered), close (connection gone first) or error ends the request.
    const complete = (err?: unknown) => {
      res.removeListener('finish', complete);
      res.removeListener('close', complete);
      res.removeListener('error', complete);
      const elapsed = Number(process.hrtime.bigint() - start);
      const route = routeOf(req);
      if (res.writableFinished) {
        const labels = { method: req.method, route, status: String(res.statusCode) };
        metrics.requests.inc(labels);
        metrics.latency.observe(labels, elapsed / 1e9);
      }
      const line = log.completion({
        method: req.method,
        route,
        status: res.statusCode,
        duration_ms: Math.round(elapsed / 1e6),
        error_code: res.locals?.['errorCode'] as string | undefined,
      });
      if (err !== undefined || res.statusCode >= 500) completions.error(line, 'request');
      else completions.info(line, 'request');
    };
    res.on('finish', complete);
    res.on('close', complete);
    res.on('error', complete);
    requestLogs.run(log, next);
  };
}

function routeOf(req: Request): string {
  const path = (req.route as { path?: string } | undefined)?.path;
  return path ? `${req.baseUrl ?? ''}${path}` : 'unmatched';
}
