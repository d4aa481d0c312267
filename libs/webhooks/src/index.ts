export * from './webhooks.module.js';
export * from './webhooks.service.js';
export * from './webhook-dispatcher.js';
export * from './webhook-signature.js';
export * from './egress-policy.js';
export * from './webhook-sender.js';
export * from './retry-schedule.js';
