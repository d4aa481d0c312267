import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MfaFlows } from '../support/mfa-flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const root = new URL('../../../', import.meta.url);

/** Runs node asynchronously: the service answering the program lives in this process. */
async function node(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/**
 * A program written against the published package (`@tessera/sdk`, resolved through its package.json
 * `exports` from node_modules, as a consumer would), type-checked with `tsc --strict`. The
 * @ts-expect-error lines fail the compilation if the SDK's types were loose (any) or wrong.
 */
const PROGRAM = `
import { createTesseraClient, type ApiErrorCode, type Schemas } from '@tessera/sdk';

const [baseUrl, tenantId, token, apiKey] = process.argv.slice(2) as [string, string, string, string];
const user = createTesseraClient({ baseUrl, tenantId, token: () => token });
const admin = createTesseraClient({ baseUrl, tenantId, apiKey });

const factors = await user.GET('/v1/users/me/mfa');
if (factors.error) throw new Error(\`listFactors: \${factors.error.code}\`);
const methods: Schemas['Factor'][] = factors.data.methods;

const codes = await user.GET('/v1/users/me/mfa/backup-codes');
if (codes.error) throw new Error(\`getRemainingBackupCodes: \${codes.error.code}\`);
const remaining: number = codes.data.remaining;

const audit = await admin.GET('/v1/audit-log', { params: { query: { limit: 50 } } });
if (audit.error) throw new Error(\`listAuditEvents: \${audit.error.code}\`);
const events: Schemas['AuditEvent'][] = audit.data.data;

const missing = await user.DELETE('/v1/users/me/mfa/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
const code: ApiErrorCode | undefined = missing.error?.code;

// @ts-expect-error not an operation of the API
void user.GET('/v1/no-such-route');
// @ts-expect-error method_type is one of the documented method types
void user.POST('/v1/users/me/mfa/webauthn/register', { params: { query: { method_type: 'sms' } } });
// @ts-expect-error remaining is a number, not a string
const wrong: string = codes.data.remaining;
void wrong;

console.log(JSON.stringify({
  factors: methods.map((m) => ({ id: m.id, method_type: m.method_type, device_name: m.device_name })),
  remaining,
  events: events.map((e) => e.id),
  missing: code,
}));
`;

describe('@tessera/sdk: a strict TypeScript program against the running service', () => {
  let t: TestApp;
  let project: URL;

  before(async () => {
    t = await startTestApp('sqlite');
    project = new URL(`dist/sdk-consumer-${randomBytes(4).toString('hex')}/`, root);
    mkdirSync(new URL('node_modules/@tessera/', project), { recursive: true });
    symlinkSync(new URL('libs/sdk', root).pathname, new URL('node_modules/@tessera/sdk', project).pathname, 'dir');
    writeFileSync(
      new URL('package.json', project),
      JSON.stringify({ name: 'sdk-consumer', private: true, type: 'module' }),
    );
    writeFileSync(new URL('program.ts', project), PROGRAM);
    writeFileSync(
      new URL('tsconfig.json', project),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023'],
          types: ['node'],
          skipLibCheck: true,
          outDir: 'out',
        },
        files: ['program.ts'],
      }),
    );
  });
  after(async () => {
    if (project) rmSync(project, { recursive: true, force: true });
    await t?.close();
  });

  it('type-checks with tsc --strict, then lists factors and reads the audit log through the typed client', async () => {
    const tenant = await t.createTenant();
    const mfa = new MfaFlows(t);
    const { codes } = await mfa.enrollWebAuthn(tenant.id, 'sdk-user');

    const tsc = await node([
      new URL('node_modules/typescript/bin/tsc', root).pathname,
      '-p',
      new URL('tsconfig.json', project).pathname,
      '--strict',
    ]);
    assert.equal(tsc.status, 0, `tsc --strict failed:\n${tsc.stdout}${tsc.stderr}`);

    const token = await t.userToken(tenant.id, 'sdk-user');
    const run = await node([new URL('out/program.js', project).pathname, t.baseUrl, tenant.id, token, tenant.apiKey]);
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as {
      factors: { id: string; method_type: string; device_name: string }[];
      remaining: number;
      events: string[];
      missing: string;
    };

    const factors = await t.request('GET', '/v1/users/me/mfa', { headers: await t.userHeaders(tenant.id, 'sdk-user') });
    assert.deepEqual(
      out.factors,
      factors.body.methods.map((m: { id: string; method_type: string; device_name: string }) => ({
        id: m.id,
        method_type: m.method_type,
        device_name: m.device_name,
      })),
    );
    assert.equal(out.factors.length, 1);
    assert.equal(out.factors[0].method_type, 'webauthn_passkey');
    assert.equal(out.remaining, codes.length);
    const audit = await t.request('GET', '/v1/audit-log?limit=50', { headers: mfa.adminHeaders(tenant) });
    assert.ok(out.events.length > 0, 'the enrollment is in the audit log');
    assert.deepEqual(
      out.events,
      audit.body.data.map((e: { id: string }) => e.id),
    );
    assert.equal(out.missing, 'not_found', "the API's error arrives as a typed value");
  });

  it('the drift check fails when the committed types differ from the served document', async () => {
    const committed = readFileSync(new URL('libs/sdk/src/generated/openapi.ts', root), 'utf8');
    const stale = new URL('stale-openapi.ts', project);
    // As if an operation had been added to the document after the types were generated.
    writeFileSync(stale, committed.replace('"/v1/users/me/mfa": {', '"/v1/users/me/mfa/gone": {'));
    const check = await node([new URL('scripts/sdk-generate.mjs', root).pathname, '--check', '--file', stale.pathname]);
    assert.equal(check.status, 1, check.stdout + check.stderr);
    assert.match(check.stderr, /out of date with the served OpenAPI document \(first difference at line \d+:/);
    assert.match(check.stderr, /committed: +"\/v1\/users\/me\/mfa\/gone": \{/);
    assert.match(check.stderr, /Run `npm run sdk:generate`/);
  });
});
