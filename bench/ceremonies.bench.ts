/**
 * Ceremonies over HTTP against a real server process, with the software authenticator:
 *   existing  existing users adding a passkey (options → create → complete)
 *   new       new users enrolling their first factor (which hashes ten backup codes)
 *   sign-in   API-key challenge → webauthn begin → assertion → complete (an MFA token)
 *   step-up   bearer challenge → webauthn begin → assertion → complete
 *   soak      existing users adding a passkey at one concurrency, RSS after each third
 *   http      GET /healthz: what the HTTP stack and middleware cost per request, with no work behind it
 * For each phase: ceremonies/s, ceremony latency percentiles, server CPU ms per ceremony (from
 * /proc/<pid>/stat: the server process alone) and RSS. Beside them, in the same run, the
 * in-process floor of the same library calls (@simplewebauthn/server, and jose for the tokens) and
 * the ratio Tessera/floor, and one Cedar decision in-process. The server is pinned to CPU 0, and
 * this client and a local PostgreSQL to CPU 1 (taskset), so the server's core runs the server alone.
 *
 *   npm run bench                          all scenarios on PostgreSQL (a scratch database)
 *   npm run bench -- --sqlite              SQLite file in a temp dir
 *   npm run bench -- --quick               fewer ceremonies (a smoke run)
 *   npm run bench -- --only sign-in,step-up    some scenarios
 *   npm run bench -- --phases 8:3000,32:3000   the phases of existing, sign-in and step-up
 *   npm run bench -- --soak 20000          ceremonies of the soak (0: none)
 *   npm run bench -- --warm-up 6000        ceremonies at c=8 before the phases of existing, sign-in and
 *                                          step-up, not reported (default 5000, --quick 300; --compare: the
 *                                          phase's count)
 *   npm run bench -- --cpu-prof DIR        a V8 CPU profile of the server for each phase, in DIR
 *                                          (node scripts/profile-breakdown.mjs DIR/<phase>.cpuprofile)
 *   npm run bench -- --perf DIR            a perf profile of the whole server process for each phase,
 *                                          (node scripts/perf-breakdown.mjs DIR/<phase>.perf.data)
 *   npm run bench -- --minutes N           stop starting ceremonies after N minutes (default 30)
 *   npm run bench -- --no-pin              leave CPU placement to the scheduler
 *   npm run bench -- --compare DIR         this build against the build in DIR (another checkout, built),
 *                                          both servers on CPU 0, in alternating phases (--rounds N, default 6):
 *                                          sign-in, step-up, existing and new users (--only picks)
 * Only 127.0.0.1 is contacted; every phase is bounded in count and the run in time.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { SignJWT, jwtVerify } from 'jose';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { SoftAuthenticator } from '../test/support/soft-authenticator.js';
import { PolicyEngine } from '#policy';
import { generateBackupCodeSet, hashBackupCodeSet } from '#mfa';
import { productionRuntime } from './production-runtime.js';
import { movePostgresTo, postgresCpu } from './database-placement.js';
import { processCpuMs } from './proc-cpu.js';
import { onStop } from './stop-hooks.js';
import { DECISION_TENANT_ID, signInDecisionRequest } from './floor-decisions.js';
import { PhasePerf, perfAvailable, perfNodeFlags } from './phase-perf.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const useSqlite = flag('--sqlite');
const quick = flag('--quick');
const cpuProfDir = option('--cpu-prof');
const perfDir = option('--perf');
const compareDir = option('--compare');
const rounds = Number(option('--rounds') ?? 6);
const warmUpOption = option('--warm-up');
const warmUp = Number(warmUpOption ?? (quick ? 300 : 5000));
type Scenario = 'http' | 'existing' | 'new' | 'sign-in' | 'step-up' | 'minimal' | 'soak';
const only = option('--only')?.split(',') as Scenario[] | undefined;
const runs = (s: Scenario) => (only ? only.includes(s) : true);
const phasesOption = option('--phases')
  ?.split(',')
  .map((p) => p.split(':').map(Number) as [number, number]);
const soakTotal = Number(option('--soak') ?? (quick ? 0 : 20_000));
const pin = !flag('--no-pin') && availableParallelism() >= 2 && hasTaskset();
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = randomBytes(32).toString('hex');
const PLATFORM_KEY = randomBytes(24).toString('hex');
const ORIGIN = 'https://app.bench.test';
const RP_ID = 'bench.test';
const DEADLINE = Date.now() + Number(option('--minutes') ?? 30) * 60_000;
/** Users who already hold a passkey, for sign-in and step-up. */
const SIGN_IN_USERS = quick ? 100 : 400;

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** What the server's memory is made of: from /proc (anonymous vs file-backed pages) and its own V8 gauges. */
async function memoryOf(pid: number, metricsUrl: string): Promise<Record<string, number>> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  const text = await (await fetch(metricsUrl)).text();
  const gauge = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) / 2 ** 20 : NaN;
  };
  return {
    rss_mb: kb('VmRSS'),
    rss_anon_mb: kb('RssAnon'),
    rss_file_mb: kb('RssFile'),
    v8_heap_total_mb: gauge('tessera_nodejs_heap_size_total_bytes'),
    v8_heap_used_mb: gauge('tessera_nodejs_heap_size_used_bytes'),
    external_mb: gauge('tessera_nodejs_external_memory_bytes'),
  };
}

function procStat(pid: number): { cpuMs: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuMs: processCpuMs(pid), rssMb: rssKb / 1024 };
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

/**
 * Profiles the server phase by phase through its inspector (127.0.0.1 only), so a profile holds
 * one phase's ceremonies and none of the setup around them.
 */
class PhaseProfiler {
  private nextId = 1;
  private readonly pending = new Map<number, (result: Record<string, unknown>) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result ?? {});
    });
  }

  static async attach(inspectPort: number): Promise<PhaseProfiler> {
    const [target] = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', reject, { once: true });
    });
    const profiler = new PhaseProfiler(socket);
    await profiler.send('Profiler.enable');
    return profiler;
  }

  private send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve) => this.pending.set(id, resolve));
  }

  async start(): Promise<void> {
    await this.send('Profiler.start');
  }

  async stop(name: string): Promise<void> {
    const { profile } = await this.send('Profiler.stop');
    writeFileSync(join(cpuProfDir!, `${name}.cpuprofile`), JSON.stringify(profile));
  }

  close(): void {
    this.socket.close();
  }
}

