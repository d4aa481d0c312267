import {
  type DataSource,
  type EntityManager,
  type EntityTarget,
  type FindManyOptions,
  type FindOptionsWhere,
  type ObjectLiteral,
  type Repository,
} from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { TenantOwned } from './entities/tenant-owned.js';

/** The only way to reach tenant rows: every call takes the tenant id first and refuses an empty one. */
export class TenantScopedRepository<T extends TenantOwned & ObjectLiteral> {
  constructor(
    private readonly target: EntityTarget<T>,
    private readonly manager: EntityManager,
  ) {}

  static of<T extends TenantOwned & ObjectLiteral>(ds: DataSource | EntityManager, target: EntityTarget<T>) {
    return new TenantScopedRepository<T>(target, 'manager' in ds ? ds.manager : ds);
  }

  /** The same repository bound to a transaction's manager. */
  withManager(manager: EntityManager): TenantScopedRepository<T> {
    return new TenantScopedRepository<T>(this.target, manager);
  }

  private get repo(): Repository<T> {
    return this.manager.getRepository(this.target);
  }

  private scoped(tenantId: string, where: FindOptionsWhere<T> = {}): FindOptionsWhere<T> {
    assertTenantId(tenantId);
    // TypeORM silently drops `undefined` from a WHERE; reject it so a query never spans tenants.
    for (const [key, value] of Object.entries(where)) {
      if (value === undefined) throw new Error(`TenantScopedRepository: undefined value for "${key}"`);
    }
    return { ...where, tenantId } as FindOptionsWhere<T>;
  }

  findOne(tenantId: string, where: FindOptionsWhere<T>): Promise<T | null> {
    return this.repo.findOne({ where: this.scoped(tenantId, where) });
  }

  find(tenantId: string, where: FindOptionsWhere<T> = {}, options: Omit<FindManyOptions<T>, 'where'> = {}): Promise<T[]> {
    return this.repo.find({ ...options, where: this.scoped(tenantId, where) });
  }

  count(tenantId: string, where: FindOptionsWhere<T> = {}): Promise<number> {
    return this.repo.count({ where: this.scoped(tenantId, where) });
  }

  async insert(tenantId: string, row: Omit<T, 'tenantId' | 'tenant'>): Promise<T> {
    assertTenantId(tenantId);
    const entity = this.repo.create({ ...row, tenantId } as unknown as T);
    await this.repo.insert(entity as QueryDeepPartialEntity<T>);
    return entity;
  }

  async insertMany(tenantId: string, rows: Omit<T, 'tenantId' | 'tenant'>[]): Promise<void> {
    assertTenantId(tenantId);
    if (rows.length === 0) return;
    await this.repo.insert(rows.map((row) => ({ ...row, tenantId })) as unknown as QueryDeepPartialEntity<T>[]);
  }

  /** Returns the number of rows changed. */
  async update(tenantId: string, where: FindOptionsWhere<T>, patch: QueryDeepPartialEntity<T>): Promise<number> {
    const result = await this.repo.update(this.scoped(tenantId, where), patch);
    return result.affected ?? 0;
  }

  /** Returns the number of rows deleted. */
  async delete(tenantId: string, where: FindOptionsWhere<T>): Promise<number> {
    const result = await this.repo.delete(this.scoped(tenantId, where));
    return result.affected ?? 0;
  }

  /** A query builder already restricted to the tenant. */
  query(tenantId: string, alias: string) {
    assertTenantId(tenantId);
    return this.repo.createQueryBuilder(alias).where(`${alias}.tenantId = :tenantId`, { tenantId });
  }
}

export function assertTenantId(tenantId: unknown): asserts tenantId is string {
  if (typeof tenantId !== 'string' || tenantId.length === 0) {
    throw new Error('TenantScopedRepository: a tenant id is required');
  }
}
