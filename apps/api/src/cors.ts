import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface.js';

/**
 * Browser frontends call the API from their own origins: allowed are the origins in any tenant's
 * WebAuthn settings plus CORS_ORIGINS, refreshed every few seconds. Preflights need no credentials.
 */
export function corsOptions(staticOrigins: string[], tenantOrigins: () => Promise<string[]>): CorsOptions {
  let cache: { at: number; origins: Set<string> } = { at: 0, origins: new Set(staticOrigins) };
  const allowed = async (): Promise<Set<string>> => {
    if (Date.now() - cache.at > 5_000) {
      try {
        cache = { at: Date.now(), origins: new Set([...staticOrigins, ...(await tenantOrigins())]) };
      } catch {
        cache = { at: Date.now(), origins: cache.origins };
      }
    }
    return cache.origins;
  };
  return {
    origin: (origin, callback) => {
      if (!origin) return callback(null, false);
      allowed().then(
        (set) => callback(null, set.has(origin)),
        () => callback(null, false),
      );
    },
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'X-Tenant-ID', 'Content-Type', 'X-Request-ID'],
    exposedHeaders: ['X-Request-ID', 'Retry-After', 'WWW-Authenticate'],
    credentials: false,
    maxAge: 600,
  };
}
