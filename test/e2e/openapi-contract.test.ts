import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ERROR_CODES, ERROR_STATUS, type ErrorCode } from '#errors';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The stable operation ids. Generated clients name their methods after these, so changing one
 * breaks every client: a rename here is a deliberate, visible change of the contract.
 */
const OPERATION_IDS: Record<string, string> = {
  'GET /healthz': 'checkLiveness',
  'GET /readyz': 'checkReadiness',
  'GET /.well-known/jwks.json': 'getJwks',
  'GET /.well-known/webauthn': 'getRelatedOrigins',
  'POST /v1/tenants': 'createTenant',
  'GET /v1/tenants': 'listTenants',
  'GET /v1/tenants/{id}': 'getTenant',
  'PATCH /v1/tenants/{id}': 'updateTenant',
  'GET /v1/tenants/{id}/webauthn': 'getTenantWebAuthnSettings',
  'PATCH /v1/tenants/{id}/webauthn': 'updateTenantWebAuthnSettings',
  'POST /v1/api-keys': 'createApiKey',
  'GET /v1/api-keys': 'listApiKeys',
  'DELETE /v1/api-keys/{id}': 'revokeApiKey',
  'GET /v1/audit-log': 'listAuditEvents',
  'GET /v1/audit-log/export': 'exportAuditLog',
  'POST /v1/webhooks': 'createWebhook',
  'GET /v1/webhooks': 'listWebhooks',
  'GET /v1/webhooks/{id}': 'getWebhook',
  'PATCH /v1/webhooks/{id}': 'updateWebhook',
  'DELETE /v1/webhooks/{id}': 'deleteWebhook',
  'POST /v1/webhooks/{id}/rotate-secret': 'rotateWebhookSecret',
  'POST /v1/webhooks/{id}/test': 'testWebhook',
  'GET /v1/webhooks/{id}/deliveries': 'listWebhookDeliveries',
  'POST /v1/policies': 'createPolicy',
  'GET /v1/policies': 'listPolicies',
  'POST /v1/policies/simulate': 'simulatePolicyDecision',
  'GET /v1/policies/{id}': 'getPolicy',
  'PATCH /v1/policies/{id}': 'updatePolicy',
  'DELETE /v1/policies/{id}': 'deletePolicy',
  'POST /v1/policies/{id}/rules': 'createPolicyRule',
  'GET /v1/policies/{id}/rules': 'listPolicyRules',
  'GET /v1/policies/{id}/rules/{rule_id}': 'getPolicyRule',
  'PATCH /v1/policies/{id}/rules/{rule_id}': 'updatePolicyRule',
  'DELETE /v1/policies/{id}/rules/{rule_id}': 'deletePolicyRule',
  'POST /v1/users/me/mfa/webauthn/register': 'beginWebAuthnRegistration',
  'POST /v1/users/me/mfa/webauthn/register/complete': 'completeWebAuthnRegistration',
  'POST /v1/users/me/mfa/totp': 'beginTotpEnrollment',
  'POST /v1/users/me/mfa/totp/{id}/verify': 'verifyTotpEnrollment',
  'POST /v1/users/me/mfa/backup-codes': 'regenerateBackupCodes',
  'GET /v1/users/me/mfa/backup-codes': 'getRemainingBackupCodes',
  'GET /v1/users/me/mfa': 'listFactors',
  'PATCH /v1/users/me/mfa/{id}': 'renameFactor',
  'DELETE /v1/users/me/mfa/{id}': 'removeFactor',
  'POST /v1/users/me/mfa/challenges': 'openStepUpChallenge',
  'POST /v1/mfa/challenges': 'openSignInChallenge',
  'POST /v1/auth/mfa/webauthn/begin': 'beginWebAuthnAuthentication',
  'POST /v1/auth/mfa/webauthn/complete': 'completeWebAuthnAuthentication',
  'POST /v1/auth/mfa/totp/complete': 'completeTotpAuthentication',
  'POST /v1/auth/mfa/backup-codes/complete': 'completeBackupCodeAuthentication',
  'GET /v1/users/{user_id}/mfa': 'listUserFactors',
  'DELETE /v1/users/{user_id}/mfa': 'resetUserFactors',
  'DELETE /v1/users/{user_id}/mfa/{id}': 'removeUserFactor',
  'GET /v1/authenticators/report': 'getAuthenticatorReport',
};

/** Operations anyone may call: the challenge id is the capability on /v1/auth/mfa/*. */
const PUBLIC_OPERATIONS = [
  'checkLiveness',
  'checkReadiness',
  'getJwks',
  'getRelatedOrigins',
  'beginWebAuthnAuthentication',
  'completeWebAuthnAuthentication',
  'completeTotpAuthentication',
  'completeBackupCodeAuthentication',
];

