#!/usr/bin/env node
// Rebuilds libs/mfa/src/metadata/aaguid-names.json from an MDS3 metadata BLOB on disk.
//
//   node scripts/refresh-aaguid-names.mjs <blob.jwt> [root.pem]
//
// The BLOB's signature chain is verified first, against root.pem or, without it, the MDS roots
// bundled with @simplewebauthn/server; an unverified BLOB is never imported. Download the BLOB
// yourself from the FIDO Alliance (its terms apply to the data) and review the diff before
// committing: the file then ships names and icons for every FIDO2 model the BLOB lists.
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [blobPath, rootPath] = process.argv.slice(2);
if (!blobPath) {
  console.error('usage: node scripts/refresh-aaguid-names.mjs <blob.jwt> [root.pem]');
  process.exit(2);
}

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, [fileURLToPath(new URL('./ensure-built.mjs', import.meta.url))], { stdio: 'inherit', cwd: root });
const { verifyMdsBlob } = await import(new URL('../dist/libs/mfa/src/metadata/mds-blob.verifier.js', import.meta.url).href);
const { SettingsService } = await import('@simplewebauthn/server');

const roots = rootPath
  ? readFileSync(rootPath, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  : SettingsService.getRootCertificates({ identifier: 'mds' });
const blob = await verifyMdsBlob(readFileSync(blobPath, 'utf8'), roots);

const aaguids = {};
for (const entry of blob.entries) {
  const statement = entry.metadataStatement;
  if (!entry.aaguid || !statement?.description) continue;
  aaguids[entry.aaguid.toLowerCase()] = { name: statement.description, ...(statement.icon?.startsWith('data:') ? { icon: statement.icon } : {}) };
}
const sorted = Object.fromEntries(Object.entries(aaguids).sort(([a], [b]) => a.localeCompare(b)));
const target = new URL('../libs/mfa/src/metadata/aaguid-names.json', import.meta.url);
const out = {
  $comment:
    'AAGUID -> authenticator model names (and icons, data: URLs) shown in factor lists when the FIDO metadata BLOB has no entry. ' +
    'Generated, never hand-edited: `node scripts/refresh-aaguid-names.mjs <mds-blob.jwt> [root.pem]` rebuilds it from a signature-verified MDS3 BLOB.',
  source: `FIDO MDS3 BLOB no. ${blob.no} (nextUpdate ${blob.nextUpdate.toISOString().slice(0, 10)}), signature chain verified`,
  aaguids: sorted,
};
writeFileSync(target, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${Object.keys(sorted).length} AAGUID names to ${fileURLToPath(target)}`);
