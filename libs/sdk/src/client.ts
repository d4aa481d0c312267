import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './generated/openapi.js';

/** The schemas of the OpenAPI document, by component name (`Schemas['Factor']`, `Schemas['Error']`, …). */
export type Schemas = components['schemas'];
/** The operations of the OpenAPI document, by operationId (`Operations['listFactors']`, …). */
export type Operations = operations;
/** The body of every non-2xx answer of the API. */
export type ApiErrorBody = Schemas['Error'];
/** A code of the API's error catalogue. */
export type ApiErrorCode = ApiErrorBody['code'];

const TENANT_HEADER = 'X-Tenant-ID';

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type LooseTenant<H> = Omit<H, typeof TENANT_HEADER> & { [TENANT_HEADER]?: string };
type BoundParameters<P> = P extends { header: infer H }
  ? [RequiredKeys<LooseTenant<H>>] extends [never]
    ? Omit<P, 'header'> & { header?: LooseTenant<H> }
    : Omit<P, 'header'> & { header: LooseTenant<H> }
  : P;
type BoundOperation<Op> = Op extends { parameters: infer P }
  ? Omit<Op, 'parameters'> & { parameters: BoundParameters<P> }
  : Op;

/**
 * The document's paths with `X-Tenant-ID` optional on every call: the client sends the tenant it
 * was created with (a call may still pass the header itself).
 */
export type TesseraPaths = {
  [Path in keyof paths]: { [Method in keyof paths[Path]]: BoundOperation<paths[Path][Method]> };
};

/** The typed client: `client.GET('/v1/users/me/mfa')`, `client.POST(…, { body })`, each answering `{ data } | { error }`. */
export type TesseraClient = Client<TesseraPaths>;

/** A credential, or a function that returns the current one (called for every request, so tokens can be refreshed). */
export type CredentialSource = string | (() => string | undefined | Promise<string | undefined>);

export interface TesseraClientOptions {
  /** Where the API is, e.g. https://mfa.example.com (the document's `servers`). */
  baseUrl: string;
  /** Sent as X-Tenant-ID on every request unless the call sets it. */
  tenantId?: string;
  /** A user's bearer token (user routes). */
  token?: CredentialSource;
  /** A tenant admin key or the platform key, sent as X-API-Key (administration routes). */
  apiKey?: CredentialSource;
  /**
   * Tessera's MFA token from a completed step-up challenge (`stepUp()`), sent as X-MFA-Token: the
   * proof a factor change needs once the user has MFA. Return undefined when there is none.
   */
  mfaToken?: CredentialSource;
  /** Another fetch (tests, instrumentation); the global fetch otherwise. */
  fetch?: (request: Request) => Promise<Response>;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
}

/** A client for one tenant and one set of credentials. */
export function createTesseraClient(options: TesseraClientOptions): TesseraClient {
  const client = createClient<TesseraPaths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: options.headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(credentials(options));
  return client;
}

function credentials(options: TesseraClientOptions): Middleware {
  return {
    async onRequest({ request }) {
      const set = (name: string, value: string | undefined) => {
        if (value && !request.headers.has(name)) request.headers.set(name, value);
      };
      set(TENANT_HEADER, options.tenantId);
      const token = await resolve(options.token);
      set('Authorization', token ? `Bearer ${token}` : undefined);
      set('X-API-Key', await resolve(options.apiKey));
      set('X-MFA-Token', await resolve(options.mfaToken));
      return request;
    },
  };
}

async function resolve(source: CredentialSource | undefined): Promise<string | undefined> {
  return typeof source === 'function' ? source() : source;
}
