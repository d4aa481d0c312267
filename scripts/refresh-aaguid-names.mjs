#!/usr/bin/env node
// Rebuilds libs/mfa/src/metadata/aaguid-names.json: AAGUID -> model names shown in factor lists
// when the FIDO metadata BLOB in hand has no entry for a model.
//
//   node scripts/refresh-aaguid-names.mjs [--community <aaguid.json>] [--blob <blob.jwt> [--root <root.pem>]]
//   node scripts/refresh-aaguid-names.mjs <blob.jwt> [root.pem]          (the BLOB only, as before)
//
// --community: the community list of passkey provider AAGUIDs (passkeydeveloper/
//   passkey-authenticator-aaguids, file aaguid.json; download it yourself). Names only.
// --blob: an MDS3 BLOB you downloaded from the FIDO Alliance (its terms apply). Its signature
//   chain is verified first, against --root or the MDS roots bundled with @simplewebauthn/server;
//   an unverified BLOB is never imported. Metadata names win over community names.
// An input that is not given keeps the entries that came from it last time. Review the diff.
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opts = {};
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--community' || a === '--blob' || a === '--root') opts[a.slice(2)] = args[++i];
  else if (!opts.blob) opts.blob = a;
  else opts.root = a;
}
if (!opts.blob && !opts.community) {
  console.error(
    'usage: node scripts/refresh-aaguid-names.mjs [--community <aaguid.json>] [--blob <blob.jwt> [--root <root.pem>]]',
  );
  process.exit(2);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ZERO = '00000000-0000-0000-0000-000000000000';
const target = new URL('../libs/mfa/src/metadata/aaguid-names.json', import.meta.url);
const previous = JSON.parse(readFileSync(target, 'utf8'));
const keep = (origin) =>
  Object.fromEntries(Object.entries(previous.aaguids ?? {}).filter(([, v]) => (v.from ?? 'mds') === origin));
const sources = { ...(previous.sources ?? {}) };

let fromMds = keep('mds');
if (opts.blob) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('./ensure-built.mjs', import.meta.url))], {
    stdio: 'inherit',
    cwd: root,
  });
  const { verifyMdsBlob } = await import(
    new URL('../dist/libs/mfa/src/metadata/mds-blob.verifier.js', import.meta.url).href
  );
  const { SettingsService } = await import('@simplewebauthn/server');
  const roots = opts.root
    ? (readFileSync(opts.root, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
    : SettingsService.getRootCertificates({ identifier: 'mds' });
  const blob = await verifyMdsBlob(readFileSync(opts.blob, 'utf8'), roots);
  fromMds = {};
  for (const entry of blob.entries) {
    const statement = entry.metadataStatement;
    const aaguid = entry.aaguid?.toLowerCase();
    if (!aaguid || aaguid === ZERO || !statement?.description) continue;
    fromMds[aaguid] = {
      name: statement.description,
      ...(statement.icon?.startsWith('data:') ? { icon: statement.icon } : {}),
      from: 'mds',
    };
  }
  sources.mds = `FIDO MDS3 BLOB no. ${blob.no} (nextUpdate ${blob.nextUpdate.toISOString().slice(0, 10)}), signature chain verified`;
}

let fromCommunity = keep('community');
if (opts.community) {
  const list = JSON.parse(readFileSync(opts.community, 'utf8'));
  if (!list || typeof list !== 'object' || Object.keys(list).length === 0) {
    console.error(`${opts.community} is empty: the community list may have been retired; nothing changed.`);
    process.exit(1);
  }
  fromCommunity = {};
  for (const [key, value] of Object.entries(list)) {
    const aaguid = key.toLowerCase();
    const name = typeof value?.name === 'string' ? value.name.trim() : '';
    if (!UUID.test(aaguid) || aaguid === ZERO || !name) continue;
    fromCommunity[aaguid] = { name, from: 'community' };
  }
  sources.community =
    'passkeydeveloper/passkey-authenticator-aaguids, aaguid.json (https://github.com/passkeydeveloper/passkey-authenticator-aaguids), names only';
}

// Metadata names win over community names.
const merged = { ...fromCommunity, ...fromMds };
const sorted = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
const out = {
  $comment:
    'AAGUID -> authenticator model names shown in factor lists when the FIDO metadata BLOB in hand has no entry. ' +
    'Generated, never hand-edited: `node scripts/refresh-aaguid-names.mjs --community <aaguid.json> --blob <mds-blob.jwt>` rebuilds it. ' +
    '"from" says where each name came from; names from FIDO metadata win over community names. Sources and licences: libs/mfa/src/metadata/AAGUID-NAMES.md.',
  sources,
  aaguids: sorted,
};
writeFileSync(target, `${JSON.stringify(out, null, 2)}\n`);
console.log(
  `wrote ${Object.keys(sorted).length} AAGUID names (${Object.keys(fromMds).length} from metadata, ${Object.keys(fromCommunity).length} from the community list) to ${fileURLToPath(target)}`,
);
