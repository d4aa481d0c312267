import { pino, type Logger as PinoLogger } from 'pino';
import type { LoggerService } from '@nestjs/common';
import { currentRequestLogger } from './request-logging.middleware.js';

/**
 * Structured JSON logs. Redaction is a second line of defence: code never logs secrets,
 * tokens, codes or request bodies in the first place.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): PinoLogger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'tessera' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        '*.authorization',
        '*.Authorization',
        '*["x-api-key"]',
        '*.password',
        '*.secret',
        '*.codes',
        '*.code',
        '*.token',
        '*.api_key',
        '*.key',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

// Nest's start-up chatter (one line per module and route) belongs at debug, not info.
const BOOT_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * Nest's LoggerService on top of pino, so framework messages are JSON too. A line written while
 * a request is served (a service's `new Logger(…)`) goes to that request's logger and carries
 * its request_id, tenant_id and user_id.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: PinoLogger) {}
  private get current(): PinoLogger {
    return currentRequestLogger() ?? this.logger;
  }
  log(message: unknown, context?: string) {
    if (context && BOOT_CONTEXTS.has(context)) this.current.debug({ context }, String(message));
    else this.current.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.current.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.current.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.current.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.current.trace({ context }, String(message));
  }
}
