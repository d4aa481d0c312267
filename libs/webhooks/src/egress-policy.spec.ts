import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isForbiddenAddress, webhookUrlProblems } from './egress-policy.js';

describe('webhook egress policy', () => {
  it('refuses loopback, private, link-local, metadata, CGNAT, unique-local, multicast and mapped forms', () => {
    for (const a of [
      '127.0.0.1',
      '127.8.9.10',
      '10.0.0.1',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      'fc12::3',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '[::1]',
      'not-an-ip',
    ]) {
      assert.equal(isForbiddenAddress(a), true, a);
    }
  });

  it('allows public addresses', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])
      assert.equal(isForbiddenAddress(a), false, a);
  });

  it('https only; http to localhost only outside production; no credentials; literal private hosts refused unless allowed', () => {
    const dev = { production: false, allowPrivateNetworks: false };
    const devPrivate = { production: false, allowPrivateNetworks: true };
    const prod = { production: true, allowPrivateNetworks: false };
    assert.deepEqual(webhookUrlProblems('https://hooks.example.com/x', prod), []);
    assert.deepEqual(webhookUrlProblems('http://localhost:8080/x', devPrivate), []);
    assert.deepEqual(webhookUrlProblems('http://127.0.0.1:8080/x', devPrivate), []);
    assert.equal(
      webhookUrlProblems('http://localhost:8080/x', { production: true, allowPrivateNetworks: true }).length,
      1,
    );
    assert.equal(webhookUrlProblems('http://hooks.example.com/x', dev).length, 1);
    assert.equal(webhookUrlProblems('ftp://hooks.example.com/x', dev).length, 1);
    assert.equal(webhookUrlProblems('https://a:b@hooks.example.com/x', dev).length, 1);
    assert.equal(webhookUrlProblems('https://10.0.0.8/x', dev).length, 1);
    assert.deepEqual(webhookUrlProblems('https://10.0.0.8/x', devPrivate), []);
    assert.equal(
      webhookUrlProblems('http://127.0.0.1:1/x', dev).length,
      1,
      'loopback needs WEBHOOK_ALLOW_PRIVATE_NETWORKS',
    );
    assert.equal(webhookUrlProblems('nope', dev).length, 1);
  });
});
