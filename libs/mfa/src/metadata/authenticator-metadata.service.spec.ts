import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigError, loadConfig, type AppConfig } from '#config';
import { mdsPki, metadataEntry, signBlob, type TestCa } from '../../../../test/support/fido-metadata.js';
import { AuthenticatorMetadataService } from './authenticator-metadata.service.js';

const A = '2fb54029-7e5c-4e1b-9bba-13bb6a2d3a10';
const B = '9c835346-796b-4c27-8898-d6032f515cc5';

function configWith(fidoMds: AppConfig['fidoMds']): AppConfig {
  return { fidoMds } as AppConfig;
}

describe('AuthenticatorMetadataService', () => {
  let root: TestCa;
  let signer: TestCa;
  let dir: string;
  let rootFile: string;

  before(async () => {
    ({ root, signer } = await mdsPki());
    dir = mkdtempSync(join(tmpdir(), 'tessera-mds-'));
    rootFile = join(dir, 'root.pem');
    writeFileSync(rootFile, root.pem);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads FIDO_MDS_FILE at start, names models, and keeps a newer BLOB over an older one', async () => {
    const file = join(dir, 'blob.jwt');
    writeFileSync(
      file,
      await signBlob({ signer, no: 5, entries: [metadataEntry({ aaguid: A, description: 'Model A' })] }),
    );
    const service = new AuthenticatorMetadataService(
      configWith({ file, rootCertFile: rootFile, refreshSeconds: 3600 }),
    );
    await service.onModuleInit();
    assert.equal(service.blobNumber, 5);
    assert.deepEqual(service.describe({ aaguid: A.toUpperCase() }), { name: 'Model A' });
    assert.equal(service.describe({ aaguid: B }), null);
    assert.equal(await service.load(await signBlob({ signer, no: 4, entries: [] }), 'test'), false);
    assert.equal(service.blobNumber, 5);
    assert.equal(
      await service.load(
        await signBlob({ signer, no: 6, entries: [metadataEntry({ aaguid: B, description: 'Model B' })] }),
        'test',
      ),
      true,
    );
    assert.equal(service.describe({ aaguid: A }), null);
    assert.equal(service.describe({ aaguid: B })?.name, 'Model B');
  });

  it('fails fast on a BLOB file that does not verify', async () => {
    const file = join(dir, 'forged.jwt');
    const other = await mdsPki();
    writeFileSync(file, await signBlob({ signer: other.signer, no: 1, entries: [] }));
    const service = new AuthenticatorMetadataService(
      configWith({ file, rootCertFile: rootFile, refreshSeconds: 3600 }),
    );
    await assert.rejects(service.onModuleInit(), /trusted MDS root/);
  });

  it('fetches FIDO_MDS_URL after start and on refresh; a failed fetch keeps the BLOB in hand', async () => {
    let blob = await signBlob({ signer, no: 1, entries: [metadataEntry({ aaguid: A, description: 'Model A' })] });
    let status = 200;
    const server: Server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/jwt' });
      res.end(status === 200 ? blob : 'down');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const service = new AuthenticatorMetadataService(
        configWith({ url: new URL(`http://127.0.0.1:${port}/`), rootCertFile: rootFile, refreshSeconds: 3600 }),
      );
      await service.onModuleInit();
      assert.equal(service.blobNumber, null, 'nothing is fetched before the app has started');
      service.onApplicationBootstrap();
      await service.refresh();
      assert.equal(service.blobNumber, 1);
      status = 503;
      await service.refresh();
      assert.equal(service.blobNumber, 1);
      status = 200;
      blob = await signBlob({ signer, no: 2, entries: [metadataEntry({ aaguid: A, description: 'Model A v2' })] });
      await service.refresh();
      assert.equal(service.describe({ aaguid: A })?.name, 'Model A v2');
      service.onModuleDestroy();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('configuration: URL must be https (http only for localhost), files must exist, refresh is bounded', () => {
    const base = { NODE_ENV: 'test' };
    assert.equal(loadConfig(base).fidoMds.refreshSeconds, 86_400);
    assert.equal(
      loadConfig({ ...base, FIDO_MDS_URL: 'https://mds.example.com/' }).fidoMds.url?.hostname,
      'mds.example.com',
    );
    assert.throws(
      () => loadConfig({ ...base, FIDO_MDS_URL: 'http://mds.example.com/' }),
      (e: ConfigError) => e.problems.some((p) => p.startsWith('FIDO_MDS_URL')),
    );
    assert.throws(
      () => loadConfig({ ...base, FIDO_MDS_FILE: join(dir, 'missing.jwt') }),
      (e: ConfigError) => e.problems.some((p) => p.startsWith('FIDO_MDS_FILE')),
    );
    assert.throws(
      () => loadConfig({ ...base, FIDO_MDS_ROOT_CERT: join(dir, 'missing.pem') }),
      (e: ConfigError) => e.problems.some((p) => p.startsWith('FIDO_MDS_ROOT_CERT')),
    );
    assert.throws(
      () => loadConfig({ ...base, FIDO_MDS_REFRESH_SECONDS: '5' }),
      (e: ConfigError) => e.problems.some((p) => p.startsWith('FIDO_MDS_REFRESH_SECONDS')),
    );
  });

  it('without FIDO_MDS_ROOT_CERT the roots are the ones @simplewebauthn/server bundles for MDS', async () => {
    const service = new AuthenticatorMetadataService(configWith({ refreshSeconds: 3600 }));
    await service.onModuleInit();
    const blob = await signBlob({ signer, no: 1, entries: [] });
    await assert.rejects(service.load(blob, 'test'), /trusted MDS root/);
  });
});
