/**
 * Where @simplewebauthn/server's certificate-path checks get revocation lists from.
 *
 * The library fetches the CRL named by every certificate of an attestation chain (android-key
 * chains name Google's) with the global `fetch` and no timeout, in the middle of the request. It
 * routes every such download through one internal hook; this module installs Tessera's policy
 * there: off (the default) answers without touching the network, so the library skips the check
 * as it does for an unreachable CRL; on, each download is bounded and cached.
 */
export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<Pick<Response, 'ok' | 'status' | 'arrayBuffer'>>;

export interface RevocationFetchOptions {
  enabled: boolean;
  /** Bound of one download. */
  timeoutMs?: number;
  /** How long a downloaded list (or a failure) is reused. */
  cacheMs?: number;
  /** The network, injectable for tests; the global fetch otherwise. */
  fetch?: FetchLike;
  now?: () => number;
}

export const CRL_TIMEOUT_MS = 2_000;
const CRL_CACHE_MS = 60 * 60 * 1000;
const FAILURE_CACHE_MS = 5 * 60 * 1000;
const MAX_CRL_BYTES = 8 * 1024 * 1024;

export class RevocationFetchDisabled extends Error {
  constructor(url: string) {
    super(`Revocation list ${url} not fetched: ATTESTATION_CRL_FETCH is off`);
    this.name = 'RevocationFetchDisabled';
  }
}

interface LibraryFetchHook {
  stubThis: (url: string) => Promise<{ arrayBuffer(): Promise<ArrayBuffer> }>;
}

/**
 * The library's internal fetch hook. It is not exported by the package, so it is loaded from the
 * same file the library itself imports (one module instance per URL); the spec beside this file
 * fails if a library update moves it.
 */
async function libraryFetchHook(): Promise<LibraryFetchHook> {
  const entry = import.meta.resolve('@simplewebauthn/server');
  const mod = (await import(new URL('./helpers/fetch.js', entry).href)) as { _fetchInternals?: LibraryFetchHook };
  if (!mod._fetchInternals || typeof mod._fetchInternals.stubThis !== 'function')
    throw new Error('@simplewebauthn/server no longer exposes its fetch hook');
  return mod._fetchInternals;
}

/** A fetcher with the policy above: what the library's hook calls. */
export function revocationFetcher(
  options: RevocationFetchOptions,
): (url: string) => Promise<{ arrayBuffer(): Promise<ArrayBuffer> }> {
  const timeoutMs = options.timeoutMs ?? CRL_TIMEOUT_MS;
  const cacheMs = options.cacheMs ?? CRL_CACHE_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { until: number; body?: ArrayBuffer; error?: Error }>();
  const inFlight = new Map<string, Promise<ArrayBuffer>>();

  const download = async (url: string): Promise<ArrayBuffer> => {
    const net = options.fetch ?? globalThis.fetch;
    const res = await net(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = await res.arrayBuffer();
    if (body.byteLength > MAX_CRL_BYTES) throw new Error(`CRL of ${body.byteLength} bytes`);
    return body;
  };

  return async (url: string) => {
    if (!options.enabled) throw new RevocationFetchDisabled(url);
    if (!/^https?:\/\//i.test(url)) throw new Error(`Unsupported CRL URL ${url}`);
    const hit = cache.get(url);
    if (hit && hit.until > now()) {
      if (hit.error) throw hit.error;
      const body = hit.body!;
      return { arrayBuffer: () => Promise.resolve(body.slice(0)) };
    }
    let pending = inFlight.get(url);
    if (!pending) {
      pending = download(url).finally(() => inFlight.delete(url));
      inFlight.set(url, pending);
    }
    try {
      const body = await pending;
      cache.set(url, { until: now() + cacheMs, body });
      return { arrayBuffer: () => Promise.resolve(body.slice(0)) };
    } catch (err) {
      // A network that drops packets costs one timeout per list per few minutes, not one per request.
      const error = err instanceof Error ? err : new Error(String(err));
      cache.set(url, { until: now() + FAILURE_CACHE_MS, error });
      throw error;
    }
  };
}

/** Routes every revocation download of the library through `revocationFetcher(options)`. */
export async function installRevocationFetch(options: RevocationFetchOptions): Promise<void> {
  const hook = await libraryFetchHook();
  hook.stubThis = revocationFetcher(options);
}

/**
 * @simplewebauthn/server ships Google's and Apple's roots and refuses an android-key or apple
 * attestation that does not chain to them: a failed ceremony. Tessera decides trust from FIDO
 * metadata instead (an untrusted attestation is a fact for the tenant's policy), so those formats
 * are left to the assessor; the library still checks every signature and the chain's own links.
 */
export async function configureAttestationLibrary(options: RevocationFetchOptions): Promise<void> {
  const { SettingsService } = await import('@simplewebauthn/server');
  for (const identifier of ['android-key', 'apple'] as const)
    SettingsService.setRootCertificates({ identifier, certificates: [] });
  await installRevocationFetch(options);
}
