import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '#errors';
import { draftRule } from './rule-draft.js';

const TEXT = '@notice("From the text.")\nforbid (principal, action, resource) when { context.factor_count > 3 };';
const PLAIN = 'forbid (principal, action, resource) when { context.factor_count > 3 };';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ApiError ? e.code : 'not an ApiError';
  }
  return undefined;
}

describe('draftRule', () => {
  it('takes policy_text as written; the notice defaults to its @notice annotation', () => {
    assert.deepEqual(draftRule({ policy_text: TEXT }), { text: TEXT, structured: null, notice: 'From the text.' });
    assert.deepEqual(draftRule({ policy_text: TEXT, notice: 'Explicit.' }), {
      text: TEXT,
      structured: null,
      notice: 'Explicit.',
    });
    assert.deepEqual(draftRule({ policy_text: PLAIN }), { text: PLAIN, structured: null, notice: null });
  });

  it('assembles structured fields, with the notice as an annotation', () => {
    const draft = draftRule({
      effect: 'forbid',
      action: 'complete_enrollment',
      resource: { is: 'Authenticator' },
      conditions: ['resource.backed_up'],
      notice: 'No synced passkeys.',
    });
    assert.equal(
      draft.text,
      '@notice("No synced passkeys.")\nforbid (\n  principal,\n  action == Tessera::Action::"complete_enrollment",\n  resource is Tessera::Authenticator\n)\nwhen { (resource.backed_up) };',
    );
    assert.deepEqual(draft.structured, {
      effect: 'forbid',
      action: 'complete_enrollment',
      resource: { is: 'Authenticator' },
      conditions: ['resource.backed_up'],
    });
    assert.equal(draft.notice, 'No synced passkeys.');
  });

  it('refuses text and structured fields together, and neither', () => {
    assert.equal(
      code(() => draftRule({ policy_text: PLAIN, effect: 'forbid' })),
      'validation_failed',
    );
    assert.equal(
      code(() => draftRule({ notice: 'x' })),
      'validation_failed',
    );
    assert.equal(
      code(() => draftRule({ action: 'begin_enrollment' })),
      'validation_failed',
      'effect is required',
    );
  });

  it('reports an unassemblable rule as policy_invalid with details.errors', () => {
    try {
      draftRule({ effect: 'forbid', principal: { eq: { type: 'User', id: 'u' }, is: 'User' } });
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 'policy_invalid');
      assert.equal((e.details?.['errors'] as unknown[]).length, 1);
    }
  });

  it('patches a structured rule field by field, keeping its notice', () => {
    const stored = draftRule({ effect: 'forbid', action: 'complete_enrollment', notice: 'Kept.' });
    const patched = draftRule(
      { conditions: ['resource.backed_up'] },
      { policyText: stored.text, structured: stored.structured as never, notice: stored.notice },
    );
    assert.match(patched.text, /^@notice\("Kept\."\)\nforbid/);
    assert.match(patched.text, /action == Tessera::Action::"complete_enrollment"/);
    assert.match(patched.text, /when \{ \(resource\.backed_up\) \}/);
    const cleared = draftRule(
      { notice: null },
      { policyText: patched.text, structured: patched.structured as never, notice: patched.notice },
    );
    assert.equal(cleared.notice, null);
    assert.doesNotMatch(cleared.text, /@notice/);
  });

  it('a text rule: notice-only patches keep the text; clearing falls back to the annotation', () => {
    const stored = { policyText: TEXT, structured: null, notice: 'Explicit.' };
    assert.deepEqual(draftRule({ notice: 'Other.' }, stored), { text: TEXT, structured: null, notice: 'Other.' });
    assert.deepEqual(draftRule({ notice: null }, stored), { text: TEXT, structured: null, notice: 'From the text.' });
    assert.deepEqual(draftRule({}, stored), { text: TEXT, structured: null, notice: 'Explicit.' });
  });

  it('new text: its own annotation wins over an earlier explicit notice, which survives otherwise', () => {
    const stored = { policyText: PLAIN, structured: null, notice: 'Explicit.' };
    assert.equal(draftRule({ policy_text: TEXT }, stored).notice, 'From the text.');
    assert.equal(draftRule({ policy_text: PLAIN.replace('3', '4') }, stored).notice, 'Explicit.');
    const annotated = { policyText: TEXT, structured: null, notice: 'From the text.' };
    assert.equal(
      draftRule({ policy_text: PLAIN }, annotated).notice,
      null,
      'an annotation notice leaves with its text',
    );
  });
});
