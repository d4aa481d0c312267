import { AsyncLocalStorage } from 'node:async_hooks';

/** What every audit event written while serving a request records about that request. */
export interface RequestFacts {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}

const store = new AsyncLocalStorage<RequestFacts>();

/**
 * Runs `fn` (the rest of a request's handling) with its facts in scope, so services deep below
 * the controller stamp them on events without passing them down every call.
 */
export function runInRequestScope<T>(facts: RequestFacts, fn: () => T): T {
  return store.run(facts, fn);
}

/** The facts of the request being served, or undefined outside a request (CLI, dispatcher). */
export function currentRequestFacts(): RequestFacts | undefined {
  return store.getStore();
}

const MAX_USER_AGENT = 512;

/** Bounds header values before they are stored. */
export function requestFacts(requestId: string, ip: string | undefined, userAgent: string | undefined): RequestFacts {
  return { requestId, ip: ip || null, userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null };
}
