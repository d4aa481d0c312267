import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestApp, TEST_ORIGIN, type TestApp } from '../support/test-app.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { MfaFlows, totpCode } from '../support/mfa-flows.js';

const ROUNDS = 20;
const CAP_NOTICE = 'You already have the maximum of 10 authenticators. Remove one before adding another.';

/**
 * The 10-authenticator cap under concurrent completions of every kind: a user with 9 factors
 * completes a passkey, a security key and a TOTP verification at once. The user's factor
 * writes are serialized, so exactly one lands and the others are refused by the baseline rule.
 */
for (const dialect of await dialects()) {
  describe(`the authenticator cap under concurrent completions (${dialect})`, () => {
    let t: TestApp;
    let mfa: MfaFlows;
    let tenantId: string;

    before(async () => {
      t = await startTestApp(dialect, { RATE_LIMIT_ENROLL_PER_MINUTE: '0' });
      mfa = new MfaFlows(t);
      tenantId = (await t.createTenant()).id;
    });
    after(async () => {
      await t?.close();
    });

    async function factorCount(user: string): Promise<number> {
      const res = await t.request('GET', '/v1/users/me/mfa', { headers: await t.userHeaders(tenantId, user) });
      assert.equal(res.status, 200, res.text);
      return res.body.methods.filter((m: { verified: boolean }) => m.verified).length;
    }

    it(`9 factors + a passkey, a security key and a TOTP completing at once never exceeds 10 (${ROUNDS} rounds)`, async () => {
      const outcomes = new Map<string, number>();
      for (let round = 0; round < ROUNDS; round++) {
        const user = `cap-${dialect}-${round}`;
        // Nine factors of mixed kinds; the rotation makes a different kind the ninth each round.
        for (let i = 0; i < 9; i++) {
          if ((i + round) % 4 === 0) await mfa.enrollTotp(tenantId, user);
          else
            await mfa.enrollWebAuthn(
              tenantId,
              user,
              new SoftAuthenticator(),
              i % 2 ? 'webauthn_fido' : 'webauthn_passkey',
            );
        }
        assert.equal(await factorCount(user), 9);

        // Three ceremonies started, then completed concurrently.
        const headers = await t.userHeaders(tenantId, user);
        const started = await Promise.all(
          (['webauthn_passkey', 'webauthn_fido'] as const).map(async (method) => {
            const begin = await t.request('POST', `/v1/users/me/mfa/webauthn/register?method_type=${method}`, {
              headers,
            });
            assert.equal(begin.status, 200, begin.text);
            return {
              method,
              credential: new SoftAuthenticator({ residentKey: method === 'webauthn_passkey' }).createCredential(
                begin.body.options,
                { origin: TEST_ORIGIN },
              ),
            };
          }),
        );
        const totp = await t.request('POST', '/v1/users/me/mfa/totp', { headers, json: {} });
        assert.equal(totp.status, 201, totp.text);
        const results = await Promise.all([
          ...started.map(({ method, credential }) =>
            t
              .request('POST', '/v1/users/me/mfa/webauthn/register/complete', {
                headers,
                json: { credential, device_name: method, method_type: method },
              })
              .then((res) => ({ kind: method, res })),
          ),
          t
            .request('POST', `/v1/users/me/mfa/totp/${totp.body.id}/verify`, {
              headers,
              json: { code: totpCode(totp.body.secret) },
            })
            .then((res) => ({ kind: 'totp', res })),
        ]);

        const won = results.filter((r) => r.res.status === 200);
        assert.equal(won.length, 1, `round ${round}: ${results.map((r) => `${r.kind} ${r.res.status}`).join(', ')}`);
        for (const lost of results.filter((r) => r.res.status !== 200)) {
          assert.equal(lost.res.status, 403, lost.res.text);
          assert.equal(lost.res.body.code, 'policy_denied');
          assert.deepEqual(lost.res.body.notices, [CAP_NOTICE]);
        }
        assert.equal(await factorCount(user), 10, `round ${round}`);
        outcomes.set(won[0].kind, (outcomes.get(won[0].kind) ?? 0) + 1);
      }
      assert.equal(
        [...outcomes.values()].reduce((a, b) => a + b, 0),
        ROUNDS,
      );
    });
  });
}
