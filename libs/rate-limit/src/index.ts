export * from './rate-limit.store.js';
export * from './memory-rate-limit.store.js';
export * from './redis-rate-limit.store.js';
export * from './rate-limit.service.js';
export * from './ip-rate-limit.guard.js';
export * from './rate-limit.module.js';
