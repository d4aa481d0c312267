import type { Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

/**
 * Graceful shutdown closes the listener and waits for open connections. A keep-alive
 * connection would otherwise sit idle until its timeout after its last response; once the
 * listener is closed, each finished response closes the idle connections at once.
 */
export function drainOnShutdown(server: Server) {
  return (_req: Request, res: Response, next: NextFunction) => {
    if (!server.listening) res.setHeader('Connection', 'close');
    res.once('finish', () => {
      if (!server.listening) setImmediate(() => server.closeIdleConnections());
    });
    next();
  };
}
