import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '#observability';
import { dialects, startTestApp, TEST_ORIGIN, type TestApp } from '../support/test-app.js';
import { MfaFlows, type Tenant } from '../support/mfa-flows.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { mdsPki, metadataEntry, signBlob } from '../support/fido-metadata.js';

const REGISTER = '/v1/users/me/mfa/webauthn/register';
const COMPLETE = '/v1/users/me/mfa/webauthn/register/complete';

/** Every metric this suite expects by name, with a sample it must have after the ceremonies below. */
const EXPECTED_SAMPLES: RegExp[] = [
  /^tessera_ceremonies_started_total\{ceremony="registration",method="webauthn_passkey"\} [1-9]\d*$/m,
  /^tessera_ceremonies_completed_total\{ceremony="registration",method="webauthn_passkey"\} [1-9]\d*$/m,
  /^tessera_ceremonies_failed_total\{ceremony="registration",method="webauthn_passkey",reason="not_found"\} [1-9]\d*$/m,
  /^tessera_ceremonies_failed_total\{ceremony="registration",method="webauthn_passkey",reason="policy_denied"\} [1-9]\d*$/m,
  /^tessera_ceremonies_started_total\{ceremony="authentication",method="webauthn"\} [1-9]\d*$/m,
  /^tessera_ceremonies_completed_total\{ceremony="authentication",method="webauthn"\} [1-9]\d*$/m,
  /^tessera_ceremonies_failed_total\{ceremony="authentication",method="totp",reason="mfa_failed"\} [1-9]\d*$/m,
  /^tessera_mfa_verifications_total\{method="webauthn",outcome="success"\} [1-9]\d*$/m,
  /^tessera_mfa_verifications_total\{method="totp",outcome="mfa_failed"\} [1-9]\d*$/m,
  /^tessera_ceremonies_failed_total\{ceremony="registration",method="webauthn_passkey",reason="step_up_required"\} [1-9]\d*$/m,
  /^tessera_step_up_required_total\{action="begin_enrollment"\} [1-9]\d*$/m,
  /^tessera_rate_limit_hits_total\{limit="enroll"\} [1-9]\d*$/m,
  /^tessera_rate_limit_memory_fallback 0$/m,
  /^tessera_policy_decision_duration_seconds_bucket\{le="\+Inf",action="begin_enrollment"\} [1-9]\d*$/m,
  /^tessera_policy_decision_duration_seconds_count\{action="verify_factor"\} [1-9]\d*$/m,
  /^tessera_fido_metadata_blob_age_seconds \d+(\.\d+)?(e[-+]\d+)?$/m,
  /^tessera_fido_metadata_last_refresh\{outcome="success"\} 1$/m,
  /^tessera_fido_metadata_last_refresh\{outcome="failure"\} 0$/m,
];
/** Declared with HELP and TYPE (samples on PostgreSQL only). */
const DECLARED = ['tessera_db_pool_connections_in_use', 'tessera_db_pool_waiting_requests'];

