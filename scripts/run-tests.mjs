#!/usr/bin/env node
// Runs every compiled test file with Node's own test runner.
// Unit specs live beside the code (*.spec.ts); e2e/integration/browser tests under test/ (*.test.ts).
// `npm test -- <substring>` runs only the files whose path contains the substring.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(spec|test)\.js$/.test(name)) out.push(path);
  }
  return out;
}

const files = ['apps', 'libs', 'test']
  .flatMap((d) => {
    try {
      return walk(join(dist, d));
    } catch {
      return [];
    }
  })
  .filter((f) => filters.length === 0 || filters.some((s) => relative(dist, f).includes(s)))
  .sort();

if (files.length === 0) {
  console.error('no test files found (did the build run?)');
  process.exit(1);
}

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'test' },
  },
);
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
