#!/usr/bin/env node
// Builds dist/ only when a TypeScript source is newer than the last build, so `npm run cli`
// and `npm run migrate` work straight after `npm ci` without paying for a build every time.
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist/.tsbuildinfo');

function newestSource(dir, newest = 0) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = newestSource(path, newest);
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const sources = ['apps', 'libs', 'test', 'bench']
  .map((d) => join(root, d))
  .filter(existsSync)
  .reduce((newest, dir) => newestSource(dir, newest), statSync(join(root, 'tsconfig.json')).mtimeMs);

if (built < sources) {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  // tsc leaves its build info untouched when no output changed: stamp it, so the next run skips.
  const now = new Date();
  utimesSync(stamp, now, now);
}
