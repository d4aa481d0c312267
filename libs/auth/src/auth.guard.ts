import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '#config';
import { ApiError } from '#errors';
import { ApiKeysService } from './api-keys.service.js';
import { safeEqual } from './api-key.js';
import { JwtVerifierService, unauthenticated } from './jwt-verifier.service.js';
import { ROUTE_ACCESS, type RouteAccess } from './route-access.decorator.js';
import type { TesseraRequest } from './request-context.js';

/** Global guard: establishes the principal for the route's access kind; routes without one are refused. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtVerifierService,
    private readonly apiKeys: ApiKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [
      context.getHandler(),
      context.getClass(),
    ]);
    const req = context.switchToHttp().getRequest<TesseraRequest>();
    switch (access) {
      case 'public':
        return true;
      case 'user': {
        const header = req.headers.authorization;
        const match = typeof header === 'string' ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header) : null;
        if (!match) throw unauthenticated('A bearer token is required.');
        req.principal = await this.jwt.verify(match[1]);
        return true;
      }
      case 'admin': {
        const key = singleHeader(req, 'x-api-key');
        const principal = key ? await this.apiKeys.authenticate(key) : null;
        if (!principal) throw new ApiError('unauthenticated', 'A valid X-API-Key is required.');
        req.principal = principal;
        return true;
      }
      case 'platform': {
        const key = singleHeader(req, 'x-api-key');
        if (!this.config.platformApiKey)
          throw new ApiError('forbidden', 'Platform operations are disabled: PLATFORM_API_KEY is not set.');
        if (!key || !safeEqual(key, this.config.platformApiKey))
          throw new ApiError('unauthenticated', 'A valid platform X-API-Key is required.');
        req.principal = { kind: 'platform' };
        return true;
      }
      default:
        // Deny by default: a route that forgot to declare its access is not reachable.
        throw unauthenticated();
    }
  }
}

export function singleHeader(req: TesseraRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value.trim() : undefined;
}
