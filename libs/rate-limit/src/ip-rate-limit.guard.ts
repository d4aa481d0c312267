import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { RateLimitService } from './rate-limit.service.js';

/** Per-client-IP limit on every route (off unless RATE_LIMIT_IP_PER_MINUTE is set). */
@Injectable()
export class IpRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimitService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    await this.limits.hitIp(req.ip ?? req.socket.remoteAddress ?? '');
    return true;
  }
}
