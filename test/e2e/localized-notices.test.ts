import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestApp, type TestApp } from '../support/test-app.js';
import { MfaFlows, type Tenant } from '../support/mfa-flows.js';

const REGISTER = '/v1/users/me/mfa/webauthn/register?method_type=webauthn_passkey';
const EN = 'Blocked users cannot add authenticators. Ask your administrator.';
const DE = 'Gesperrte Benutzer können keine Authentifikatoren hinzufügen. Wenden Sie sich an Ihre Administration.';
const BLOCK = `@notice("${EN}")
@notice_de("${DE}")
forbid (principal == Tessera::User::"blocked", action == Tessera::Action::"begin_enrollment", resource);`;
const STEP_UP_DE =
  'Um Ihre Sicherheitsfaktoren zu ändern, bestätigen Sie zuerst mit einem Ihrer vorhandenen Faktoren, dass Sie es sind.';
const BASELINE_DE =
  'Um einen Authentifikator hinzuzufügen, müssen Sie sich in den letzten 15 Minuten angemeldet haben. Melden Sie sich erneut an und versuchen Sie es noch einmal.';

for (const dialect of await dialects()) {
  describe(`Notices and messages in the user's language (${dialect})`, () => {
    let t: TestApp;
    let flows: MfaFlows;
    let acme: Tenant;
    const admin = (tenant: Tenant) => ({ 'X-API-Key': tenant.apiKey, 'X-Tenant-ID': tenant.id });

    before(async () => {
      t = await startTestApp(dialect);
      flows = new MfaFlows(t);
      acme = await t.createTenant({ name: 'Acme' });
      const res = await t.request('POST', '/v1/policies', {
        headers: admin(acme),
        json: { name: 'Blocked users', enabled: true, cedar_policy_set: BLOCK },
      });
      assert.equal(res.status, 201, res.text);
    });
    after(async () => {
      await t?.close();
    });

    const begin = async (user: string, acceptLanguage?: string, claims?: Record<string, unknown>) =>
      t.request('POST', REGISTER, {
        headers: {
          ...(await t.userHeaders(acme.id, user, claims)),
          ...(acceptLanguage === undefined ? {} : { 'Accept-Language': acceptLanguage }),
        },
      });

    it('Accept-Language: de → the German notice and message, Content-Language: de', async () => {
      const res = await begin('blocked', 'de');
      assert.equal(res.status, 403, res.text);
      assert.equal(res.body.code, 'policy_denied');
      assert.deepEqual(res.body.notices, [DE]);
      assert.equal(res.body.message, 'Die Richtlinie des Mandanten erlaubt das nicht.');
      assert.equal(res.headers.get('content-language'), 'de');
      assert.match(res.headers.get('vary') ?? '', /Accept-Language/i);
    });

    it('fr (no translation) → the default notice, Content-Language: en; no header → the default', async () => {
      for (const header of ['fr', undefined, 'fr-CA, fr;q=0.9', '*']) {
        const res = await begin('blocked', header);
        assert.equal(res.status, 403);
        assert.deepEqual(res.body.notices, [EN], String(header));
        assert.equal(res.body.message, 'The tenant policy does not allow this.');
        assert.equal(res.headers.get('content-language'), 'en', String(header));
      }
    });

    it('q-values and regional tags pick the best match', async () => {
      const cases: [string, string][] = [
        ['fr;q=1, de;q=0.5', 'de'],
        ['de-CH', 'de'],
        ['en;q=0.4, de;q=0.8', 'de'],
        ['de;q=0.4, en;q=0.8', 'en'],
        ['de;q=0, fr', 'en'],
        ['fr, en;q=0.9, de;q=0.8', 'en'],
        ['DE-de;q=0.7', 'de'],
        ['garbage;;q=x, de', 'de'],
      ];
      for (const [header, language] of cases) {
        const res = await begin('blocked', header);
        assert.equal(res.headers.get('content-language'), language, header);
        assert.deepEqual(res.body.notices, [language === 'de' ? DE : EN], header);
      }
    });

    it('the baseline ships German notices; catalogue messages are German too', async () => {
      const old = { auth_time: Math.floor(Date.now() / 1000) - 3600 };
      const stale = await begin('stale', 'de-AT', old);
      assert.equal(stale.status, 403, stale.text);
      assert.deepEqual(stale.body.notices, [BASELINE_DE]);
      assert.deepEqual(stale.body.details.determining_policies, ['baseline.recent_sign_in_to_add_factor']);
      assert.equal(stale.headers.get('content-language'), 'de');

      // Adding a second factor without a fresh proof of the first: step-up, in German too.
      await flows.enrollWebAuthn(acme.id, 'second');
      const stepUp = await begin('second', 'de', old);
      assert.equal(stepUp.status, 403, stepUp.text);
      assert.equal(stepUp.body.code, 'step_up_required');
      assert.deepEqual(stepUp.body.notices, [STEP_UP_DE]);
      assert.match(stepUp.body.message, /^Bestätigen Sie/, 'the catalogue message of step_up_required, in German');
      assert.equal(
        (await begin('second', 'fr', old)).body.message,
        'Confirm it is you with one of your existing factors, then retry with the X-MFA-Token header.',
      );

      const missing = await t.request('GET', '/v1/nothing-here', { headers: { 'Accept-Language': 'de' } });
      assert.deepEqual(
        [missing.status, missing.body.message, missing.headers.get('content-language')],
        [404, 'Nicht gefunden.', 'de'],
      );
      const badJson = await t.request('POST', '/v1/api-keys', {
        headers: { ...admin(acme), 'Accept-Language': 'de', 'Content-Type': 'application/json' },
        body: '{"name":',
      });
      assert.deepEqual(
        [badJson.status, badJson.body.message, badJson.headers.get('content-language')],
        [400, 'Der Inhalt der Anfrage ist kein gültiges JSON.', 'de'],
      );
      const unauthenticated = await t.request('GET', '/v1/users/me/mfa', {
        headers: { 'Accept-Language': 'de', 'X-Tenant-ID': acme.id },
      });
      assert.deepEqual(
        [unauthenticated.status, unauthenticated.body.message],
        [401, 'A bearer token is required.'],
        'a precise message stays as written',
      );
    });

    it('rule validation: annotation names and the lengths of every translation', async () => {
      const refused: [string, RegExp][] = [
        [
          `@notice("a") @notice_de("${'ä'.repeat(501)}") forbid (principal, action, resource);`,
          /@notice_de annotation is longer than 500/,
        ],
        ['@notice("a") @author("me") forbid (principal, action, resource);', /Unknown annotation @author/],
        ['@notice("a") @notice_DE("b") forbid (principal, action, resource);', /Unknown annotation @notice_DE/],
        ['@notice("a") @notice_german("b") forbid (principal, action, resource);', /Unknown annotation @notice_german/],
        ['@notice_de("nur Deutsch") forbid (principal, action, resource);', /needs a default @notice/],
      ];
      for (const [text, message] of refused) {
        const res = await t.request('POST', '/v1/policies', {
          headers: admin(acme),
          json: { name: 'bad', enabled: true, cedar_policy_set: text },
        });
        assert.equal(res.status, 400, text);
        assert.equal(res.body.code, 'policy_invalid');
        assert.match(JSON.stringify(res.body.details), message, text);
      }
      const ok = await t.request('POST', '/v1/policies', {
        headers: admin(acme),
        json: {
          name: 'ok',
          enabled: false,
          cedar_policy_set: `@id("x") @notice("a") @notice_de("b") @notice_fr("c") @notice_haw("d") forbid (principal, action, resource);`,
        },
      });
      assert.equal(ok.status, 201, ok.text);
    });
  });
}
