#!/usr/bin/env node
// Builds the dev-only demo page into dist/apps/demo-web/, where the API's DemoModule serves it:
// the page's own files, plus @simplewebauthn/browser's ES modules copied from node_modules
// (served from this origin under /demo/assets/vendor/: no CDN, no bundler needed).
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
