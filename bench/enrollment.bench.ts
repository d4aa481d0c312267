/**
 * Registration ceremonies over HTTP against a real server process (options → create → complete),
 * at concurrency 1, 8 and 32, for two scenarios: existing users adding a factor, and new users
 * (whose first factor hashes ten backup codes). Reports ceremonies/s, latency percentiles per call,
 * server CPU ms per ceremony (read from /proc: the steadiest figure on a shared machine), RSS, and
 * an in-process floor (@simplewebauthn/server generate + verify alone) measured in the same run.
 *
 *   npm run bench                      PostgreSQL (postgres://postgres@127.0.0.1:5432/test, scratch database)
 *   npm run bench -- --sqlite          SQLite file in a temp dir
 *   npm run bench -- --quick           fewer ceremonies (a smoke run)
 *   npm run bench -- --cpu-prof DIR    write a V8 CPU profile of the server to DIR
 *   npm run bench -- --minutes N       stop starting ceremonies after N minutes (default 20; soaks on a busy machine need more)
 * Only 127.0.0.1 is contacted; the run is bounded in count and time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { SignJWT } from 'jose';
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import { SoftAuthenticator } from '../test/support/soft-authenticator.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const useSqlite = flag('--sqlite');
const quick = flag('--quick');
const cpuProfDir = option('--cpu-prof');
/** e.g. --phases 8:3000,32:3000 replaces the existing-user phases; --no-new skips the new-user scenario. */
const phasesOption = option('--phases');
const skipNewUsers = flag('--no-new');
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = randomBytes(32).toString('hex');
const PLATFORM_KEY = randomBytes(24).toString('hex');
const ORIGIN = 'https://app.bench.test';
const CLK_TCK = 100;
const DEADLINE = Date.now() + Number(option('--minutes') ?? 20) * 60_000;

