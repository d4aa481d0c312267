import type { ApiErrorBody } from './client.js';

/** A failure on this side of the wire: the browser's WebAuthn ceremony, the network, or an answer that is not the API's. */
export interface ClientFailure {
  code: 'ceremony_failed' | 'network_error' | 'unexpected_response';
  message: string;
  /**
   * `name`: the DOMException or error name (`NotAllowedError` when the person cancelled or the
   * ceremony timed out); `reason`: @simplewebauthn/browser's code, when it gave one
   * (e.g. `ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED`); `status`: the HTTP status of an unexpected answer.
   */
  details: { name?: string; reason?: string; status?: number };
  notices?: undefined;
}

/** What a helper answers when it did not succeed: the API's error body, or a client-side failure. */
export type TesseraError = ApiErrorBody | ClientFailure;

/** The API's result, or its error, as a value: check `error` first. `status` is the HTTP status of the API's answer, when there was one. */
export type Outcome<T> =
  { data: T; error?: undefined; status: number } | { data?: undefined; error: TesseraError; status?: number };

/** The failure of one step, as the failure of a whole helper. */
export function failed<T>(outcome: { error: TesseraError; status?: number }): Outcome<T> {
  return outcome.status === undefined ? { error: outcome.error } : { error: outcome.error, status: outcome.status };
}

/** The part of an openapi-fetch answer a helper needs. */
interface FetchAnswer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Turns a typed client call into an Outcome; a network failure becomes `network_error` rather than a throw. */
export async function outcomeOf<T>(call: Promise<FetchAnswer<T>>): Promise<Outcome<T>> {
  let answer: FetchAnswer<T>;
  try {
    answer = await call;
  } catch (err) {
    return {
      error: {
        code: 'network_error',
        message: errorMessage(err, 'The API could not be reached.'),
        details: { name: errorName(err) },
      },
    };
  }
  const status = answer.response.status;
  if (answer.response.ok) return { data: answer.data as T, status };
  if (isApiError(answer.error)) return { error: answer.error, status };
  return {
    error: {
      code: 'unexpected_response',
      message: `The API answered HTTP ${status} without an error body.`,
      details: { status },
    },
    status,
  };
}

/** Whether a value is the API's error body. */
export function isApiError(value: unknown): value is ApiErrorBody {
  const v = value as { code?: unknown; message?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.code === 'string' && typeof v.message === 'string';
}

export function errorName(err: unknown): string | undefined {
  return err instanceof Error || (typeof err === 'object' && err !== null && 'name' in err)
    ? String(err.name)
    : undefined;
}

export function errorMessage(err: unknown, fallback: string): string {
  return err instanceof Error && err.message ? err.message : fallback;
}
