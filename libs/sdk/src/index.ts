// @tessera/sdk: a typed client for the Tessera API. Types are generated from the service's OpenAPI
// document (src/generated/openapi.ts, `npm run sdk:generate`); browser helpers are in
// `@tessera/sdk/browser`.
export { createTesseraClient } from './client.js';
export type {
  ApiErrorBody,
  ApiErrorCode,
  CredentialSource,
  Operations,
  Schemas,
  TesseraClient,
  TesseraClientOptions,
  TesseraPaths,
} from './client.js';
export { failed, isApiError, outcomeOf } from './outcome.js';
export type { ClientFailure, Outcome, TesseraError } from './outcome.js';
export type { components, operations, paths } from './generated/openapi.js';
