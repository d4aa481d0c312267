import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { APP_CONFIG, Clock, type AppConfig } from '#config';

/** Tables whose rows are dead once `expires_at` has passed. */
export const EXPIRING_TABLES = ['pending_enrollments', 'mfa_challenges'] as const;

const BATCH = 500;

/** At most this many batches per pass and table on PostgreSQL, so the pass's transaction stays short; the next pass goes on. */
const MAX_BATCHES_PER_PASS = 20;

/**
 * The transaction-scoped advisory lock that makes one node at a time purge when several share a
 * PostgreSQL database: a node that does not get it skips the pass, and the lock ends with the
 * pass's transaction (also if the node dies).
 */
export const PURGE_LOCK_KEY = "hashtext('tessera:housekeeping:purge-expired')";

export interface PurgePass {
  /** False when another node held the lock: this node did nothing. */
  ran: boolean;
  deleted: number;
}

/**
 * Deletes expired ceremonies on a schedule, in small batches so no request waits behind a long
 * delete. On PostgreSQL one node purges at a time (advisory lock); deletes are idempotent. This
 * is maintenance across all tenants by design: it only removes rows that can no longer be used,
 * and never reads their content.
 */
@Injectable()
export class ExpiredRecordsPurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpiredRecordsPurger.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<PurgePass>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.purge().catch((err) => this.logger.warn(`purge failed: ${(err as Error).message}`)),
      this.config.purgeIntervalSeconds * 1000,
    );
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass; resolves to the rows deleted (0 when another node holds the purge lock). */
  async purge(): Promise<number> {
    return (await this.pass()).deleted;
  }

  /** One pass over every expiring table. Overlapping calls on this node share a pass. */
  pass(): Promise<PurgePass> {
    this.running ??= (this.dataSource.options.type === 'postgres' ? this.lockedPass() : this.unlockedPass()).finally(
      () => (this.running = undefined),
    );
    return this.running;
  }

  /** PostgreSQL: the whole pass in one transaction that first takes the purge lock, or skips. */
  private async lockedPass(): Promise<PurgePass> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const [row] = (await runner.query(`SELECT pg_try_advisory_xact_lock(${PURGE_LOCK_KEY}) AS locked`)) as {
        locked: boolean;
      }[];
      if (!row?.locked) {
        await runner.rollbackTransaction();
        return { ran: false, deleted: 0 };
      }
      let deleted = 0;
      for (const table of EXPIRING_TABLES) deleted += await this.deleteExpired(runner, table, MAX_BATCHES_PER_PASS);
      await runner.commitTransaction();
      this.logDeleted(deleted);
      return { ran: true, deleted };
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
  }

  /** SQLite: one process owns the file; each batch commits by itself. */
  private async unlockedPass(): Promise<PurgePass> {
    let deleted = 0;
    for (const table of EXPIRING_TABLES) {
      const runner = this.dataSource.createQueryRunner();
      try {
        deleted += await this.deleteExpired(runner, table, Number.POSITIVE_INFINITY);
      } finally {
        await runner.release();
      }
    }
    this.logDeleted(deleted);
    return { ran: true, deleted };
  }

  private async deleteExpired(
    runner: QueryRunner,
    table: (typeof EXPIRING_TABLES)[number],
    maxBatches: number,
  ): Promise<number> {
    const param = this.dataSource.options.type === 'postgres' ? '$1' : '?';
    // The driver's own encoding of a date: a UTC datetime string for SQLite, a Date for PostgreSQL.
    const cutoff: unknown = this.dataSource.driver.preparePersistentValue(this.clock.now(), { type: Date } as never);
    const sql = `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE expires_at < ${param} LIMIT ${BATCH})`;
    let total = 0;
    for (let batch = 0; batch < maxBatches; batch += 1) {
      // The structured result carries the affected row count for both drivers.
      const deleted = (await runner.query(sql, [cutoff], true)).affected ?? 0;
      total += deleted;
      if (deleted < BATCH) break;
      // Yield between batches so requests interleave with a large purge.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }

  private logDeleted(total: number): void {
    if (total > 0) this.logger.log(`purged ${total} expired records`);
  }
}