interface CallStats {
  options: number[];
  complete: number[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function procStat(pid: number): { cpuMs: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuMs: (ticks * 1000) / CLK_TCK, rssMb: rssKb / 1024 };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function startServer(databaseUrl: string): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  // Extra V8 flags for experiments (BENCH_NODE_FLAGS), plus profiling when asked.
  const nodeArgs = [
    ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []),
  ];
  const child = spawn(process.execPath, [...nodeArgs, 'dist/apps/api/src/main.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      DATABASE_URL: databaseUrl,
      MIGRATE_ON_START: 'true',
      AUTH_JWT_SECRET: SECRET,
      PLATFORM_API_KEY: PLATFORM_KEY,
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENROLL_PER_MINUTE: '30',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { child, base };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('server did not become ready');
}

async function json(base: string, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function token(tenantId: string, sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  // The IdP asserts MFA: existing users adding a factor need a step-up proof, and this is the cheap one.
  return new SignJWT({ tenant_id: tenantId, auth_time: now, amr: ['pwd', 'mfa'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(SECRET));
}

interface User {
  id: string;
  tenantId: string;
  headers: Record<string, string>;
  mintedAt: number;
}

async function benchUser(tenantId: string, id: string): Promise<User> {
  return {
    id,
    tenantId,
    headers: { Authorization: `Bearer ${await token(tenantId, id)}`, 'X-Tenant-ID': tenantId },
    mintedAt: Date.now(),
  };
}

/** Adding a factor needs a sign-in under 15 minutes old (baseline rule): long runs re-mint tokens after 10. */
async function refreshed(user: User): Promise<User> {
  if (Date.now() - user.mintedAt > 10 * 60_000) Object.assign(user, await benchUser(user.tenantId, user.id));
  return user;
}

async function ceremony(base: string, user: User, stats: CallStats): Promise<number> {
  await refreshed(user);
  const auth = new SoftAuthenticator();
  let t0 = performance.now();
  const options = await json(
    base,
    'POST',
    '/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey',
    user.headers,
  );
  stats.options.push(performance.now() - t0);
  if (options.status !== 200) throw new Error(`options ${options.status} ${JSON.stringify(options.body)}`);
  const credential = auth.createCredential(options.body.options, { origin: ORIGIN });
  t0 = performance.now();
  const done = await json(base, 'POST', '/v1/users/me/mfa/webauthn/register/complete', user.headers, {
    credential,
    device_name: 'bench',
    method_type: 'webauthn_passkey',
  });
  stats.complete.push(performance.now() - t0);
  if (done.status !== 200) throw new Error(`complete ${done.status} ${JSON.stringify(done.body)}`);
  return done.body.codes.length;
}

/** Runs `total` ceremonies with `concurrency` workers; `next` hands out the user for each. */
async function phase(base: string, pid: number, total: number, concurrency: number, next: () => User) {
  const stats: CallStats = { options: [], complete: [] };
  const before = procStat(pid);
  const start = performance.now();
  let started = 0;
  let codesIssued = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total && Date.now() < DEADLINE) {
        started++;
        const issued = await ceremony(base, next(), stats);
        codesIssued += issued;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const after = procStat(pid);
  const done = stats.complete.length;
  const sort = (a: number[]) => [...a].sort((x, y) => x - y);
  const o = sort(stats.options);
  const c = sort(stats.complete);
  return {
    concurrency,
    ceremonies: done,
    per_second: done / seconds,
    cpu_ms_per_ceremony: (after.cpuMs - before.cpuMs) / done,
    options_ms: { p50: percentile(o, 50), p90: percentile(o, 90), p99: percentile(o, 99) },
    complete_ms: { p50: percentile(c, 50), p90: percentile(c, 90), p99: percentile(c, 99) },
    rss_mb: after.rssMb,
    codes_issued: codesIssued,
  };
}

/** The same library work in-process, without HTTP, auth, tenancy, policy or a database. */
async function inProcessFloor(n: number): Promise<number> {
  const auth = new SoftAuthenticator();
  let libCpuUs = 0;
  for (let i = 0; i < n; i++) {
    let c0 = process.cpuUsage();
    const options = await generateRegistrationOptions({
      rpName: 'Bench',
      rpID: 'bench.test',
      userName: `u${i}`,
      userID: randomBytes(32),
      challenge: randomBytes(32),
      attestationType: 'none',
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      supportedAlgorithmIDs: [-7, -8, -257],
    });
    let d = process.cpuUsage(c0);
    libCpuUs += d.user + d.system;
    const credential = auth.createCredential(options, { origin: ORIGIN });
    c0 = process.cpuUsage();
    const v = await verifyRegistrationResponse({
      response: credential,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: 'bench.test',
      requireUserVerification: true,
      supportedAlgorithmIDs: [-7, -8, -257],
    });
    d = process.cpuUsage(c0);
    libCpuUs += d.user + d.system;
    if (!v.verified) throw new Error('floor: not verified');
  }
  return libCpuUs / 1000 / n;
}

async function main() {
  let databaseUrl: string;
  let cleanup: () => Promise<void>;
  if (useSqlite) {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
    databaseUrl = `sqlite:${join(dir, 'bench.sqlite')}`;
    cleanup = () => Promise.resolve(rmSync(dir, { recursive: true, force: true }));
  } else {
    const name = `tessera_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    cleanup = async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }

  const { child, base } = await startServer(databaseUrl);
  const pid = child.pid!;
  try {
    const tenantRes = await json(
      base,
      'POST',
      '/v1/tenants',
      { 'X-API-Key': PLATFORM_KEY },
      {
        name: 'Bench',
        // A run lasts minutes: the sessions' MFA (below) stays a valid step-up proof for all of it.
        webauthn: { rp_id: 'bench.test', rp_name: 'Bench', origins: [ORIGIN], step_up_max_age_seconds: 3600 },
      },
    );
    if (tenantRes.status !== 201) throw new Error(`tenant: ${tenantRes.status}`);
    const tenantId: string = tenantRes.body.id;
    const rssStart = procStat(pid).rssMb;

    // Existing users: each enrolled once first (not measured), then adds up to 8 more factors,
    // so none reaches 10 authenticators or 30 enrollment calls a minute.
    const perUser = 8;
    const phases = phasesOption
      ? phasesOption.split(',').map((p) => p.split(':').map(Number))
      : quick
        ? [
            [1, 100],
            [8, 400],
            [32, 400],
          ]
        : [
            [1, 500],
            [8, 10_000],
            [32, 9_500],
          ];
    const existingTotal = phases.reduce((n, [, count]) => n + count, 0);
    const userCount = Math.ceil(existingTotal / perUser) + 1;
    const users: User[] = [];
    for (let i = 0; i < userCount; i++) {
      const id = `existing-${i}`;
      users.push(await benchUser(tenantId, id));
    }
    process.stderr.write(`enrolling ${userCount} users once (setup)…\n`);
    let setupIndex = 0;
    await phase(base, pid, userCount, 8, () => users[setupIndex++]);

    // Round-robin over users keeps each user's call rate far below the per-minute limit.
    let cursor = 0;
    const nextExisting = () => users[cursor++ % users.length];
    const existing = [];
    const rssSamples: number[] = [];
    for (const [concurrency, count] of phases) {
      process.stderr.write(`existing users: ${count} ceremonies at concurrency ${concurrency}…\n`);
      const r = await phase(base, pid, count, concurrency, nextExisting);
      existing.push(r);
      rssSamples.push(r.rss_mb);
    }

    const newUserPhases = skipNewUsers
      ? []
      : quick
        ? [[8, 200]]
        : [
            [1, 200],
            [8, 1000],
            [32, 1000],
          ];
    let newSeq = 0;
    const freshUsers: User[] = [];
    for (let i = 0; i < newUserPhases.reduce((n, [, c]) => n + c, 0); i++) {
      const id = `new-${i}`;
      freshUsers.push(await benchUser(tenantId, id));
    }
    const fresh = [];
    for (const [concurrency, count] of newUserPhases) {
      process.stderr.write(`new users: ${count} ceremonies at concurrency ${concurrency}…\n`);
      fresh.push(await phase(base, pid, count, concurrency, () => freshUsers[newSeq++]));
    }
    const rssEnd = procStat(pid).rssMb;
    const floorMs = await inProcessFloor(quick ? 100 : 300);

    const rows = [
      ...existing.map((r) => ({ scenario: 'existing users', ...r })),
      ...fresh.map((r) => ({ scenario: 'new users', ...r })),
    ];
    const f = (n: number, d = 1) => n.toFixed(d);
    console.log(
      `\nTessera enrollment benchmark — ${useSqlite ? 'SQLite' : 'PostgreSQL'}, Node ${process.version}, ${new Date().toISOString()}`,
    );
    console.log(
      '| scenario | conc. | ceremonies | cer/s | server CPU ms/cer | options p50/p90/p99 ms | complete p50/p90/p99 ms | RSS MB |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.scenario} | ${r.concurrency} | ${r.ceremonies} | ${f(r.per_second)} | ${f(r.cpu_ms_per_ceremony, 2)} | ${f(r.options_ms.p50)}/${f(r.options_ms.p90)}/${f(r.options_ms.p99)} | ${f(r.complete_ms.p50)}/${f(r.complete_ms.p90)}/${f(r.complete_ms.p99)} | ${f(r.rss_mb, 0)} |`,
      );
    }
    console.log(
      `\nIn-process floor (@simplewebauthn/server generate + verify only): ${f(floorMs, 2)} ms CPU per ceremony`,
    );
    const atC8 = existing.find((r) => r.concurrency === 8)!;
    console.log(
      `Overhead ratio at concurrency 8 (existing users): ${f(atC8.cpu_ms_per_ceremony / floorMs, 2)}x the floor`,
    );
    console.log(
      `RSS: ${f(rssStart, 0)} MB at start, ${f(rssEnd, 0)} MB at the end; per phase: ${rssSamples.map((s) => f(s, 0)).join(' → ')} MB`,
    );
    console.log(
      JSON.stringify({
        bench: 'enrollment',
        database: useSqlite ? 'sqlite' : 'postgres',
        node: process.version,
        floor_cpu_ms: floorMs,
        rss_start_mb: rssStart,
        rss_end_mb: rssEnd,
        rows,
      }),
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
