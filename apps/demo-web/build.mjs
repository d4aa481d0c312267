#!/usr/bin/env node
// Builds the dev-only demo page into dist/apps/demo-web/, where the API's DemoModule serves it:
// the page's own files, plus the ES modules it runs on, copied under /demo/assets/vendor/ and named
// by the page's import map (served from this origin: no CDN, no bundler needed): @tessera/sdk from
// libs/sdk/dist (built just before), openapi-fetch and @simplewebauthn/browser from node_modules.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'dist', 'apps', 'demo-web');

// The package's "exports" hide package.json; resolve its ESM entry and walk up to the package root.
const require = createRequire(import.meta.url);
let pkg = dirname(require.resolve('@simplewebauthn/browser'));
while (!existsSync(join(pkg, 'package.json')) || !existsSync(join(pkg, 'esm'))) pkg = dirname(pkg);
const esm = join(pkg, 'esm');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(here, 'src'), out, { recursive: true });

const vendor = join(out, 'vendor', 'simplewebauthn');
let copied = 0;
const copyJs = (from, to) => {
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (statSync(src).isDirectory()) copyJs(src, join(to, name));
    else if (name.endsWith('.js')) {
      mkdirSync(to, { recursive: true });
      cpSync(src, join(to, name));
      copied++;
    }
  }
};
copyJs(esm, vendor);
cpSync(join(pkg, 'LICENSE.md'), join(vendor, 'LICENSE.md'));
if (!existsSync(join(vendor, 'index.js')) || copied < 5) {
  console.error(`demo-web: @simplewebauthn/browser's ES modules were not found under ${esm}`);
  process.exit(1);
}

// @tessera/sdk, as `npm run build` compiled it (libs/sdk/dist).
const sdk = join(root, 'libs', 'sdk', 'dist');
if (!existsSync(join(sdk, 'browser.js'))) {
  console.error('demo-web: libs/sdk/dist is missing: the SDK is built before the demo page (npm run build)');
  process.exit(1);
}
copyJs(sdk, join(out, 'vendor', 'tessera-sdk'));

// openapi-fetch ships one dependency-free ES module.
const fetchPkg = dirname(dirname(require.resolve('openapi-fetch')));
mkdirSync(join(out, 'vendor', 'openapi-fetch'), { recursive: true });
cpSync(join(fetchPkg, 'dist', 'index.mjs'), join(out, 'vendor', 'openapi-fetch', 'index.js'));
cpSync(join(fetchPkg, 'LICENSE'), join(out, 'vendor', 'openapi-fetch', 'LICENSE.md'));
