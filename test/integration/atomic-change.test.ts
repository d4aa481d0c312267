import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { IsNull, LessThan, Or } from 'typeorm';
import {
  AuditEventEntity,
  MfaChallengeEntity,
  TotpFactorEntity,
  changeAtomically,
  insertAtomicallyIf,
  newId,
  type TenantInsert,
  type TenantUpdate,
} from '#persistence';
import {
  insertTenants,
  integrationDialects,
  scratchDataSource,
  type ScratchDataSource,
} from './integration-support.js';

// changeAtomically is what makes a challenge succeed once: its consumption and the factor's
// compare-and-set commit together or not at all, with the audit event, even under a race.

for (const dialect of await integrationDialects()) {
  describe(`changeAtomically: compare-and-sets that commit together or not at all (${dialect})`, () => {
    let s: ScratchDataSource;
    const tenantId = randomUUID();

    before(async () => {
      s = await scratchDataSource(dialect);
      await insertTenants(s.ds, [tenantId]);
    });
    after(async () => {
      await s.close();
    });

    async function openChallenge(): Promise<string> {
      const id = randomUUID();
      const now = new Date();
      await s.ds.getRepository(MfaChallengeEntity).insert({
        tenantId,
        id,
        userId: 'u',
        purpose: 'sign_in',
        roles: [],
        amr: [],
        authTime: null,
        webauthnChallenge: null,
        failedAttempts: 0,
        acrValues: null,
        maxAge: null,
        expiresAt: new Date(now.getTime() + 60_000),
        consumedAt: null,
        createdAt: now,
      });
      return id;
    }

    async function totpFactor(lastTimeStep: number | null): Promise<string> {
      const id = newId();
      await s.ds.getRepository(TotpFactorEntity).insert({
        tenantId,
        id,
        userId: 'u',
        secretSealed: 'sealed',
        deviceName: 'phone',
        lastTimeStep,
        verifiedAt: new Date(),
        createdAt: new Date(),
        lastUsedAt: null,
      });
      return id;
    }

    const consume = (id: string, at: Date): TenantUpdate<MfaChallengeEntity> => ({
      target: MfaChallengeEntity,
      tenantId,
      where: { id, consumedAt: IsNull(), failedAttempts: LessThan(5) },
      patch: { consumedAt: at },
    });
    const spendStep = (id: string, step: number, plain: boolean): TenantUpdate<TotpFactorEntity> => ({
      target: TotpFactorEntity,
      tenantId,
      // Or(…) is not a plain WHERE: that shape takes the transaction path on every dialect.
      where: { id, lastTimeStep: plain ? LessThan(step) : Or(IsNull(), LessThan(step)) },
      patch: { lastTimeStep: step, lastUsedAt: new Date() },
    });
    const auditRow = (resourceId: string): TenantInsert => ({
      target: AuditEventEntity,
      tenantId,
      row: {
        id: newId(),
        actorType: 'user',
        actorId: 'u',
        action: 'mfa.verified',
        resourceType: 'mfa_challenge',
        resourceId,
        metadata: {},
        requestId: null,
        ip: null,
        userAgent: null,
        createdAt: new Date(),
      },
    });
    const audited = (resourceId: string) => s.ds.getRepository(AuditEventEntity).countBy({ tenantId, resourceId });
    const challengeRow = (id: string) => s.ds.getRepository(MfaChallengeEntity).findOneByOrFail({ id });
    const factorRow = (id: string) => s.ds.getRepository(TotpFactorEntity).findOneByOrFail({ id });

    for (const plain of [true, false]) {
      it(`${plain ? 'one statement where it can be' : 'a WHERE it cannot plan'}: all of it when every update holds`, async () => {
        const challenge = await openChallenge();
        const factor = await totpFactor(10);
        const at = new Date(Date.UTC(2026, 11, 1, 12, 0, 0, 250));
        const ok = await changeAtomically(s.ds.manager, {
          updates: [consume(challenge, at), spendStep(factor, 11, plain)],
          inserts: [auditRow(challenge)],
        });
        assert.equal(ok, true);
        assert.deepEqual((await challengeRow(challenge)).consumedAt, at);
        assert.equal((await factorRow(factor)).lastTimeStep, 11);
        assert.equal(await audited(challenge), 1);
      });

      it(`${plain ? 'one statement' : 'the transaction path'}: nothing when one update finds its row changed`, async () => {
        const challenge = await openChallenge();
        const factor = await totpFactor(11);
        const ok = await changeAtomically(s.ds.manager, {
          updates: [consume(challenge, new Date()), spendStep(factor, 11, plain)],
          inserts: [auditRow(challenge)],
        });
        assert.equal(ok, false);
        assert.equal((await challengeRow(challenge)).consumedAt, null, 'the challenge is not consumed');
        assert.equal((await factorRow(factor)).lastTimeStep, 11);
        assert.equal(await audited(challenge), 0, 'nothing is audited');
        // And the other way round: a consumed challenge leaves the factor as it was.
        const spent = await openChallenge();
        assert.equal(
          await changeAtomically(s.ds.manager, { updates: [consume(spent, new Date())], inserts: [] }),
          true,
        );
        const again = await changeAtomically(s.ds.manager, {
          updates: [consume(spent, new Date()), spendStep(factor, 12, plain)],
          inserts: [auditRow(spent)],
        });
        assert.equal(again, false);
        assert.equal((await factorRow(factor)).lastTimeStep, 11, 'the factor is not spent');
        assert.equal(await audited(spent), 0);
      });

      it(`${plain ? 'one statement' : 'the transaction path'}: of 12 racing for one code on 12 challenges, one wins`, async () => {
        const factor = await totpFactor(20);
        const challenges = await Promise.all(Array.from({ length: 12 }, () => openChallenge()));
        // Each racer starts from its own task, as each HTTP request does: on SQLite's one connection a
        // transaction of database calls alone then runs whole before the next begins.
        const results = await Promise.all(
          challenges.map(async (challenge) => {
            await new Promise((resolve) => setTimeout(resolve, 0));
            return changeAtomically(s.ds.manager, {
              updates: [consume(challenge, new Date()), spendStep(factor, 21, plain)],
              inserts: [auditRow(challenge)],
            });
          }),
        );
        assert.equal(results.filter(Boolean).length, 1);
        const consumed = (await Promise.all(challenges.map(challengeRow))).filter((c) => c.consumedAt !== null);
        assert.equal(consumed.length, 1, 'exactly one challenge consumed');
        const events = await Promise.all(challenges.map(audited));
        assert.equal(
          events.reduce((a, b) => a + b, 0),
          1,
        );
        assert.equal(events[challenges.indexOf(consumed[0].id)], 1, 'the winner is the one audited');
      });
    }

    if (dialect === 'postgres') {
      it('a guarded insert writes all of it while its guard holds, nothing once it does not', async () => {
        const owned = () => s.ds.getRepository(TotpFactorEntity).countBy({ tenantId, userId: 'u' });
        // The guard counts the very table written to: its snapshot does not see the rows being inserted.
        const holds = async (expected: number) => {
          const guard = {
            sql: 'SELECT COUNT(*) = $2 FROM "totp_factors" WHERE "tenant_id" = $1 AND "user_id" = \'u\'',
            values: [tenantId, expected],
          };
          const resource = randomUUID();
          const factor = {
            target: TotpFactorEntity,
            tenantId,
            row: {
              id: newId(),
              userId: 'u',
              secretSealed: 'sealed',
              deviceName: 'phone',
              lastTimeStep: null,
              verifiedAt: new Date(),
              createdAt: new Date(),
              lastUsedAt: null,
            },
          };
          const written = await insertAtomicallyIf(s.ds.manager, guard, [factor, auditRow(resource)]);
          return { written, audited: await audited(resource) };
        };
        const before = await owned();
        assert.deepEqual(await holds(before), { written: true, audited: 1 });
        assert.equal(await owned(), before + 1);
        assert.deepEqual(await holds(before), { written: false, audited: 0 }, 'the count moved: refused');
        assert.equal(await owned(), before + 1, 'and nothing written');
        const nullGuard = { sql: 'SELECT NULL::boolean', values: [] };
        assert.equal(
          await insertAtomicallyIf(s.ds.manager, nullGuard, [auditRow(randomUUID())]),
          false,
          'null refuses',
        );
        // A refusal inside a transaction aborts it; the caller rolls back and nothing remains.
        const resource = randomUUID();
        await assert.rejects(
          s.ds.transaction(async (tx) => {
            if (!(await insertAtomicallyIf(tx, { sql: 'SELECT false', values: [] }, [auditRow(resource)])))
              throw new Error('refused');
          }),
          /refused/,
        );
        assert.equal(await audited(resource), 0);
      });
    }

    it('refuses an empty tenant id before touching anything', async () => {
      const update = { ...consume(randomUUID(), new Date()), tenantId: '' };
      await assert.rejects(changeAtomically(s.ds.manager, { updates: [update], inserts: [] }), /tenant id is required/);
    });
  });
}
