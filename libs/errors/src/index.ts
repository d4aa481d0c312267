export * from './error-codes.js';
export * from './api-error.js';
export * from './api-error-responses.decorator.js';
export * from './http-error.filter.js';
export * from './validation.js';
export * from './unsafe-characters.js';
export * from './accept-language.js';
export * from './id-param.pipe.js';
