import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger as PinoLogger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Metrics } from './metrics.js';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The logger of the request being served, for code that runs on its behalf (services, filters). */
const requestLoggers = new AsyncLocalStorage<PinoLogger>();

/** The current request's child logger (request_id, then tenant_id and user_id once known); undefined outside a request. */
export function currentRequestLogger(): PinoLogger | undefined {
  return requestLoggers.getStore();
}

/**
 * Adds fields to every later line of the current request, its completion line included
 * (the tenancy guard binds tenant_id and user_id / api_key_id). A no-op outside a request.
 */
export function bindRequestLogFields(fields: Record<string, string | undefined>): void {
  const log = requestLoggers.getStore();
  if (!log) return;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  if (Object.keys(defined).length > 0) log.setBindings(defined);
}

/**
 * pino-http: assigns X-Request-ID (echoing a well-formed one from the client), gives the request
 * a child logger carrying request_id and runs the rest of the request inside AsyncLocalStorage
 * with it, so every line written while serving it carries the request's fields. On finish one
 * line per request, never bodies or headers; metrics are labelled by the route pattern, never the raw path.
 */
export function requestLogging(logger: PinoLogger, metrics: Metrics) {
  const summary = (req: IncomingMessage, res: ServerResponse, responseTime: number) => ({
    method: req.method,
    route: routeOf(req as Request),
    status: res.statusCode,
    duration_ms: responseTime,
    error_code: (res as Response).locals?.errorCode as string | undefined,
  });
  const http = pinoHttp({
    logger,
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
    genReqId(req, res) {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-ID', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
    customSuccessObject: (req, res, value: { duration_ms: number }) => summary(req, res, value.duration_ms),
    customErrorObject: (req, res, _err, value: { duration_ms: number }) => summary(req, res, value.duration_ms),
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const labels = { method: req.method, route: routeOf(req), status: String(res.statusCode) };
      metrics.requests.inc(labels);
      metrics.latency.observe(labels, seconds);
    });
    http(req, res, () => requestLoggers.run(req.log, next));
  };
}

function routeOf(req: Request): string {
  const path = (req.route as { path?: string } | undefined)?.path;
  return path ? `${req.baseUrl ?? ''}${path}` : 'unmatched';
}
