import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { productionRuntime } from '../../bench/production-runtime.js';

/**
 * The production runtime (malloc arenas, V8 heap sizing) is stated twice: `npm run start:prod`,
 * which the benchmark reads to start its server, and the image's ENV and ENTRYPOINT. They must
 * agree, or the figures in the README would describe a process nobody runs.
 */
const root = new URL('../../../', import.meta.url);
const runtime = productionRuntime(new URL('package.json', root).pathname);
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
/** The last stage: what the image runs. */
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

describe('the production runtime: npm run start:prod and the image agree', () => {
  it('start:prod names the entry point, its node flags and its environment', () => {
    assert.equal(runtime.entry, 'dist/apps/api/src/main.js');
    assert.ok(runtime.nodeFlags.length > 0 && Object.keys(runtime.env).length > 0);
  });

  it('the image runs the same entry point with the same node flags', () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(finalStage)?.[1];
    assert.ok(entrypoint, 'the final stage has an exec-form ENTRYPOINT');
    assert.deepEqual(JSON.parse(entrypoint), ['node', ...runtime.nodeFlags, runtime.entry]);
  });

  it("the image's environment sets every variable start:prod sets, to the same value", () => {
    const env = /^ENV ((?:.*\\\n)*.*)$/m.exec(finalStage)?.[1] ?? '';
    const pairs = Object.fromEntries(
      env
        .split(/\s*\\\n\s*|\s+/)
        .filter(Boolean)
        .map((pair) => pair.split('=') as [string, string]),
    );
    for (const [name, value] of Object.entries(runtime.env)) assert.equal(pairs[name], value, name);
  });

  it('npm start runs start:prod after the build, so the quick start runs the same process', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.start, /&& npm run start:prod\b/);
  });
});
