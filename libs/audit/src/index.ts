export * from './audit.service.js';
export * from './audit.module.js';
export * from './page-cursor.js';
export * from './page-query.dto.js';
