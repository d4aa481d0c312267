import type { DataSource } from 'typeorm';
import { WorkerLeaseEntity } from '#persistence';

/**
 * A named lease in the database: one holder at a time across every node, taken over when the
 * holder stops renewing it (a crashed node, a partition). Works on SQLite and PostgreSQL alike.
 */
export class WorkerLease {
  constructor(
    private readonly dataSource: DataSource,
    readonly name: string,
    readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes or renews the lease; true while this holder has it. */
  async acquire(now: Date): Promise<boolean> {
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    const take = () =>
      this.dataSource
        .createQueryBuilder()
        .update(WorkerLeaseEntity)
        .set({ holder: this.holder, expiresAt })
        .where('name = :name AND (holder = :holder OR expires_at < :now)', {
          name: this.name,
          holder: this.holder,
          now,
        })
        .execute();
    if (((await take()).affected ?? 0) === 1) return true;
    // First use: the row may not exist yet. Inserting is idempotent; then try once more.
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(WorkerLeaseEntity)
      .values({ name: this.name, holder: this.holder, expiresAt })
      .orIgnore()
      .execute();
    return ((await take()).affected ?? 0) === 1;
  }

  /** Gives the lease up (at shutdown), so another node takes over at once. */
  async release(): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(WorkerLeaseEntity)
      .set({ expiresAt: new Date(0) })
      .where('name = :name AND holder = :holder', { name: this.name, holder: this.holder })
      .execute();
  }
}
