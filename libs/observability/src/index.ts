export * from './logger.js';
export * from './metrics.js';
export * from './request-logging.middleware.js';
export * from './observability.module.js';
export * from './metrics-server.js';
