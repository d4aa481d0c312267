import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRootCa,
  issueCertificate,
  mdsPki,
  metadataEntry,
  signBlob,
  type TestCa,
} from '../../../../test/support/fido-metadata.js';
import { MdsBlobError, verifyMdsBlob } from './mds-blob.verifier.js';

const AAGUID = '2fb54029-7e5c-4e1b-9bba-13bb6a2d3a10';

describe('verifyMdsBlob', () => {
  let root: TestCa;
  let signer: TestCa;
  let entries: ReturnType<typeof metadataEntry>[];

  before(async () => {
    ({ root, signer } = await mdsPki());
    entries = [metadataEntry({ aaguid: AAGUID, description: 'Test Key' })];
  });

  it('accepts a BLOB whose x5c chains to the root and whose signature is the leaf’s', async () => {
    const blob = await signBlob({ signer, no: 7, entries, nextUpdate: '2031-02-03' });
    const verified = await verifyMdsBlob(blob, [root.pem]);
    assert.equal(verified.no, 7);
    assert.equal(verified.nextUpdate.toISOString(), '2031-02-03T00:00:00.000Z');
    assert.equal(verified.entries[0].aaguid, AAGUID);
  });

  it('accepts a chain that includes the root itself', async () => {
    const blob = await signBlob({ signer, chain: [signer, root], no: 1, entries });
    assert.equal((await verifyMdsBlob(blob, [root.pem])).no, 1);
  });

  it('refuses a chain to another root', async () => {
    const other = await createRootCa('Other Root');
    const blob = await signBlob({ signer, no: 1, entries });
    await assert.rejects(
      verifyMdsBlob(blob, [other.pem]),
      (err: Error) => err instanceof MdsBlobError && /trusted MDS root/.test(err.message),
    );
  });

  it('refuses a signature by a key other than the x5c leaf', async () => {
    const impostor = await issueCertificate(root, { subject: 'CN=Impostor, O=Tessera Test, C=US' });
    const blob = await signBlob({ signer: impostor, chain: [signer], no: 1, entries });
    await assert.rejects(verifyMdsBlob(blob, [root.pem]), /signature is not valid/);
  });

  it('refuses a payload changed after signing', async () => {
    const blob = await signBlob({ signer, no: 1, entries });
    const [h, p, s] = blob.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.entries[0].statusReports = [{ status: 'FIDO_CERTIFIED_L3' }];
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    await assert.rejects(verifyMdsBlob(forged, [root.pem]), /signature is not valid/);
  });

  it('refuses no x5c, other algorithms, no roots, and malformed input', async () => {
    await assert.rejects(verifyMdsBlob('not a jwt', [root.pem]), /compact JWS/);
    await assert.rejects(verifyMdsBlob(await signBlob({ signer, chain: [], no: 1, entries }), [root.pem]), /x5c/);
    await assert.rejects(verifyMdsBlob(await signBlob({ signer, no: 1, entries }), []), /No MDS root/);
    const [, p, s] = (await signBlob({ signer, no: 1, entries })).split('.');
    const none = Buffer.from(JSON.stringify({ alg: 'none', x5c: [signer.b64] })).toString('base64url');
    await assert.rejects(verifyMdsBlob(`${none}.${p}.${s}`, [root.pem]), /alg must be/);
  });
});
