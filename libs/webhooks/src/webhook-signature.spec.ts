import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, signatureHeader, signWebhook } from './webhook-signature.js';

describe('webhook signatures (Standard Webhooks)', () => {
  it('the reference library verifies what we sign, with each secret of a rotation', () => {
    const current = generateWebhookSecret();
    const previous = generateWebhookSecret();
    const body = JSON.stringify({
      type: 'factor.enrolled',
      timestamp: new Date().toISOString(),
      data: { user_id: 'ü-ser' },
    });
    const ts = Math.floor(Date.now() / 1000);
    const header = signatureHeader([current, previous], 'evt-1', ts, body);
    const headers = { 'webhook-id': 'evt-1', 'webhook-timestamp': String(ts), 'webhook-signature': header };
    assert.doesNotThrow(() => new Webhook(current).verify(body, headers));
    assert.doesNotThrow(() => new Webhook(previous).verify(body, headers));
    assert.throws(() => new Webhook(generateWebhookSecret()).verify(body, headers));
    assert.throws(() => new Webhook(current).verify(`${body} `, headers), 'a changed body fails');
  });

  it('matches the reference signer byte for byte', () => {
    const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    const at = new Date(1_700_000_000_000);
    assert.equal(
      signWebhook(secret, 'msg_1', 1_700_000_000, '{"a":1}'),
      new Webhook(secret).sign('msg_1', at, '{"a":1}'),
    );
  });

  it('secrets are whsec_ and 32 random bytes', () => {
    const a = generateWebhookSecret();
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(a, generateWebhookSecret());
  });
});
