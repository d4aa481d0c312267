import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#config';
import { MemoryRateLimitStore } from './memory-rate-limit.store.js';
import { RedisRateLimitStore } from './redis-rate-limit.store.js';
import { RATE_LIMIT_STORE, RateLimitService } from './rate-limit.service.js';
import { IpRateLimitGuard } from './ip-rate-limit.guard.js';

@Global()
@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        config.redisUrl ? new RedisRateLimitStore(config.redisUrl) : new MemoryRateLimitStore(),
    },
    RateLimitService,
    IpRateLimitGuard,
  ],
  exports: [RateLimitService, IpRateLimitGuard],
})
export class RateLimitModule {}
