export * from './audit.service.js';
export * from './audit.module.js';
export * from './event-types.js';
export * from './request-scope.js';