const VERBS = [
  'get',
  'list',
  'create',
  'update',
  'delete',
  'remove',
  'revoke',
  'reset',
  'rename',
  'regenerate',
  'begin',
  'complete',
  'verify',
  'open',
  'simulate',
  'check',
  'rotate',
  'test',
  'export',
];
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

interface Example {
  value: { code: string; message: string };
}
interface Operation {
  operationId: string;
  security?: Record<string, string[]>[];
  responses: Record<
    string,
    {
      description: string;
      content?: Record<string, { schema?: { $ref?: string }; examples?: Record<string, Example> }>;
    }
  >;
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
}
interface Document {
  info: { version: string; license: { name: string; identifier?: string; url?: string } };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties?: Record<string, Record<string, unknown>>; required?: string[] }>;
  };
}

function operations(doc: Document): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]),
  );
}

/** Every schema object in the document, with where it is. */
function* schemaNodes(node: unknown, where = '#'): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* schemaNodes(item, `${where}/${i}`);
  } else if (node && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    if ('type' in obj) yield [where, obj];
    for (const [key, value] of Object.entries(obj))
      if (key !== 'example' && key !== 'examples') yield* schemaNodes(value, `${where}/${key}`);
  }
}

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('the OpenAPI document: a contract clients can build on', () => {
  let t: TestApp;
  let doc: Document;

  before(async () => {
    t = await startTestApp('sqlite');
    doc = (await t.request('GET', '/openapi.json')).body as Document;
  });
  after(async () => {
    await t?.close();
  });

  it('every operation has its explicit, stable, verb-first camelCase operationId', () => {
    const served = Object.fromEntries(operations(doc).map(([where, op]) => [where, op.operationId]));
    assert.deepEqual(served, OPERATION_IDS);
    const ids = Object.values(served);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    for (const id of ids) {
      assert.match(id, /^[a-z]+(?:[A-Z][a-z0-9]*)+$/, id);
      assert.ok(
        VERBS.some((verb) => id.startsWith(verb) && /[A-Z]/.test(id[verb.length] ?? '')),
        `${id} starts with a verb`,
      );
      assert.ok(!/Controller|_/.test(id), `${id} is not derived from a class name`);
    }
  });

  it('component names describe the resource, without Dto', () => {
    const names = Object.keys(doc.components.schemas);
    assert.deepEqual(
      names.filter((n) => /dto$/i.test(n)),
      [],
    );
    for (const name of [
      'BackupCodes',
      'Error',
      'Factor',
      'FactorList',
      'RegistrationOptions',
      'RegistrationCompletion',
      'MfaToken',
      'Challenge',
      'AuditEventPage',
    ]) {
      assert.ok(names.includes(name), `components.schemas.${name}`);
    }
  });

  it("every number is an integer, with its bounds; the seed contract's remaining is an integer ≥ 0", () => {
    const numbers = [...schemaNodes(doc)].filter(
      ([, s]) => s.type === 'number' || (Array.isArray(s.type) && s.type.includes('number')),
    );
    assert.deepEqual(
      numbers.map(([where]) => where),
      [],
    );
    assert.deepEqual(doc.components.schemas.BackupCodes.properties!.remaining, {
      type: 'integer',
      minimum: 0,
      description: 'Unused backup codes the user holds now.',
      example: 10,
    });
    const limit = (
      doc.paths['/v1/audit-log'].get as unknown as { parameters: { name: string; schema: Record<string, unknown> }[] }
    ).parameters.find((p) => p.name === 'limit')!;
    assert.deepEqual(
      [limit.schema.type, limit.schema.minimum, limit.schema.maximum],
      ['integer', 1, 1000],
      'the audit log pages up to 1000',
    );
    const webhookLimit = (
      doc.paths['/v1/webhooks'].get as unknown as { parameters: { name: string; schema: Record<string, unknown> }[] }
    ).parameters.find((p) => p.name === 'limit')!;
    assert.deepEqual(
      [webhookLimit.schema.type, webhookLimit.schema.minimum, webhookLimit.schema.maximum],
      ['integer', 1, 100],
    );
    assert.deepEqual(doc.components.schemas.WebAuthnSettings.properties!.timeout_ms.type, 'integer');
  });

  it('the WebAuthn payloads are typed from the WebAuthn L3 JSON dictionaries', () => {
    const s = doc.components.schemas;
    const seed = doc.paths['/v1/users/me/mfa/webauthn/register/complete'].post;
    assert.equal(
      seed.requestBody!.content['application/json'].schema.$ref,
      '#/components/schemas/RegistrationCompletion',
    );
    assert.deepEqual(s.RegistrationCompletion.properties!.credential.allOf, [
      { $ref: '#/components/schemas/RegistrationResponseJSON' },
    ]);
    assert.deepEqual(s.RegistrationOptions.properties!.options.allOf, [
      { $ref: '#/components/schemas/PublicKeyCredentialCreationOptionsJSON' },
    ]);
    assert.deepEqual(s.WebAuthnChallengeAnswer.properties!.credential.allOf, [
      { $ref: '#/components/schemas/AuthenticationResponseJSON' },
    ]);
    assert.deepEqual(s.AuthenticationOptions.properties!.options.allOf, [
      { $ref: '#/components/schemas/PublicKeyCredentialRequestOptionsJSON' },
    ]);
    for (const name of ['RegistrationResponseJSON', 'AuthenticationResponseJSON']) {
      assert.deepEqual(s[name].required, ['id', 'rawId', 'response', 'clientExtensionResults', 'type'], name);
      assert.deepEqual(s[name].properties!.type.enum, ['public-key'], name);
      assert.deepEqual(s[name].properties!.authenticatorAttachment.enum, ['platform', 'cross-platform'], name);
    }
    assert.deepEqual(s.AuthenticatorAttestationResponseJSON.required, ['clientDataJSON', 'attestationObject']);
    assert.deepEqual(s.AuthenticatorAssertionResponseJSON.required, [
      'clientDataJSON',
      'authenticatorData',
      'signature',
    ]);
    assert.deepEqual(s.PublicKeyCredentialCreationOptionsJSON.required, [
      'rp',
      'user',
      'challenge',
      'pubKeyCredParams',
    ]);
    assert.deepEqual(s.PublicKeyCredentialRequestOptionsJSON.required, ['challenge']);
  });

  it('the served options are instances of their schemas (checked with the document itself)', async () => {
    const tenant = await t.createTenant();
    const headers = await t.userHeaders(tenant.id, 'contract-user');
    const begin = await t.request('POST', '/v1/users/me/mfa/webauthn/register?method_type=webauthn_fido', { headers });
    assert.equal(begin.status, 200, begin.text);
    const problems = conformance(doc, '#/components/schemas/RegistrationOptions', begin.body);
    assert.deepEqual(problems, []);
    // The check itself can fail: an options object without its members does not conform.
    assert.deepEqual(
      conformance(doc, '#/components/schemas/RegistrationOptions', { options: { challenge: 'a+b', timeout: 1.5 } }),
      [
        '$.options.rp: missing',
        '$.options.user: missing',
        '$.options.pubKeyCredParams: missing',
        '$.options.challenge: does not match ^[A-Za-z0-9_-]*$',
        '$.options.timeout: not an integer',
      ],
    );
    // The seed's own example still reaches the pending-enrollment check: validation did not move.
    const seed = await t.request('POST', '/v1/users/me/mfa/webauthn/register/complete', {
      headers: await t.userHeaders(tenant.id, 'nobody-pending'),
      json: { credential: {}, device_name: 'example', method_type: 'webauthn_passkey' },
    });
    assert.equal(seed.status, 404, seed.text);
    assert.deepEqual(conformance(doc, '#/components/schemas/Error', seed.body), []);
    const documented =
      doc.paths['/v1/users/me/mfa/webauthn/register/complete'].post.responses['404'].content!['application/json']
        .examples!.not_found.value;
    assert.deepEqual(seed.body, documented, 'the documented example is what the service answers');
  });

  it('each error response has one example per code it lists, and each code belongs to that status', () => {
    for (const [where, op] of operations(doc)) {
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      assert.ok(
        errors.some(([status]) => status.startsWith('4')),
        `${where} documents a 4xx`,
      );
      assert.ok(
        errors.some(([status]) => status === '500'),
        `${where} documents 500`,
      );
      for (const [status, response] of errors) {
        const media = response.content?.['application/json'];
        assert.equal(media?.schema?.$ref, '#/components/schemas/Error', `${where} ${status}`);
        const examples = Object.entries(media?.examples ?? {});
        assert.ok(examples.length > 0, `${where} ${status} has examples`);
        const codes = examples.map(([name, ex]) => {
          assert.equal(ex.value.code, name, `${where} ${status}: example named after its code`);
          assert.ok(
            (ERROR_CODES as readonly string[]).includes(ex.value.code),
            `${where} ${status}: ${ex.value.code} is in the catalogue`,
          );
          assert.equal(
            ERROR_STATUS[ex.value.code as ErrorCode],
            Number(status),
            `${where}: ${ex.value.code} is answered with ${status}`,
          );
          assert.equal(typeof ex.value.message, 'string');
          return ex.value.code;
        });
        assert.equal(response.description, `Error: ${codes.map((c) => `\`${c}\``).join(', ')}`, `${where} ${status}`);
      }
    }
    // Class-level and method-level codes are united: the seed's 403 lists the tenant errors and the policy denial.
    const seed403 = doc.paths['/v1/users/me/mfa/webauthn/register/complete'].post.responses['403'];
    assert.deepEqual(Object.keys(seed403.content!['application/json'].examples!), [
      'tenant_mismatch',
      'tenant_unavailable',
      'policy_denied',
      'step_up_required',
    ]);
    const seed404 = doc.paths['/v1/users/me/mfa/webauthn/register/complete'].post.responses['404'];
    assert.deepEqual(Object.keys(seed404.content!['application/json'].examples!), ['not_found']);
    // In the words the operation answers with (the seed contract's "No pending enrollment found").
    assert.equal(seed404.content!['application/json'].examples!.not_found.value.message, 'No pending enrollment found');
  });

  it('public operations say security: [], the others name their scheme', () => {
    for (const [where, op] of operations(doc)) {
      assert.ok(Array.isArray(op.security), `${where} has security`);
      if (PUBLIC_OPERATIONS.includes(op.operationId)) assert.deepEqual(op.security, [], where);
      else
        assert.ok(
          op.security.length > 0 && op.security.every((s) => Object.keys(s).length === 1),
          `${where}: ${JSON.stringify(op.security)}`,
        );
    }
  });

  it('info: the package version and the Apache-2.0 licence; servers: the listen address by default', () => {
    assert.equal(doc.info.version, packageVersion);
    assert.equal(doc.info.license.name, 'Apache-2.0');
    assert.equal(doc.info.license.identifier, 'Apache-2.0');
    assert.ok(!('contact' in doc.info), 'no empty contact object');
    assert.deepEqual(
      doc.servers.map((s) => s.url),
      [t.baseUrl],
    );
  });

  it('servers: PUBLIC_URL when it is set', async () => {
    const other = await startTestApp('sqlite', { PUBLIC_URL: 'https://mfa.example.org/tessera/' });
    try {
      const served = (await other.request('GET', '/openapi.json')).body as Document;
      assert.deepEqual(
        served.servers.map((s) => s.url),
        ['https://mfa.example.org/tessera'],
      );
    } finally {
      await other.close();
    }
  });

  it('passes Redocly recommended with 0 errors and 0 warnings (offline), and the OpenAPI 3.1 schema validator', async () => {
    const validation = await new Validator().validate(doc as never);
    assert.equal(validation.valid, true, JSON.stringify(validation.errors)?.slice(0, 2000));
    const { redoclyLint } = (await import(new URL('../../../scripts/openapi-document.mjs', import.meta.url).href)) as {
      redoclyLint: (file: string) => { errors: number; warnings: number; report: string };
    };
    const dir = mkdtempSync(join(tmpdir(), 'tessera-redocly-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      const result = redoclyLint(file);
      assert.deepEqual({ errors: result.errors, warnings: result.warnings }, { errors: 0, warnings: 0 }, result.report);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A small structural check of a value against a schema of the document: types, required members,
 * enums, integer-ness and patterns, following $ref and allOf. Enough to show that what the service
 * sends is what the document promises.
 */
function conformance(doc: Document, ref: string, value: unknown, at = '$'): string[] {
  const resolve = (r: string) =>
    r
      .replace('#/components/schemas/', '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], doc.components.schemas) as Record<
      string,
      unknown
    >;
  const check = (schema: Record<string, unknown>, v: unknown, path: string): string[] => {
    if (typeof schema.$ref === 'string') return check(resolve(schema.$ref), v, path);
    const out: string[] = [];
    for (const part of (schema.allOf as Record<string, unknown>[] | undefined) ?? []) out.push(...check(part, v, path));
    if (schema.enum && !(schema.enum as unknown[]).includes(v))
      out.push(`${path}: ${JSON.stringify(v)} not in ${JSON.stringify(schema.enum)}`);
    switch (schema.type) {
      case 'object': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return [...out, `${path}: not an object`];
        for (const key of (schema.required as string[] | undefined) ?? [])
          if (!(key in v)) out.push(`${path}.${key}: missing`);
        for (const [key, sub] of Object.entries(
          (schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {},
        )) {
          const member = (v as Record<string, unknown>)[key];
          if (member !== undefined) out.push(...check(sub, member, `${path}.${key}`));
        }
        break;
      }
      case 'array':
        if (!Array.isArray(v)) return [...out, `${path}: not an array`];
        v.forEach((item, i) => out.push(...check(schema.items as Record<string, unknown>, item, `${path}[${i}]`)));
        break;
      case 'integer':
        if (!Number.isInteger(v)) out.push(`${path}: not an integer`);
        break;
      case 'string':
        if (typeof v !== 'string') out.push(`${path}: not a string`);
        else if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(v))
          out.push(`${path}: does not match ${schema.pattern}`);
        break;
      case 'boolean':
        if (typeof v !== 'boolean') out.push(`${path}: not a boolean`);
        break;
    }
    return out;
  };
  return check({ $ref: ref }, value, at);
}
