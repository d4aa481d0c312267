import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  installRevocationFetch,
  revocationFetcher,
  RevocationFetchDisabled,
  type FetchLike,
} from './revocation-fetch.js';

const URL_A = 'http://crl.example.test/a.crl';

describe('revocation list fetching', () => {
  it('off: answers at once without calling the network', async () => {
    let called = 0;
    const fetcher = revocationFetcher({ enabled: false, fetch: () => (called++, assert.fail('network used')) });
    await assert.rejects(fetcher(URL_A), RevocationFetchDisabled);
    assert.equal(called, 0);
  });

  it('on: one bounded download per list, reused while cached; failures are cached too, then retried', async () => {
    let now = 0;
    const calls: string[] = [];
    let fail = false;
    const net: FetchLike = (url, init) => {
      calls.push(url);
      assert.ok(init?.signal instanceof AbortSignal, 'every download carries a timeout signal');
      if (fail) return Promise.reject(new Error('unreachable'));
      return Promise.resolve({
        ok: true,
        status: 200,
        arrayBuffer: () => Promise.resolve(new Uint8Array([1, 2, 3]).buffer),
      });
    };
    const fetcher = revocationFetcher({ enabled: true, fetch: net, now: () => now, cacheMs: 1000 });
    assert.deepEqual(new Uint8Array(await (await fetcher(URL_A)).arrayBuffer()), new Uint8Array([1, 2, 3]));
    await fetcher(URL_A);
    assert.equal(calls.length, 1);
    now = 2000;
    fail = true;
    await assert.rejects(fetcher(URL_A), /unreachable/);
    await assert.rejects(fetcher(URL_A), /unreachable/);
    assert.equal(calls.length, 2, 'a failure is not retried at once');
    now = 2000 + 6 * 60 * 1000;
    fail = false;
    await fetcher(URL_A);
    assert.equal(calls.length, 3);
  });

  it('on: a download that does not answer is abandoned when its timeout fires', async () => {
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error), { once: true }),
      );
    const fetcher = revocationFetcher({ enabled: true, fetch: hang, timeoutMs: 20 });
    await assert.rejects(fetcher(URL_A), /timeout|abort/i);
  });

  it('on: only http(s) URLs, non-2xx is a failure', async () => {
    const fetcher = revocationFetcher({
      enabled: true,
      fetch: () => Promise.resolve({ ok: false, status: 503, arrayBuffer: () => Promise.resolve(new ArrayBuffer(0)) }),
    });
    await assert.rejects(fetcher('ldap://crl.example.test/x'), /Unsupported CRL URL/);
    await assert.rejects(fetcher(URL_A), /HTTP 503/);
  });

  it("finds the library's fetch hook (fails if a library update moves it)", async () => {
    await installRevocationFetch({ enabled: false });
  });
});
