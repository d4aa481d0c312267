import { pino, type Logger as PinoLogger } from 'pino';
import type { LoggerService } from '@nestjs/common';

/**
 * Structured JSON logs. Redaction is a second line of defence: code never logs secrets,
 * tokens, codes or request bodies in the first place.
 */
export function createLogger(level: string): PinoLogger {
  return pino({
    level,
    base: { service: 'tessera' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['*.authorization', '*.Authorization', '*["x-api-key"]', '*.password', '*.secret', '*.codes', '*.code', '*.token', '*.api_key', '*.key'],
      censor: '[redacted]',
    },
  });
}

// Nest's start-up chatter (one line per module and route) belongs at debug, not info.
const BOOT_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** Nest's LoggerService on top of pino, so framework messages are JSON too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: PinoLogger) {}
  log(message: unknown, context?: string) {
    if (context && BOOT_CONTEXTS.has(context)) this.logger.debug({ context }, String(message));
    else this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