for (const dialect of await dialects()) {
  describe(`observability: the metrics listener, the new metrics, request-scoped logs (${dialect})`, () => {
    let t: TestApp;
    let flows: MfaFlows;
    let tenant: Tenant;
    let dir: string;
    const lines: Record<string, unknown>[] = [];

    before(async () => {
      const mds = await mdsPki();
      dir = mkdtempSync(join(tmpdir(), 'tessera-observability-'));
      writeFileSync(
        join(dir, 'mds.jwt'),
        await signBlob({
          signer: mds.signer,
          no: 7,
          entries: [metadataEntry({ aaguid: '0c0b0a09-0807-4605-8403-020100f0e0d0', description: 'Observable Key' })],
        }),
      );
      writeFileSync(join(dir, 'mds-root.pem'), mds.root.pem);
      // The app's own logger, writing into this array.
      const logger = createLogger('info', {
        write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
      });
      t = await startTestApp(
        dialect,
        {
          FIDO_MDS_FILE: join(dir, 'mds.jwt'),
          FIDO_MDS_ROOT_CERT: join(dir, 'mds-root.pem'),
          RATE_LIMIT_ENROLL_PER_MINUTE: '4',
          LOG_LEVEL: 'info',
        },
        { logger },
      );
      flows = new MfaFlows(t);
      tenant = await t.createTenant({ name: 'Observed' });
    });
    after(async () => {
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function scrape(): Promise<string> {
      const res = await fetch(`${t.metricsUrl}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      return res.text();
    }

    it('/metrics is served on its own listener, not on the API port', async () => {
      const api = await t.request('GET', '/metrics');
      assert.equal(api.status, 404, api.text);
      assert.equal(api.body.code, 'not_found');
      assert.notEqual(new URL(t.metricsUrl).port, new URL(t.baseUrl).port);
      assert.match(await scrape(), /^# TYPE tessera_http_requests_total counter$/m);
      assert.equal((await fetch(`${t.metricsUrl}/v1/tenants`)).status, 404, 'the metrics listener serves nothing else');
      assert.equal((await fetch(`${t.metricsUrl}/metrics`, { method: 'POST' })).status, 405);
    });

    it('after ceremonies every new metric is present', async () => {
      // Registration: one completed, one completion without a pending enrollment (not_found).
      const auth = new SoftAuthenticator();
      const headers = await t.userHeaders(tenant.id, 'alice');
      const options = await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, { headers });
      assert.equal(options.status, 200, options.text);
      const body = {
        credential: auth.createCredential(options.body.options, { origin: TEST_ORIGIN }),
        device_name: 'Key',
        method_type: 'webauthn_passkey',
      };
      assert.equal((await t.request('POST', COMPLETE, { headers, json: body })).status, 200);
      const missing = await t.request('POST', COMPLETE, { headers, json: body });
      assert.equal(missing.status, 404, missing.text);
      // A baseline denial at the start: a first factor needs a recent sign-in.
      const stale = await t.userHeaders(tenant.id, 'bob', { auth_time: Math.floor(Date.now() / 1000) - 3600 });
      const denied = await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, { headers: stale });
      assert.equal(denied.status, 403, denied.text);
      assert.equal(denied.body.code, 'policy_denied');
      // A second factor on a password-only session, without a proof of the first: 403 step_up_required.
      const stepUp = await t.request('POST', `${REGISTER}?method_type=webauthn_passkey`, {
        headers: await t.userHeaders(tenant.id, 'alice', { amr: ['pwd'] }),
      });
      assert.equal(stepUp.status, 403, stepUp.text);
      assert.equal(stepUp.body.code, 'step_up_required');
      // Sign-in: a WebAuthn verification, and a wrong TOTP answer (alice has no TOTP: mfa_failed).
      const signIn = await flows.webauthn(await flows.openSignInId(tenant, 'alice'), auth);
      assert.equal(signIn.res.status, 200, signIn.res.text);
      const wrong = await flows.totp(await flows.openSignInId(tenant, 'alice'), '000000');
      assert.equal(wrong.status, 401, wrong.text);
      // The enrollment limit (4 per minute) for one user.
      const carol = await t.userHeaders(tenant.id, 'carol');
      let limited = 0;
      for (let i = 0; i < 6; i++)
        if ((await t.request('POST', `${REGISTER}?method_type=webauthn_fido`, { headers: carol })).status === 429)
          limited += 1;
      assert.ok(limited > 0);

      const text = await scrape();
      for (const expected of EXPECTED_SAMPLES) assert.match(text, expected);
      for (const name of DECLARED) {
        assert.match(text, new RegExp(`^# HELP ${name} `, 'm'));
        assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'));
      }
      if (dialect === 'postgres') {
        assert.match(text, /^tessera_db_pool_connections_in_use \d+$/m);
        assert.match(text, /^tessera_db_pool_waiting_requests \d+$/m);
      }
      assert.ok(!text.includes('alice') && !text.includes(tenant.id), 'no user or tenant ids in labels');
    });

    it('baseline denials speak of the security policy, tenant rule denials of the tenant policy', async () => {
      const stale = await t.userHeaders(tenant.id, 'dave', { auth_time: Math.floor(Date.now() / 1000) - 3600 });
      const baseline = await t.request('POST', `${REGISTER}?method_type=webauthn_fido`, { headers: stale });
      assert.equal(baseline.status, 403, baseline.text);
      assert.equal(baseline.body.message, "Your organization's security policy does not allow this.");
      assert.deepEqual(baseline.body.details.determining_policies, ['baseline.recent_sign_in_to_add_factor']);
      assert.equal(baseline.body.notices.length, 1);
      const headers = await t.userHeaders(tenant.id, 'dave');

      const rule = await t.request('POST', '/v1/policies', {
        headers: flows.adminHeaders(tenant),
        json: {
          name: 'No TOTP',
          enabled: true,
          cedar_policy_set:
            '@notice("TOTP is not offered here.")\nforbid (principal, action == Tessera::Action::"begin_enrollment", resource) when { context.method_type == "totp" };',
        },
      });
      assert.equal(rule.status, 201, rule.text);
      const tenantRule = await t.request('POST', '/v1/users/me/mfa/totp', { headers, json: {} });
      assert.equal(tenantRule.status, 403, tenantRule.text);
      assert.equal(tenantRule.body.message, 'The tenant policy does not allow this.');
      assert.deepEqual(tenantRule.body.notices, ['TOTP is not offered here.']);
    });

    it('a line written by a service during a request carries request_id, tenant_id and user_id', async () => {
      const headers = { ...(await t.userHeaders(tenant.id, 'erin')), 'X-Request-ID': 'obs-req-42' };
      const res = await t.request('POST', '/v1/users/me/mfa/totp', { headers, json: {} });
      assert.equal(res.status, 403, res.text);
      const fromService = lines.find((l) => l.context === 'PolicyService' && l.request_id === 'obs-req-42');
      assert.ok(fromService, `no PolicyService line for the request: ${JSON.stringify(lines.slice(-5))}`);
      assert.match(String(fromService.msg), /^policy denied begin_enrollment on Tenant: /);
      assert.equal(fromService.tenant_id, tenant.id);
      assert.equal(fromService.user_id, 'erin');
      const done = lines.find((l) => l.msg === 'request' && l.request_id === 'obs-req-42');
      assert.ok(done, 'the request line');
      assert.deepEqual(
        {
          tenant_id: done.tenant_id,
          user_id: done.user_id,
          status: done.status,
          route: done.route,
          error_code: done.error_code,
        },
        {
          tenant_id: tenant.id,
          user_id: 'erin',
          status: 403,
          route: '/v1/users/me/mfa/totp',
          error_code: 'policy_denied',
        },
      );
      for (const line of lines) assert.ok(!JSON.stringify(line).includes('Bearer '), 'no bearer tokens in logs');
      // A line outside any request has none of the request fields.
      const boot = lines.find((l) => String(l.msg).startsWith('Loaded MDS BLOB'));
      assert.ok(boot && boot.request_id === undefined && boot.tenant_id === undefined);
    });
  });
}
