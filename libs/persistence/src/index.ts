export * from './entities/index.js';
export * from './data-source.factory.js';
export * from './tenant-scoped.repository.js';
export * from './persistence.module.js';
export * from './ids.js';
export * from './database-errors.js';
export * from './atomic-insert.js';
export * from './pending-migrations.js';
