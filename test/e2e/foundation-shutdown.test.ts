import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TEST_JWT_SECRET, TEST_PLATFORM_KEY } from '../support/test-app.js';
import { API_MAIN as MAIN, freePort } from '../support/server-process.js';

/** Resolves true when a TCP connection is refused (the listener is closed). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('graceful shutdown of the built server (SIGTERM)', () => {
  let dir: string;
  let child: ChildProcess;
  let port: number;
  let stdout = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-shutdown-'));
    port = await freePort();
    child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        PORT: String(port),
        HOST: '127.0.0.1',
        METRICS_PORT: '0',
        DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
        PLATFORM_API_KEY: TEST_PLATFORM_KEY,
        DEMO_TENANT: 'false',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.setEncoding('utf8');
    child.stderr!.resume();
    // Ready once the server logs that it is listening.
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('"msg":"listening"')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${stdout}`)));
    });
  });
  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the in-flight request, stops accepting, closes the pool and exits 0', async () => {
    const body = JSON.stringify({ name: 'Created during shutdown' });
    const half = Math.floor(body.length / 2);
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/tenants',
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'X-API-Key': TEST_PLATFORM_KEY,
        Expect: '100-continue',
      },
    });
    const response = new Promise<{ res: IncomingMessage; text: string }>((resolve, reject) => {
      req.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ res, text }));
      });
      req.once('error', reject);
    });
    // "100 Continue" means the server has the request in hand: it is in flight.
    req.flushHeaders();
    await once(req, 'continue');
    req.write(body.slice(0, half));

    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.kill('SIGTERM');
    // Wait (bounded) until the listener is closed: new connections are refused while ours is open.
    let closed = false;
    for (let attempt = 0; attempt < 200 && !closed; attempt += 1) {
      closed = await refused(port);
      if (!closed) await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(closed, true, 'the server stopped accepting connections');
    assert.equal(child.exitCode, null, 'the process waits for the in-flight request');

    req.end(body.slice(half));
    const { res, text } = await response;
    assert.equal(res.statusCode, 201, text);
    const created = JSON.parse(text) as { id: string };

    const [code, signal] = await exited;
    assert.equal(signal, null);
    assert.equal(code, 0);
    // One line when shutdown starts, one when it has finished, in that order, after the request.
    const started = stdout.indexOf('"msg":"shutdown started"');
    const finished = stdout.indexOf('"msg":"shutdown complete"');
    assert.ok(started > 0 && finished > started, stdout.slice(-2000));
    assert.match(stdout, /"signal":"SIGTERM"[^\n]*"msg":"shutdown started"/);

    // The request's transaction committed before the pool closed.
    const db = new Database(join(dir, 'db.sqlite'), { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT name FROM tenants WHERE id = ?').get(created.id), {
        name: 'Created during shutdown',
      });
    } finally {
      db.close();
    }
  });
});
