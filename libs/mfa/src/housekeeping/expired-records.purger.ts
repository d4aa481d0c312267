import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, Clock, type AppConfig } from '../../../config/src/index.js';

/** Tables whose rows are dead once `expires_at` has passed. */
export const EXPIRING_TABLES = ['pending_enrollments', 'mfa_challenges'] as const;

const BATCH = 500;

/**
 * Deletes expired ceremonies on a schedule, in small batches so no request waits behind a long
 * delete. Every node runs it; deletes are idempotent. This is maintenance across all tenants by
 * design: it only removes rows that can no longer be used, and never reads their content.
 */
@Injectable()
export class ExpiredRecordsPurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpiredRecordsPurger.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge().catch((err) => this.logger.warn(`purge failed: ${(err as Error).message}`)), this.config.purgeIntervalSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over every expiring table; returns the rows deleted. Overlapping calls share a pass. */
  purge(): Promise<number> {
    this.running ??= this.purgeAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async purgeAll(): Promise<number> {
    const now = this.clock.now();
    const param = this.dataSource.options.type === 'postgres' ? '$1' : '?';
    const cutoff = this.dataSource.driver.preparePersistentValue(now, { type: Date } as never);
    let total = 0;
    for (const table of EXPIRING_TABLES) {
      for (;;) {
        const sql = `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE expires_at < ${param} LIMIT ${BATCH})`;
        const runner = this.dataSource.createQueryRunner();
        let deleted: number;
        try {
          // The structured result carries the affected row count for both drivers.
          deleted = (await runner.query(sql, [cutoff], true)).affected ?? 0;
        } finally {
          await runner.release();
        }
        total += deleted;
        if (deleted < BATCH) break;
        // Yield between batches so requests interleave with a large purge.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (total > 0) this.logger.log(`purged ${total} expired records`);
    return total;
  }
}
