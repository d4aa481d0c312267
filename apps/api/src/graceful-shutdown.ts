import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { Logger as PinoLogger } from 'pino';

/**
 * SIGTERM/SIGINT: stop accepting connections and let in-flight requests finish (the HTTP server
 * closes first), then run the shutdown hooks (purger, metrics listener, the pool), then exit 0.
 * One line when shutdown starts and one when it ends; a second signal kills the process at once.
 */
export function handleShutdownSignals(
  app: INestApplication,
  logger: PinoLogger,
  signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    logger.info({ signal }, 'shutdown started');
    try {
      const server = app.getHttpServer() as Server;
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      await app.close();
      logger.info({ signal, duration_ms: Math.round(performance.now() - started) }, 'shutdown complete');
      process.exit(0);
    } catch (err) {
      logger.error({ signal, err }, 'shutdown failed');
      process.exit(1);
    }
  };
  for (const signal of signals) process.once(signal, (s: NodeJS.Signals) => void stop(s));
}
