import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { loadConfig } from '#config';
import { createApp } from '../../apps/api/src/create-app.js';
import { ExpiredRecordsPurger, PURGE_LOCK_KEY } from '#mfa';
import {
  postgresAvailable,
  startTestApp,
  TEST_JWT_SECRET,
  TEST_PLATFORM_KEY,
  type TestApp,
} from '../support/test-app.js';

const REGISTER = '/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey';

// Two API nodes on one PostgreSQL database: expired ceremonies are purged by one node at a time.
describe(
  'housekeeping on two nodes sharing PostgreSQL',
  { skip: !(await postgresAvailable()) && 'PostgreSQL not reachable' },
  () => {
    let a: TestApp;
    let b: NestExpressApplication;
    let tenantId: string;

    before(async () => {
      a = await startTestApp('postgres');
      const config = loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: a.db.url,
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
        PLATFORM_API_KEY: TEST_PLATFORM_KEY,
        METRICS_PORT: '0',
        LOG_LEVEL: 'silent',
      });
      b = (await createApp(config)).app;
      tenantId = (await a.createTenant()).id;
    });
    after(async () => {
      await b?.close();
      await a?.close();
    });

    /** `n` pending enrollments that expired a second ago. */
    async function expiredEnrollments(prefix: string, n: number): Promise<void> {
      for (let i = 0; i < n; i++) {
        const res = await a.request('POST', REGISTER, { headers: await a.userHeaders(tenantId, `${prefix}-${i}`) });
        assert.equal(res.status, 200, res.text);
      }
      await a.app
        .get(DataSource)
        .query(`UPDATE pending_enrollments SET expires_at = $1 WHERE user_id LIKE $2`, [
          new Date(Date.now() - 1000),
          `${prefix}-%`,
        ]);
    }

    async function remaining(prefix: string): Promise<number> {
      const rows = await a.app
        .get(DataSource)
        .query(`SELECT COUNT(*) AS n FROM pending_enrollments WHERE user_id LIKE $1`, [`${prefix}-%`]);
      return Number(rows[0].n);
    }

    /** Whether some session holds the purge lock (polled, bounded; never a timed assertion). */
    async function lockHeld(client: pg.Client): Promise<boolean> {
      for (let i = 0; i < 200; i++) {
        const { rows } = await client.query(
          `SELECT COUNT(*)::int AS n FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND s.datname = current_database()`,
        );
        if (rows[0].n > 0) return true;
        await new Promise((r) => setTimeout(r, 25));
      }
      return false;
    }

    it('a node skips the pass while another node holds the purge lock', async () => {
      await expiredEnrollments('held', 3);
      const other = new pg.Client({ connectionString: a.db.url });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query(`SELECT pg_advisory_xact_lock(${PURGE_LOCK_KEY})`);
        assert.deepEqual(await a.app.get(ExpiredRecordsPurger).pass(), { ran: false, deleted: 0 });
        assert.deepEqual(await b.get(ExpiredRecordsPurger).pass(), { ran: false, deleted: 0 });
        assert.equal(await remaining('held'), 3);
        await other.query('COMMIT');
      } finally {
        await other.end();
      }
      assert.deepEqual(await b.get(ExpiredRecordsPurger).pass(), { ran: true, deleted: 3 });
      assert.equal(await remaining('held'), 0);
    });

    it('while one node is purging, the other skips; the rows are deleted once', async () => {
      await expiredEnrollments('busy', 4);
      // Hold one of the expired rows so node A's pass stops inside its transaction, holding the lock.
      const blocker = new pg.Client({ connectionString: a.db.url });
      const watcher = new pg.Client({ connectionString: a.db.url });
      await blocker.connect();
      await watcher.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query(`SELECT id FROM pending_enrollments WHERE user_id = 'busy-0' FOR UPDATE`);
        const passA = a.app.get(ExpiredRecordsPurger).pass();
        assert.equal(await lockHeld(watcher), true, 'node A took the purge lock');
        assert.deepEqual(
          await b.get(ExpiredRecordsPurger).pass(),
          { ran: false, deleted: 0 },
          'node B skips while A purges',
        );
        await blocker.query('COMMIT');
        assert.deepEqual(await passA, { ran: true, deleted: 4 });
      } finally {
        await blocker.end();
        await watcher.end();
      }
      assert.equal(await remaining('busy'), 0);
      // Once A is done, B purges again (nothing left).
      assert.deepEqual(await b.get(ExpiredRecordsPurger).pass(), { ran: true, deleted: 0 });
    });
  },
);
