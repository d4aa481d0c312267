import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { sendWebhook, MAX_RESPONSE_BYTES } from './webhook-sender.js';

describe('webhook sender', () => {
  let server: Server;
  let port = 0;
  const seen: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/redirect') return void res.writeHead(302, { Location: 'http://127.0.0.1:1/elsewhere' }).end();
      if (req.url === '/big') return void res.writeHead(200).end(Buffer.alloc(MAX_RESPONSE_BYTES * 4, 97));
      if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end(), 2_000);
      res.writeHead(204).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const post = (path: string, host = '127.0.0.1', extra: Partial<Parameters<typeof sendWebhook>[1]> = {}) =>
    sendWebhook(
      { url: `http://${host}:${port}${path}`, headers: { 'Content-Type': 'application/json' }, body: '{}' },
      { allowPrivateNetworks: true, ...extra },
    );

  it('posts and reports the status', async () => {
    assert.deepEqual(await post('/ok'), { ok: true, status: 204 });
  });

  it('does not follow redirects', async () => {
    const before = seen.length;
    assert.deepEqual(await post('/redirect'), { ok: false, status: 302, error: 'redirect_not_followed' });
    assert.deepEqual(seen.slice(before), ['/redirect']);
  });

  it('reads at most 64 KiB of an answer', async () => {
    assert.deepEqual(await post('/big'), { ok: true, status: 200 });
  });

  it('gives up after the timeout', async () => {
    assert.deepEqual(await post('/slow', '127.0.0.1', { timeoutMs: 200 }), { ok: false, error: 'timeout' });
  });

  it('a name that resolves to a private address (DNS rebinding) is refused at connect time, before any byte is sent', async () => {
    const before = seen.length;
    // The name resolves to loopback now, whatever it resolved to when the endpoint was created.
    const resolve = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    assert.deepEqual(await post('/rebound', 'hooks.rebind.test', { allowPrivateNetworks: false, resolve }), {
      ok: false,
      error: 'address_refused',
    });
    assert.deepEqual(await post('/literal', '127.0.0.1', { allowPrivateNetworks: false }), {
      ok: false,
      error: 'address_refused',
    });
    assert.equal(seen.length, before, 'the receiver saw nothing');
    // The same name, allowed: the guard is what refused it.
    assert.deepEqual(await post('/allowed', 'hooks.rebind.test', { allowPrivateNetworks: true, resolve }), {
      ok: true,
      status: 204,
    });
  });
});
