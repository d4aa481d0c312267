import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, LessThan } from 'typeorm';
import { APP_CONFIG, type AppConfig, Clock } from '../../../config/src/index.js';
import { MfaChallengeEntity } from '../../../persistence/src/index.js';

/**
 * Deletes expired challenges every PURGE_INTERVAL_SECONDS. A maintenance sweep across tenants by
 * expiry only (no tenant data is read); any node may run it, the deletes are idempotent.
 */
@Injectable()
export class ExpiredChallengesPurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpiredChallengesPurger.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge().catch((err: Error) => this.logger.warn(`purging expired MFA challenges failed: ${err.message}`)), this.config.purgeIntervalSeconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async purge(): Promise<number> {
    const result = await this.dataSource.getRepository(MfaChallengeEntity).delete({ expiresAt: LessThan(this.clock.now()) });
    return result.affected ?? 0;
  }
}