let profiler: PhaseProfiler | undefined;
let perf: PhasePerf | undefined;
/** Where the database runs, for the report. */
let databasePlacement = 'unpinned';
/**
 * Reads a local PostgreSQL's CPU ms so far. At c=32 the client and the database share the other
 * core and fill it, so the database's cost per ceremony bounds the ceremonies a second as much as
 * the server's does.
 */
let databaseCpu: (() => number) | undefined;

async function startServer(
  databaseUrl: string,
  dir = process.cwd(),
  other?: { entry: string; env: Record<string, string> },
): Promise<{ child: ChildProcess; base: string; metrics: string }> {
  const port = await freePort();
  const metricsPort = await freePort();
  // The V8 profile is of Tessera's server only: one inspector session, kept in `profiler`.
  const cpuProfiled = cpuProfDir !== undefined && other === undefined;
  const inspectPort = cpuProfiled ? await freePort() : 0;
  // As `npm run start:prod` runs it; BENCH_NODE_FLAGS adds flags for experiments, and profiling the inspector.
  const runtime = productionRuntime(join(dir, 'package.json'));
  const nodeArgs = [
    ...runtime.nodeFlags,
    ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    ...(cpuProfiled ? [`--inspect=127.0.0.1:${inspectPort}`] : []),
    ...(perfDir ? perfNodeFlags(resolve(perfDir)) : []),
    other?.entry ?? runtime.entry,
  ];
  const [command, argv] = pin ? ['taskset', ['-c', '0', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(command, argv, {
    cwd: dir,
    env: {
      ...runtime.env,
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
      DATABASE_URL: databaseUrl,
      MIGRATE_ON_START: 'true',
      // Each phase analyzes the database first (scratchDatabase), as autovacuum would: the plans
      // PostgreSQL keeps are then made from statistics, as on a database that runs autovacuum.
      DATABASE_PLAN_CACHE_MODE: process.env.DATABASE_PLAN_CACHE_MODE ?? 'auto',
      AUTH_JWT_SECRET: SECRET,
      PLATFORM_API_KEY: PLATFORM_KEY,
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENROLL_PER_MINUTE: '30',
      ...other?.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // A bench stopped by a signal stops its servers too, instead of leaving them running.
  onStop(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) {
        if (cpuProfiled) {
          mkdirSync(cpuProfDir, { recursive: true });
          profiler = await PhaseProfiler.attach(inspectPort);
        }
        return { child, base, metrics: `http://127.0.0.1:${metricsPort}/metrics` };
      }
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

function expect(step: string, res: { status: number; body: unknown }, status: number) {
  if (res.status !== status) throw new Error(`${step}: ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * A token's `auth_time` is at most this old when it is minted: users sign in at different times,
 * so their sign-ins' ages differ, as the policy's context does.
 */
const AUTH_SPREAD_SECONDS = 120;
/**
 * A token is minted again once its `auth_time` is this old. The MFA it asserts is the step-up
 * proof an existing user's registration needs, which the baseline takes for 300 s (the tenant's
 * step_up_max_age_seconds); a user without a factor needs a sign-in under 15 minutes old.
 */
const REMINT_AFTER_SECONDS = 240;

async function token(tenantId: string, sub: string): Promise<{ token: string; authTime: number }> {
  const now = Math.floor(Date.now() / 1000);
  const authTime = now - randomInt(0, AUTH_SPREAD_SECONDS + 1);
  // The IdP asserts MFA: existing users adding a factor need a step-up proof, and this is the cheap one.
  const jwt = await new SignJWT({ tenant_id: tenantId, auth_time: authTime, amr: ['pwd', 'mfa'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(SECRET));
  return { token: jwt, authTime };
}

interface User {
  id: string;
  tenantId: string;
  headers: Record<string, string>;
  /** The `auth_time` of the token in `headers`. */
  authTime: number;
  /** Holds the passkey enrolled at setup, for sign-in and step-up. */
  authenticator: SoftAuthenticator;
}

async function benchUser(tenantId: string, id: string): Promise<User> {
  const minted = await token(tenantId, id);
  return {
    id,
    tenantId,
    headers: { Authorization: `Bearer ${minted.token}`, 'X-Tenant-ID': tenantId },
    authTime: minted.authTime,
    authenticator: new SoftAuthenticator(),
  };
}

/** A user whose token is about to stop proving a fresh step-up gets a new one. */
async function refreshed(user: User): Promise<User> {
  if (Date.now() / 1000 - user.authTime > REMINT_AFTER_SECONDS) {
    const minted = await token(user.tenantId, user.id);
    user.headers = { Authorization: `Bearer ${minted.token}`, 'X-Tenant-ID': user.tenantId };
    user.authTime = minted.authTime;
  }
  return user;
}

interface Context {
  base: string;
  tenantId: string;
  apiKey: string;
  /** The server's /metrics, for its memory gauges. */
  metrics: string;
  /** Brings the planner's statistics of the server's database up to date (see scratchDatabase). */
  analyze?: () => Promise<void>;
}

/** A registration: a fresh authenticator each time, or the user's own at setup (for sign-in later). */
async function register(ctx: Context, user: User, auth = new SoftAuthenticator()): Promise<void> {
  await refreshed(user);
  const path = '/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey';
  const options = await json(ctx.base, 'POST', path, user.headers);
  expect('register options', options, 200);
  const credential = auth.createCredential(options.body.options, { origin: ORIGIN });
  const done = await json(ctx.base, 'POST', '/v1/users/me/mfa/webauthn/register/complete', user.headers, {
    credential,
    device_name: 'bench',
    method_type: 'webauthn_passkey',
  });
  expect('register complete', done, 200);
}

/** begin → assertion by the user's setup passkey → complete; returns the MFA token. */
async function assertChallenge(ctx: Context, user: User, challengeId: string): Promise<string> {
  const begin = await json(ctx.base, 'POST', '/v1/auth/mfa/webauthn/begin', {}, { challenge_id: challengeId });
  expect('begin', begin, 200);
  const credential = user.authenticator.getAssertion(begin.body.options, { origin: ORIGIN });
  const done = await json(
    ctx.base,
    'POST',
    '/v1/auth/mfa/webauthn/complete',
    {},
    { challenge_id: challengeId, credential },
  );
  expect('complete', done, 200);
  return done.body.token as string;
}

async function signIn(ctx: Context, user: User): Promise<void> {
  const headers = { 'X-API-Key': ctx.apiKey, 'X-Tenant-ID': ctx.tenantId };
  const opened = await json(ctx.base, 'POST', '/v1/mfa/challenges', headers, { user_id: user.id });
  expect('sign-in challenge', opened, 201);
  await assertChallenge(ctx, user, opened.body.challenge_id as string);
}

async function stepUp(ctx: Context, user: User): Promise<void> {
  await refreshed(user);
  const opened = await json(ctx.base, 'POST', '/v1/users/me/mfa/challenges', user.headers, {});
  expect('step-up challenge', opened, 201);
  await assertChallenge(ctx, user, opened.body.challenge_id as string);
}

type Ceremony = (ctx: Context, user: User) => Promise<void>;

async function trivialRequest(ctx: Context): Promise<void> {
  const res = await fetch(`${ctx.base}/healthz`);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`healthz: ${res.status}`);
}

interface PhaseResult {
  scenario: string;
  concurrency: number;
  ceremonies: number;
  per_second: number;
  cpu_ms_per_ceremony: number;
  /** PostgreSQL's CPU over the phase, every process of it, per ceremony (undefined on SQLite or a remote database). */
  db_cpu_ms_per_ceremony: number | undefined;
  ceremony_ms: { p50: number; p90: number; p99: number };
  rss_mb: number;
}

/** A phase's profiles: of Tessera's server by default; the minimal server's phases pass its own perf. */
interface PhaseProfiles {
  perf?: PhasePerf;
  cpu?: PhaseProfiler;
}

/** Runs `total` ceremonies with `concurrency` workers; `next` hands out the user for each. */
async function phase(
  ctx: Context,
  pid: number,
  scenario: string,
  [concurrency, total]: [number, number],
  run: Ceremony,
  next: () => User,
  profiles: PhaseProfiles = { perf, cpu: profiler },
): Promise<PhaseResult> {
  const latencies: number[] = [];
  const name = `${scenario.replace(/ /g, '-')}-c${concurrency}`;
  await ctx.analyze?.();
  await profiles.cpu?.start();
  await profiles.perf?.start(name);
  const before = procStat(pid);
  const dbBefore = databaseCpu?.();
  const start = performance.now();
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total && Date.now() < DEADLINE) {
        started++;
        const t0 = performance.now();
        await run(ctx, next());
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const after = procStat(pid);
  const dbAfter = databaseCpu?.();
  await profiles.perf?.stop();
  await profiles.cpu?.stop(name);
  const sorted = latencies.sort((x, y) => x - y);
  return {
    scenario,
    concurrency,
    ceremonies: sorted.length,
    per_second: sorted.length / seconds,
    cpu_ms_per_ceremony: (after.cpuMs - before.cpuMs) / sorted.length,
    db_cpu_ms_per_ceremony:
      dbBefore === undefined || dbAfter === undefined ? undefined : (dbAfter - dbBefore) / sorted.length,
    ceremony_ms: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99) },
    rss_mb: after.rssMb,
  };
}

/** CPU ms of `work`, in this process. */
async function cpuOf(work: () => Promise<unknown>): Promise<number> {
  const c0 = process.cpuUsage();
  await work();
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1000;
}

/** The library work of a registration in-process: no HTTP, auth, tenancy, policy or database. */
async function registrationFloor(n: number): Promise<number> {
  const auth = new SoftAuthenticator();
  let ms = 0;
  for (let i = 0; i < n; i++) {
    let options!: Awaited<ReturnType<typeof generateRegistrationOptions>>;
    ms += await cpuOf(async () => {
      options = await generateRegistrationOptions({
        rpName: 'Bench',
        rpID: RP_ID,
        userName: `u${i}`,
        userID: randomBytes(32),
        challenge: randomBytes(32),
        attestationType: 'none',
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        supportedAlgorithmIDs: [-7, -8, -257],
      });
    });
    const credential = auth.createCredential(options, { origin: ORIGIN });
    ms += await cpuOf(async () => {
      const v = await verifyRegistrationResponse({
        response: credential,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        requireUserVerification: true,
        supportedAlgorithmIDs: [-7, -8, -257],
      });
      if (!v.verified) throw new Error('floor: not verified');
    });
  }
  return ms / n;
}

/**
 * A first factor's backup codes in-process: ten codes made and hashed with scrypt, as a new user's
 * registration issues them (the hashing runs on the libuv threads, which cpuUsage counts).
 */
async function backupCodesFloor(n: number): Promise<number> {
  let ms = 0;
  for (let i = 0; i < n; i++) ms += await cpuOf(() => hashBackupCodeSet(generateBackupCodeSet()));
  return ms / n;
}

/** Passkey registration options as the bench's in-process ceremonies ask them: no attestation. */
function passkeyRegistrationOptions(userName: string) {
  return generateRegistrationOptions({
    rpName: 'Bench',
    rpID: RP_ID,
    userName,
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
}

/**
 * The library work of a sign-in in-process: assertion options, the assertion's verification and
 * the ES256 MFA token; for step-up also the bearer's HS256 verification.
 */
async function assertionFloor(n: number, withBearer: boolean): Promise<number> {
  const auth = new SoftAuthenticator();
  const regOptions = await passkeyRegistrationOptions('floor');
  const reg = await verifyRegistrationResponse({
    response: auth.createCredential(regOptions, { origin: ORIGIN }),
    expectedChallenge: regOptions.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
  });
  if (!reg.verified) throw new Error('floor: registration not verified');
  const stored = { ...reg.registrationInfo.credential };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const secret = new TextEncoder().encode(SECRET);
  const { token: bearer } = await token('00000000-0000-4000-8000-000000000000', 'floor');
  let ms = 0;
  for (let i = 0; i < n; i++) {
    if (withBearer) ms += await cpuOf(() => jwtVerify(bearer, secret));
    let options!: Awaited<ReturnType<typeof generateAuthenticationOptions>>;
    ms += await cpuOf(async () => {
      options = await generateAuthenticationOptions({
        rpID: RP_ID,
        allowCredentials: [{ id: stored.id, transports: stored.transports }],
        userVerification: 'preferred',
      });
    });
    const response = auth.getAssertion(options, { origin: ORIGIN });
    ms += await cpuOf(async () => {
      const v = await verifyAuthenticationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential: stored,
        requireUserVerification: false,
      });
      if (!v.verified) throw new Error('floor: assertion not verified');
      stored.counter = v.authenticationInfo.newCounter;
      await new SignJWT({ tenant_id: 't', amr: ['swk'], acr: 'phr' })
        .setProtectedHeader({ alg: 'ES256', typ: 'mfa+jwt' })
        .setSubject('floor')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    });
  }
  return ms / n;
}

/**
 * One verify_factor decision in-process, ms: the baseline set preparsed as the service keeps it,
 * and a request shaped as a sign-in's (the user, the passkey's authenticator, the UserContext).
 */
async function cedarFloor(n: number): Promise<number> {
  // Cedar itself: the same request asked again would be answered from the decision memo.
  const engine = PolicyEngine.create({ decisionMemo: false });
  const request = signInDecisionRequest('floor', 'floor-credential');
  const decide = async () => {
    const decision = await engine.authorize(DECISION_TENANT_ID, 1, () => Promise.resolve([]), request);
    if (!decision.allowed) throw new Error(`floor: Cedar denied (${decision.errors.join('; ')})`);
  };
  for (let i = 0; i < n; i++) await decide();
  return (
    (await cpuOf(async () => {
      for (let i = 0; i < n; i++) await decide();
    })) / n
  );
}

interface ScratchDatabase {
  url: string;
  cleanup: () => Promise<void>;
  analyze?: () => Promise<void>;
}

/**
 * A database of its own for one server. On PostgreSQL, `analyze` refreshes the planner's
 * statistics, and every phase calls it before it starts, as autovacuum does on a production
 * database while its tables grow. Where autovacuum is off (as on the machine CI runs on), tables
 * never analyzed are planned without row counts: a credential looked up by tenant and id went
 * through the index on `tenant_id` alone and read the tenant's every credential.
 */
async function scratchDatabase(suffix = ''): Promise<ScratchDatabase> {
  if (useSqlite) {
    const dir = mkdtempSync(join(tmpdir(), `tessera-bench${suffix}-`));
    const cleanup = () => Promise.resolve(rmSync(dir, { recursive: true, force: true }));
    return { url: `sqlite:${join(dir, 'bench.sqlite')}`, cleanup };
  }
  const name = `tessera_bench_${process.pid}${suffix}`;
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  /** One statement on its own connection. */
  const run = async (connectionString: string, sql: string) => {
    const c = new pg.Client({ connectionString });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(PG_URL, `CREATE DATABASE ${name}`);
  return {
    url: url.toString(),
    cleanup: () => run(PG_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    analyze: () => run(url.toString(), 'ANALYZE'),
  };
}

async function createTenant(base: string): Promise<{ id: string; apiKey: string }> {
  const res = await json(
    base,
    'POST',
    '/v1/tenants',
    { 'X-API-Key': PLATFORM_KEY },
    {
      name: 'Bench',
      // A run lasts minutes: the sessions' MFA stays a valid step-up proof for all of it.
      webauthn: { rp_id: RP_ID, rp_name: 'Bench', origins: [ORIGIN], step_up_max_age_seconds: 3600 },
    },
  );
  expect('tenant', res, 201);
  return { id: res.body.id as string, apiKey: res.body.api_key as string };
}

/** `count` users, each enrolled once with their own passkey (not measured). */
async function enrolledUsers(ctx: Context, pid: number, prefix: string, count: number): Promise<User[]> {
  const users: User[] = [];
  for (let i = 0; i < count; i++) users.push(await benchUser(ctx.tenantId, `${prefix}-${i}`));
  process.stderr.write(`enrolling ${count} ${prefix} users once (setup)…\n`);
  let i = 0;
  await phase(
    ctx,
    pid,
    'setup',
    [8, count],
    (c, u) => register(c, u, u.authenticator),
    () => users[i++],
  );
  return users;
}

const roundRobin = (users: User[]) => {
  let cursor = 0;
  return () => users[cursor++ % users.length];
};

function defaultPhases(scenario: Scenario): [number, number][] {
  if (phasesOption && scenario !== 'new') return phasesOption;
  if (scenario === 'new')
    return quick
      ? [[8, 200]]
      : [
          [1, 200],
          [8, 1000],
          [32, 1000],
        ];
  return quick
    ? [
        [1, 100],
        [8, 400],
        [32, 400],
      ]
    : [
        [1, 500],
        [8, 4000],
        [32, 4000],
      ];
}

/**
 * `--warm-up N` ceremonies at c=8 before a scenario's phases, not reported. V8 optimizes a function
 * with TurboFan only after a few thousand calls, so a function called once per ceremony is still
 * being compiled (on the server's core) thousands of ceremonies into a run: `--trace-opt` showed
 * 314 first TurboFan compiles between sign-ins 3 300 and 11 300.
 */
async function warmUpPhase(
  ctx: Context,
  pid: number,
  scenario: string,
  run: Ceremony,
  next: () => User,
  profiles?: PhaseProfiles,
) {
  if (warmUp <= 0) return;
  process.stderr.write(`${scenario}: ${warmUp} ceremonies at concurrency 8 to warm up (not reported)…\n`);
  await phase(ctx, pid, `${scenario} warm-up`, [8, warmUp], run, next, profiles);
}

/** Each phase of a scenario; existing users add at most 8 factors each, so none reaches the limit of 10. */
async function runScenarios(ctx: Context, pid: number) {
  const rows: PhaseResult[] = [];
  const soakThirds: Record<string, number>[] = [];
  const phasesOf = (s: Scenario) => (runs(s) ? defaultPhases(s) : []);
  const total = (s: Scenario) => phasesOf(s).reduce((n, [, count]) => n + count, 0);
  if (runs('http')) {
    const nobody = () => undefined as unknown as User;
    for (const p of quick ? [[8, 1000] as [number, number]] : [[8, 10_000] as [number, number]]) {
      process.stderr.write(`http: ${p[1]} requests at concurrency ${p[0]}…\n`);
      rows.push(await phase(ctx, pid, 'http', p, trivialRequest, nobody));
    }
  }
  const holders = runs('sign-in') || runs('step-up') ? await enrolledUsers(ctx, pid, 'holder', SIGN_IN_USERS) : [];
  // PostgreSQL only: the minimal server is pg and nothing else. It mirrors the sign-in, the
  // step-up and the existing users' registration (whichever run; all three when none does), each
  // of its phases right after the same phase on Tessera, so the machine's drift moves both alike.
  const mirrored = (['sign-in', 'step-up', 'existing'] as const).filter(runs);
  const mirrors = (s: MinimalScenario) =>
    runs('minimal') && !useSqlite && (mirrored.length === 0 || mirrored.includes(s));
  const minimalScenarios = (['sign-in', 'step-up', 'existing'] as const).filter(mirrors);
  const minimal = minimalScenarios.length > 0 ? await startMinimal(minimalScenarios) : undefined;
  const mirror = async (s: MinimalScenario, p: [number, number]) => {
    if (minimal && mirrors(s)) rows.push(await minimal.phase(s, p));
  };
  try {
    for (const [scenario, run] of [
      ['sign-in', signIn],
      ['step-up', stepUp],
    ] as const) {
      const next = roundRobin(holders);
      if (phasesOf(scenario).length > 0) await warmUpPhase(ctx, pid, scenario, run, next);
      for (const p of phasesOf(scenario)) {
        process.stderr.write(`${scenario}: ${p[1]} ceremonies at concurrency ${p[0]}…\n`);
        rows.push(await phase(ctx, pid, scenario, p, run, next));
        await mirror(scenario, p);
      }
      if (!runs(scenario)) for (const p of defaultPhases(scenario)) await mirror(scenario, p);
    }
    const registrationUsers = Math.ceil((defaultPhases('existing').reduce((n, [, c]) => n + c, 0) + warmUp) / 8) + 1;
    if (minimal && mirrors('existing')) await minimal.enrollRegistrationUsers(registrationUsers);
    if (total('existing') > 0) {
      const next = roundRobin(await enrolledUsers(ctx, pid, 'existing', registrationUsers));
      await warmUpPhase(ctx, pid, 'existing users', (c, u) => register(c, u), next);
      for (const p of phasesOf('existing')) {
        process.stderr.write(`existing users: ${p[1]} ceremonies at concurrency ${p[0]}…\n`);
        rows.push(await phase(ctx, pid, 'existing users', p, (c, u) => register(c, u), next));
        await mirror('existing', p);
      }
    } else {
      for (const p of defaultPhases('existing')) await mirror('existing', p);
    }
  } finally {
    await minimal?.stop();
  }
  if (total('new') > 0) {
    let seq = 0;
    const fresh: User[] = [];
    for (let i = 0; i < total('new'); i++) fresh.push(await benchUser(ctx.tenantId, `new-${i}`));
    for (const p of phasesOf('new')) {
      process.stderr.write(`new users: ${p[1]} ceremonies at concurrency ${p[0]}…\n`);
      rows.push(
        await phase(
          ctx,
          pid,
          'new users',
          p,
          (c, u) => register(c, u),
          () => fresh[seq++],
        ),
      );
    }
  }
  if (runs('soak') && soakTotal > 0) {
    const next = roundRobin(await enrolledUsers(ctx, pid, 'soak', Math.ceil(soakTotal / 8) + 1));
    for (let third = 0; third < 3; third++) {
      process.stderr.write(`soak: third ${third + 1} of ${soakTotal} ceremonies at concurrency 8…\n`);
      await phase(ctx, pid, 'soak', [8, Math.round(soakTotal / 3)], (c, u) => register(c, u), next);
      soakThirds.push(await memoryOf(pid, ctx.metrics));
    }
  }
  return { rows, soakThirds };
}

/** The ceremonies the minimal server mirrors. */
type MinimalScenario = 'sign-in' | 'step-up' | 'existing';

/** The minimal server (bench/minimal.server.ts): its phases, each run after the same phase on Tessera. */
interface MinimalServer {
  /** A phase of `scenario`, reported as "minimal <scenario's name>". */
  phase: (scenario: MinimalScenario, p: [number, number]) => Promise<PhaseResult>;
  /** Enrolls `count` users who hold a passkey and backup codes, and warms the registration up. */
  enrollRegistrationUsers: (count: number) => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * Starts the minimal server on its own scratch database, pinned and flagged as the service is:
 * Tessera's stack, library calls and statements without Tessera around them. When it mirrors a
 * sign-in or step-up, its users who hold a passkey are enrolled and those ceremonies warmed up at once.
 */
async function startMinimal(scenarios: readonly MinimalScenario[]): Promise<MinimalServer> {
  const db = await scratchDatabase('_minimal');
  const apiKey = randomBytes(24).toString('hex');
  const { child, base } = await startServer(db.url, process.cwd(), {
    entry: fileURLToPath(new URL('./minimal.server.js', import.meta.url)),
    env: { MINIMAL_API_KEY: apiKey, MINIMAL_JWT_SECRET: SECRET, MINIMAL_RP_ID: RP_ID, MINIMAL_ORIGIN: ORIGIN },
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await db.cleanup();
  };
  const pid = child.pid!;
  const ctx: Context = { base, tenantId: '', apiKey, metrics: '', analyze: db.analyze };
  const perf = perfDir ? new PhasePerf(perfDir, pid) : undefined;
  const seed = async (prefix: string, count: number) => {
    process.stderr.write(`minimal server: enrolling ${count} ${prefix} users once (setup)…\n`);
    const users: User[] = [];
    for (let i = 0; i < count; i++) {
      const user = await benchUser('', `minimal-${prefix}-${i}`);
      const options = await passkeyRegistrationOptions(user.id);
      const credential = user.authenticator.createCredential(options, { origin: ORIGIN });
      const body = { user_id: user.id, challenge: options.challenge, credential };
      expect('minimal seed', await json(base, 'POST', '/seed', {}, body), 201);
      users.push(user);
    }
    return roundRobin(users);
  };
  try {
    const assertions = scenarios.filter((s) => s !== 'existing');
    const holders = assertions.length > 0 ? await seed('holder', SIGN_IN_USERS) : undefined;
    const ceremonies: Record<MinimalScenario, { name: string; run: Ceremony; next?: () => User }> = {
      'sign-in': { name: 'minimal sign-in', run: minimalSignIn, next: holders },
      'step-up': { name: 'minimal step-up', run: minimalStepUp, next: holders },
      existing: { name: 'minimal existing users', run: minimalRegistration },
    };
    const usersOf = (s: MinimalScenario) => {
      const next = ceremonies[s].next;
      if (!next) throw new Error(`the minimal server has no users for ${ceremonies[s].name}`);
      return next;
    };
    for (const s of assertions) {
      const c = ceremonies[s];
      await warmUpPhase(ctx, pid, c.name, c.run, usersOf(s), { perf });
    }
    return {
      phase: (s, p) => {
        const c = ceremonies[s];
        const next = usersOf(s);
        process.stderr.write(`${c.name}: ${p[1]} ceremonies at concurrency ${p[0]}…\n`);
        return phase(ctx, pid, c.name, p, c.run, next, { perf });
      },
      enrollRegistrationUsers: async (count) => {
        const c = ceremonies.existing;
        const next = await seed('existing', count);
        c.next = next;
        await warmUpPhase(ctx, pid, c.name, c.run, next, { perf });
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** begin → assertion → complete on the minimal server, for a challenge opened either way. */
async function minimalAssertion(ctx: Context, user: User, challengeId: string): Promise<void> {
  const begin = await json(ctx.base, 'POST', '/begin', {}, { challenge_id: challengeId });
  expect('minimal begin', begin, 200);
  const credential = user.authenticator.getAssertion(begin.body.options, { origin: ORIGIN });
  expect(
    'minimal complete',
    await json(ctx.base, 'POST', '/complete', {}, { challenge_id: challengeId, credential }),
    200,
  );
}

/** A step-up on the minimal server: challenge by the user's bearer → begin → assertion → complete. */
async function minimalStepUp(ctx: Context, user: User): Promise<void> {
  await refreshed(user);
  const opened = await json(ctx.base, 'POST', '/step-up/challenges', { Authorization: user.headers.Authorization });
  expect('minimal step-up challenge', opened, 201);
  await minimalAssertion(ctx, user, opened.body.challenge_id as string);
}

/** A sign-in on the minimal server: challenge by API key → begin → assertion → complete. */
async function minimalSignIn(ctx: Context, user: User): Promise<void> {
  const opened = await json(ctx.base, 'POST', '/challenges', { 'X-API-Key': ctx.apiKey }, { user_id: user.id });
  expect('minimal challenge', opened, 201);
  await minimalAssertion(ctx, user, opened.body.challenge_id as string);
}

/** An existing user adding a passkey on the minimal server: options → a fresh authenticator's attestation → complete. */
async function minimalRegistration(ctx: Context, user: User): Promise<void> {
  await refreshed(user);
  const headers = { Authorization: user.headers.Authorization };
  const options = await json(ctx.base, 'POST', '/register/options?method_type=webauthn_passkey', headers);
  expect('minimal register options', options, 200);
  const credential = new SoftAuthenticator().createCredential(options.body.options, { origin: ORIGIN });
  const body = { credential, device_name: 'bench', method_type: 'webauthn_passkey' };
  expect('minimal register complete', await json(ctx.base, 'POST', '/register/complete', headers, body), 200);
}

/** One server of a comparison: a build, its own scratch database and tenant. */
interface Side {
  label: string;
  ctx: Context;
  pid: number;
  stop: () => Promise<void>;
}

async function startSide(label: string, dir: string, suffix: string): Promise<Side> {
  const db = await scratchDatabase(suffix);
  const { child, base, metrics } = await startServer(db.url, dir);
  const tenant = await createTenant(base);
  return {
    label,
    ctx: { base, tenantId: tenant.id, apiKey: tenant.apiKey, metrics, analyze: db.analyze },
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await db.cleanup();
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Two builds in one run: both servers on the server's CPU, each scenario's phase run on one, then
 * the other, in ABBA order, `rounds` times, after a warm-up phase on each. The machine's speed
 * drifts by 15–25 % between runs here; within a pair of adjacent phases it mostly does not, so
 * the median of the paired ratios is the figure to read.
 */
async function compareBuilds(a: Side, b: Side) {
  const [concurrency, count] = phasesOption?.[0] ?? [8, quick ? 200 : 1000];
  const compareWarmUp = Number(warmUpOption ?? count);
  const scenarios = (['sign-in', 'step-up', 'existing', 'new'] as const).filter((s) => runs(s));
  const lines: string[] = [];
  for (const scenario of scenarios) {
    const cpu = new Map<Side, number[]>([
      [a, []],
      [b, []],
    ]);
    const db = new Map<Side, number[]>([
      [a, []],
      [b, []],
    ]);
    const plans = new Map<Side, { run: Ceremony; next: () => User }>();
    for (const side of [a, b]) {
      const needed = rounds * count + compareWarmUp;
      if (scenario === 'new') {
        // Each ceremony is a user's first factor: one fresh user per ceremony.
        const fresh: User[] = [];
        for (let i = 0; i < needed; i++) fresh.push(await benchUser(side.ctx.tenantId, `new-${i}`));
        let seq = 0;
        plans.set(side, { run: (c, u) => register(c, u), next: () => fresh[seq++] });
        continue;
      }
      const users =
        scenario === 'existing'
          ? await enrolledUsers(side.ctx, side.pid, 'existing', Math.ceil(needed / 8) + 1)
          : await enrolledUsers(side.ctx, side.pid, `holder-${scenario}`, SIGN_IN_USERS);
      const run: Ceremony =
        scenario === 'sign-in' ? signIn : scenario === 'step-up' ? stepUp : (c, u) => register(c, u);
      plans.set(side, { run, next: roundRobin(users) });
    }
    const once = (side: Side, label: string, n = count) =>
      phase(side.ctx, side.pid, label, [concurrency, n], plans.get(side)!.run, plans.get(side)!.next);
    for (const side of [a, b]) await once(side, `${scenario} warm-up`, compareWarmUp);
    for (let round = 0; round < rounds; round++) {
      process.stderr.write(
        `${scenario}: round ${round + 1} of ${rounds}, ${count} ceremonies at c=${concurrency} each…\n`,
      );
      for (const side of round % 2 === 0 ? [a, b] : [b, a]) {
        const result = await once(side, scenario);
        cpu.get(side)!.push(result.cpu_ms_per_ceremony);
        if (result.db_cpu_ms_per_ceremony !== undefined) db.get(side)!.push(result.db_cpu_ms_per_ceremony);
      }
    }
    const summary = (xs: number[], d: number) =>
      `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)} – ${Math.max(...xs).toFixed(d)})`;
    const paired = (by: Map<Side, number[]>) => by.get(b)!.map((x, i) => x / by.get(a)![i]);
    lines.push(
      `| ${scenario} | ${summary(cpu.get(a)!, 2)} | ${summary(cpu.get(b)!, 2)} | ${summary(paired(cpu), 3)} |`,
    );
    if (db.get(a)!.length === rounds && db.get(b)!.length === rounds)
      lines.push(
        `| ${scenario}, database CPU | ${summary(db.get(a)!, 2)} | ${summary(db.get(b)!, 2)} | ${summary(paired(db), 3)} |`,
      );
  }
  console.log(
    `\nTwo builds, ${useSqlite ? 'SQLite' : 'PostgreSQL'}, Node ${process.version}, ${rounds} rounds of ` +
      `${count} ceremonies at c=${concurrency} on each after ${compareWarmUp} to warm up, ABBA order; server CPU ms ` +
      "per ceremony (and the database's, every PostgreSQL process, where it is local), median (range)\n",
  );
  console.log(`| scenario | A: ${a.label} | B: ${b.label} | B/A, paired |`);
  console.log('|---|---|---|---|');
  for (const line of lines) console.log(line);
}

async function compareMain(dir: string) {
  if (cpuProfDir || perfDir) throw new Error('--compare does not profile: leave out --cpu-prof and --perf');
  if (pin) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const restoreDatabase = pin && !useSqlite ? await movePostgresTo(PG_URL, 1) : undefined;
  databasePlacement = useSqlite ? 'in process' : restoreDatabase ? 'on CPU 1' : 'unpinned';
  databaseCpu = useSqlite ? undefined : await postgresCpu(PG_URL);
  const sides: Side[] = [];
  try {
    sides.push(await startSide(dir, dir, '_a'));
    sides.push(await startSide('this build', process.cwd(), '_b'));
    await compareBuilds(sides[0], sides[1]);
  } finally {
    for (const side of sides) await side.stop();
    restoreDatabase?.();
  }
}

async function main() {
  if (compareDir) return compareMain(compareDir);
  if (pin) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const db = await scratchDatabase();
  const restoreDatabase = pin && !useSqlite ? await movePostgresTo(PG_URL, 1) : undefined;
  databasePlacement = useSqlite ? 'in process' : restoreDatabase ? 'on CPU 1' : 'unpinned';
  databaseCpu = useSqlite ? undefined : await postgresCpu(PG_URL);
  if (perfDir) {
    if (!perfAvailable()) throw new Error('--perf needs perf (Debian: apt-get install linux-perf)');
    // Before the server starts: it writes its jit dump there.
    mkdirSync(perfDir, { recursive: true });
  }
  const { child, base, metrics } = await startServer(db.url);
  const pid = child.pid!;
  if (perfDir) perf = new PhasePerf(perfDir, pid);
  try {
    const tenant = await createTenant(base);
    const ctx: Context = { base, tenantId: tenant.id, apiKey: tenant.apiKey, metrics, analyze: db.analyze };
    const rssStart = procStat(pid).rssMb;
    const memoryAtStart = await memoryOf(pid, metrics);
    const { rows, soakThirds } = await runScenarios(ctx, pid);
    const rssEnd = procStat(pid).rssMb;
    const n = quick ? 100 : 300;
    const floors = {
      registration: await registrationFloor(n),
      signIn: await assertionFloor(n, false),
      stepUp: await assertionFloor(n, true),
      cedarDecision: await cedarFloor(n * 10),
      backupCodes: await backupCodesFloor(Math.ceil(n / 3)),
    };
    report(rows, [memoryAtStart, ...soakThirds], floors, rssStart, rssEnd);
  } finally {
    profiler?.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await db.cleanup();
    restoreDatabase?.();
  }
}

function report(
  rows: PhaseResult[],
  memory: Record<string, number>[],
  floors: { registration: number; signIn: number; stepUp: number; cedarDecision: number; backupCodes: number },
  rssStart: number,
  rssEnd: number,
) {
  const f = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
  const soakThirds = memory.slice(1);
  // The minimal server's rows have the floor of the ceremony they mirror.
  const floorOf = (row: string) => {
    const scenario = row.replace(/^minimal /, '');
    return scenario === 'sign-in'
      ? floors.signIn
      : scenario === 'step-up'
        ? floors.stepUp
        : scenario === 'http'
          ? NaN
          : scenario === 'new users'
            ? floors.registration + floors.backupCodes
            : floors.registration;
  };
  console.log(
    `\nTessera ceremony benchmark — ${useSqlite ? 'SQLite' : 'PostgreSQL'}, Node ${process.version}, ` +
      `${pin ? 'server on CPU 0, client on CPU 1' : 'unpinned'}, database ${databasePlacement}, ` +
      `${warmUp > 0 ? `${warmUp} warm-up ceremonies before each scenario's phases, ` : ''}${new Date().toISOString()}\n`,
  );
  console.log(
    '| scenario | conc. | ceremonies | cer/s | server CPU ms/cer | floor ms | ratio | database CPU ms/cer | ceremony p50/p90/p99 ms | RSS MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const floor = floorOf(r.scenario);
    console.log(
      `| ${r.scenario} | ${r.concurrency} | ${r.ceremonies} | ${f(r.per_second)} | ${f(r.cpu_ms_per_ceremony, 2)} | ` +
        `${f(floor, 2)} | ${Number.isNaN(floor) ? '–' : `${f(r.cpu_ms_per_ceremony / floor, 1)}x`} | ` +
        `${f(r.db_cpu_ms_per_ceremony, 2)} | ` +
        `${f(r.ceremony_ms.p50)}/${f(r.ceremony_ms.p90)}/${f(r.ceremony_ms.p99)} | ${f(r.rss_mb, 0)} |`,
    );
  }
  const at = (scenario: string, c: number) => rows.find((r) => r.scenario === scenario && r.concurrency === c);
  const cpu = (scenario: string, c: number) => at(scenario, c)?.cpu_ms_per_ceremony;
  const ratio = (scenario: string, c: number) => {
    const v = cpu(scenario, c);
    return v === undefined ? '–' : `${f(v / floorOf(scenario), 1)}x`;
  };
  console.log('\n| figure | measured | floor | ratio | target |');
  console.log('|---|---|---|---|---|');
  const line = (figure: string, measured: string, floor: string, r: string, target: string) =>
    console.log(`| ${figure} | ${measured} | ${floor} | ${r} | ${target} |`);
  line(
    'existing users adding a passkey, c=8, server CPU per ceremony',
    `${f(cpu('existing users', 8), 2)} ms`,
    `${f(floors.registration, 2)} ms`,
    ratio('existing users', 8),
    '≤ 2.0 ms',
  );
  /** The minimal server's row beside Tessera's `scenario` at c=8, with Tessera / minimal. */
  const minimalLine = (figure: string, scenario: string) => {
    const ours = cpu(scenario, 8);
    const theirs = cpu(`minimal ${scenario}`, 8);
    line(
      figure,
      `${f(theirs, 2)} ms`,
      `${f(floorOf(scenario), 2)} ms`,
      ratio(`minimal ${scenario}`, 8),
      ours !== undefined && theirs !== undefined ? `Tessera / minimal: ${f(ours / theirs, 2)}x` : '',
    );
  };
  line('same, c=32, ceremony p99', `${f(at('existing users', 32)?.ceremony_ms.p99)} ms`, '', '', '≤ 100 ms');
  minimalLine(
    'the same registration on the minimal server (the stack, libraries, Cedar and statements alone), c=8',
    'existing users',
  );
  line(
    'the same registration on the minimal server, c=32, ceremony p99',
    `${f(at('minimal existing users', 32)?.ceremony_ms.p99)} ms`,
    '',
    '',
    '',
  );
  line(
    'sign-in ceremony, c=8, server CPU per ceremony',
    `${f(cpu('sign-in', 8), 2)} ms`,
    `${f(floors.signIn, 2)} ms`,
    ratio('sign-in', 8),
    '≤ 1.5 ms',
  );
  minimalLine('the same sign-in on the minimal server, c=8', 'sign-in');
  line(
    'step-up ceremony, c=8, server CPU per ceremony',
    `${f(cpu('step-up', 8), 2)} ms`,
    `${f(floors.stepUp, 2)} ms`,
    ratio('step-up', 8),
    '≤ 1.5 ms',
  );
  minimalLine('the same step-up on the minimal server, c=8', 'step-up');
  line(
    `RSS after ${soakTotal} ceremonies at c=8, per third`,
    soakThirds.length ? `${soakThirds.map((s) => f(s.rss_mb, 0)).join(' → ')} MB` : '–',
    '',
    '',
    '≤ 250 MB, flat',
  );
  line(
    'new users including 10 backup-code hashes, c=8, server CPU per ceremony',
    `${f(cpu('new users', 8), 2)} ms`,
    `${f(floorOf('new users'), 2)} ms`,
    ratio('new users', 8),
    '≤ 16 ms',
  );
  console.log(
    `\nOne Cedar decision in-process (verify_factor under the baseline, as a sign-in asks it): ` +
      `${f(floors.cedarDecision, 3)} ms. Sign-in and step-up ask one, registration two; the floors above leave Cedar out.`,
  );
  console.log(
    `\nTen backup codes made and hashed in-process (scrypt): ${f(floors.backupCodes, 2)} ms, in the new users' floor ` +
      `with the registration's library work.`,
  );
  const http = at('http', 8);
  if (http) console.log(`\nA trivial request (GET /healthz) at c=8: ${f(http.cpu_ms_per_ceremony, 3)} ms server CPU.`);
  console.log(`\nRSS: ${f(rssStart, 0)} MB after start, ${f(rssEnd, 0)} MB at the end.`);
  console.log('\n| memory, MB | RSS | anonymous | file-backed | V8 heap total | V8 heap used | external |');
  console.log('|---|---|---|---|---|---|---|');
  memory.forEach((m, i) =>
    console.log(
      `| ${i === 0 ? 'after start' : `soak, third ${i}`} | ${f(m.rss_mb, 0)} | ${f(m.rss_anon_mb, 0)} | ` +
        `${f(m.rss_file_mb, 0)} | ${f(m.v8_heap_total_mb, 0)} | ${f(m.v8_heap_used_mb, 0)} | ${f(m.external_mb, 0)} |`,
    ),
  );
  console.log(
    JSON.stringify({
      bench: 'ceremonies',
      database: useSqlite ? 'sqlite' : 'postgres',
      node: process.version,
      pinned: pin,
      floors_cpu_ms: floors,
      rss_start_mb: rssStart,
      rss_end_mb: rssEnd,
      soak_rss_mb: soakThirds.map((m) => m.rss_mb),
      memory_mb: memory,
      rows,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
