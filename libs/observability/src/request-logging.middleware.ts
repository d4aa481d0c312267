import { randomUUID } from 'node:crypto';
import type { NextFunction, Response } from 'express';
import type { Logger as PinoLogger } from 'pino';
import type { TesseraRequest } from '../../auth/src/index.js';
import type { Metrics } from './metrics.js';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Assigns X-Request-ID (echoing a well-formed one from the client), and on finish logs one line
 * and records metrics labelled by the matched route pattern, never the raw path.
 */
export function requestLogging(logger: PinoLogger, metrics: Metrics) {
  return (req: TesseraRequest, res: Response, next: NextFunction) => {
    const incoming = req.headers['x-request-id'];
    req.id = typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-ID', req.id);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeOf(req);
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.requests.inc(labels);
      metrics.latency.observe(labels, seconds);
      logger.info(
        {
          request_id: req.id,
          method: req.method,
          route,
          status: res.statusCode,
          duration_ms: Math.round(seconds * 1000 * 10) / 10,
          tenant_id: req.tenant?.id,
          error_code: res.locals.errorCode,
        },
        'request',
      );
    });
    next();
  };
}

function routeOf(req: TesseraRequest): string {
  const path = (req.route as { path?: string } | undefined)?.path;
  return path ? `${req.baseUrl ?? ''}${path}` : 'unmatched';
}
