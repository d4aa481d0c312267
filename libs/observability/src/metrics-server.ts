import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#config';
import { Metrics } from './metrics.js';

/**
 * Prometheus text on its own listener (METRICS_HOST:METRICS_PORT, GET /metrics), so the scrape
 * endpoint is never reachable through the API's load balancer or ingress.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics') {
        res
          .writeHead(404, { 'Content-Type': 'text/plain' })
          .end('Not found: the metrics listener serves GET /metrics\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('Method not allowed\n');
        return;
      }
      this.metrics.registry.metrics().then(
        (text) =>
          res
            .writeHead(200, { 'Content-Type': this.metrics.registry.contentType, 'Cache-Control': 'no-store' })
            .end(req.method === 'HEAD' ? undefined : text),
        (err: unknown) => {
          this.logger.error(`metrics collection failed: ${(err as Error).message}`);
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics collection failed\n');
        },
      );
    });
    // Scrapers reuse connections; a closed listener must not wait for them at shutdown.
    server.keepAliveTimeout = 5_000;
    const { port, host } = this.config.metrics;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new Error(`metrics listener on ${host}:${port}: ${err.code ?? err.message} (set METRICS_PORT)`)),
      );
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on http://${host}:${this.port()}/metrics`);
  }

  /** The bound port (an ephemeral one when METRICS_PORT=0). */
  port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
