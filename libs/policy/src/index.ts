export * from './engine/index.js';
export * from './policy.service.js';
export * from './policy-context.js';
export * from './policy.module.js';
export * from './authorization.js';
