export * from './audit.service.js';
export * from './audit.module.js';
export * from './page-cursor.js';
export * from './page-query.dto.js';
export * from './event-types.js';
export * from './request-scope.js';
