import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { Validator } from '@seriousme/openapi-schema-validator';
import { TENANT_HEADER_DOC } from '#auth';
import { dialects, startTestApp, TEST_ORIGIN, TEST_PLATFORM_KEY, type TestApp } from '../support/test-app.js';

const STATIC_ORIGIN = 'https://console.example.com';
const ERROR_REF = '#/components/schemas/Error';

interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; description?: string }[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

/** Prometheus text from the app's own metrics listener. */
async function metrics(t: TestApp): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${t.metricsUrl}/metrics`);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

for (const dialect of await dialects()) {
  describe(`operations: CORS, security headers, health, metrics, OpenAPI, docs (${dialect})`, () => {
    let t: TestApp;

    before(async () => {
      t = await startTestApp(dialect, { CORS_ORIGINS: STATIC_ORIGIN });
      // The tenant exists before the first CORS request, so its origin is in the first allow list.
      await t.createTenant({ webauthn: { rp_id: 'tessera.test', rp_name: 'Test', origins: [TEST_ORIGIN] } });
    });
    after(async () => {
      await t.close();
    });

    const preflight = (origin: string) =>
      t.request('OPTIONS', '/v1/users/me/mfa', {
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,x-tenant-id,content-type',
        },
      });

    it("CORS: a preflight from a tenant's origin or CORS_ORIGINS is allowed, without credentials", async () => {
      for (const origin of [TEST_ORIGIN, STATIC_ORIGIN]) {
        const res = await preflight(origin);
        assert.equal(res.status, 204, res.text);
        assert.equal(res.headers.get('access-control-allow-origin'), origin);
        const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
        for (const h of ['authorization', 'x-tenant-id', 'content-type'])
          assert.ok(allowed.includes(h), `${h} in ${allowed.join(', ')}`);
        assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
        assert.equal(res.headers.get('access-control-allow-credentials'), null);
      }
      const simple = await t.request('GET', '/healthz', { headers: { Origin: TEST_ORIGIN } });
      assert.equal(simple.headers.get('access-control-allow-origin'), TEST_ORIGIN);
      assert.match(simple.headers.get('access-control-expose-headers') ?? '', /X-Request-ID/i);
    });

    it('CORS: an unknown origin is not allowed', async () => {
      for (const origin of ['https://evil.example.com', 'http://app.tessera.test', 'null']) {
        const res = await preflight(origin);
        assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
      }
      const simple = await t.request('GET', '/healthz', { headers: { Origin: 'https://evil.example.com' } });
      assert.equal(simple.headers.get('access-control-allow-origin'), null);
    });

    it('security headers on every response, success and error', async () => {
      for (const path of ['/healthz', '/v1/no-such-route']) {
        const res = await t.request('GET', path);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
        assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/, path);
        assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/, path);
        assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', path);
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
        assert.equal(res.headers.get('x-powered-by'), null, path);
      }
    });

    it('/healthz is public and live', async () => {
      const res = await t.request('GET', '/healthz');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: 'ok' });
    });

    it('/metrics counts requests by route pattern and status, never the raw path', async () => {
      const id = '0f0e0d0c-0b0a-4909-8807-060504030201';
      assert.equal(
        (await t.request('GET', `/v1/tenants/${id}`, { headers: { 'X-API-Key': TEST_PLATFORM_KEY } })).status,
        404,
      );
      assert.equal((await t.request('GET', '/v1/nowhere/at/all')).status, 404);
      const res = await metrics(t);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(
        res.text,
        /^tessera_http_requests_total\{method="GET",route="\/v1\/tenants\/:id",status="404"\} [1-9]\d*$/m,
      );
      assert.match(res.text, /^tessera_http_requests_total\{method="GET",route="\/healthz",status="200"\} [1-9]\d*$/m);
      assert.match(res.text, /^tessera_http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]\d*$/m);
      assert.match(
        res.text,
        /^tessera_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/healthz",status="200"\} [1-9]\d*$/m,
      );
      assert.ok(!res.text.includes(id), 'no raw ids in labels');
      assert.ok(!res.text.includes('/v1/nowhere'), 'no raw unknown paths in labels');
    });

    it('/openapi.json is a valid OpenAPI 3.1 document with both security schemes', async () => {
      const res = await t.request('GET', '/openapi.json');
      assert.equal(res.status, 200);
      const doc = res.body;
      assert.match(doc.openapi, /^3\.1\.\d+$/);
      const result = await new Validator().validate(doc);
      assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2)?.slice(0, 2000));
      assert.deepEqual(
        { type: doc.components.securitySchemes.bearer.type, scheme: doc.components.securitySchemes.bearer.scheme },
        { type: 'http', scheme: 'bearer' },
      );
      assert.deepEqual(
        {
          type: doc.components.securitySchemes.apiKey.type,
          in: doc.components.securitySchemes.apiKey.in,
          name: doc.components.securitySchemes.apiKey.name,
        },
        { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      );
      const error = doc.components.schemas.Error;
      assert.deepEqual([...error.required].sort(), ['code', 'message']);
      assert.ok(error.properties.code.enum.includes('tenant_mismatch'));
    });

    it('every operation documents its error statuses with the error schema; tenant routes document X-Tenant-ID as the seed does', async () => {
      const doc = (await t.request('GET', '/openapi.json')).body as {
        paths: Record<string, Record<string, Operation>>;
      };
      let tenantRoutes = 0;
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          const where = `${method.toUpperCase()} ${path}`;
          const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
          assert.ok(
            errors.some(([status]) => status === '500'),
            `${where} documents 500`,
          );
          for (const [status, response] of errors) {
            assert.equal(
              response.content?.['application/json']?.schema?.$ref,
              ERROR_REF,
              `${where} ${status} uses the error schema`,
            );
          }
          const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
          if (schemes.includes('bearer')) {
            tenantRoutes += 1;
            const header = op.parameters?.find((p) => p.in === 'header' && p.name === 'X-Tenant-ID');
            assert.ok(header, `${where} documents X-Tenant-ID`);
            assert.equal(header.required, true, where);
            assert.equal(header.description, TENANT_HEADER_DOC, where);
            for (const status of ['400', '401', '403'])
              assert.ok(status in op.responses, `${where} documents ${status}`);
          }
          if (schemes.length > 0) assert.ok('401' in op.responses, `${where} documents 401`);
        }
      }
      assert.ok(tenantRoutes > 0, 'the document has tenant-bound routes');
      assert.equal(
        TENANT_HEADER_DOC,
        'Tenant identifier. Must match the tenant associated with the credential. Returns 403 tenant_mismatch if the credential and header belong to different tenants.',
      );
    });

    it('/docs serves the interactive reference from this origin, no CDN', async () => {
      const res = await t.request('GET', '/docs');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(res.text, /swagger-ui/);
      assert.ok(!/(src|href)=["'](https?:)?\/\//i.test(res.text), 'no absolute asset URLs');
      assert.ok(!/unpkg|jsdelivr|cdnjs|googleapis/i.test(res.text));
      const assets = [...res.text.matchAll(/(?:src|href)="\.\/docs\/([^"]+)"/g)].map((m) => m[1]);
      assert.ok(assets.includes('swagger-ui-bundle.js'), JSON.stringify(assets));
      for (const asset of assets) {
        const got = await t.request('GET', `/docs/${asset}`);
        assert.equal(got.status, 200, asset);
      }
    });

    it('/readyz: 200 while the database answers, 503 service_unavailable once it is gone', async () => {
      const ready = await t.request('GET', '/readyz');
      assert.equal(ready.status, 200, ready.text);
      assert.deepEqual(ready.body, { status: 'ready' });
      if (dialect === 'postgres')
        await t.db.drop(); // the server kills our sessions and the database no longer exists
      else await t.app.get(DataSource).destroy();
      const gone = await t.request('GET', '/readyz');
      assert.equal(gone.status, 503, gone.text);
      assert.equal(gone.body.code, 'service_unavailable');
      assert.equal(gone.headers.get('retry-after'), '5');
      assert.equal((await t.request('GET', '/healthz')).status, 200, 'liveness does not depend on the database');
    });
  });
}
