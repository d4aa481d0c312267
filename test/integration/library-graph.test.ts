import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

/**
 * The library graph is stated three times: the layering rules the lint enforces
 * (.dependency-cruiser.cjs), the table of the README's Layout section, and the '#<lib>' names of
 * package.json `imports`. They must agree, and a new library must appear in all three.
 */
const root = new URL('../../../', import.meta.url);
const require = createRequire(import.meta.url);

interface Rule {
  name: string;
  to: { pathNot?: string | string[] };
}

/** What each library may import, as the `layering-<lib>` rules allow it. */
function rulesGraph(): Map<string, string[]> {
  const config = require(new URL('.dependency-cruiser.cjs', root).pathname) as { forbidden: Rule[] };
  const graph = new Map<string, string[]>();
  for (const rule of config.forbidden) {
    const lib = /^layering-(.+)$/.exec(rule.name)?.[1];
    if (!lib) continue;
    const allowed = /^\^libs\/\(([^)]+)\)\/$/.exec(String(rule.to.pathNot))?.[1].split('|') ?? [];
    graph.set(lib, allowed.filter((name) => name !== lib).sort());
  }
  return graph;
}

/** What each library may import, as the README's Layout table says. */
function readmeGraph(): Map<string, string[]> {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const layout = readme.slice(readme.indexOf('## Layout'));
  const graph = new Map<string, string[]>();
  for (const [, lib, imports] of layout.matchAll(/^\| `([a-z-]+)` +\| ([^|]+)\|$/gm)) {
    const names = imports.trim() === '–' ? [] : imports.split(',').map((s) => s.trim());
    graph.set(lib, names.sort());
  }
  return graph;
}

describe('the library graph', () => {
  it('the README shows exactly the allow-list the lint enforces', () => {
    const rules = rulesGraph();
    assert.ok(rules.size >= 10, `expected a layering rule per library, found ${rules.size}`);
    assert.deepEqual(Object.fromEntries(readmeGraph()), Object.fromEntries(rules));
  });

  it('every library has a layering rule and a #name in package.json imports, and nothing else does', () => {
    const libraries = readdirSync(new URL('libs/', root))
      .filter((name) => name !== 'sdk')
      .sort();
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      imports: Record<string, { types: string; default: string }>;
    };
    assert.deepEqual([...rulesGraph().keys()].sort(), libraries);
    assert.deepEqual(
      Object.keys(pkg.imports).sort(),
      libraries.map((name) => `#${name}`),
    );
    for (const name of libraries) {
      assert.deepEqual(pkg.imports[`#${name}`], {
        types: `./libs/${name}/src/index.ts`,
        default: `./dist/libs/${name}/src/index.js`,
      });
    }
  });

  it('the allow-list has no cycle: the libraries can be built bottom-up', () => {
    const graph = rulesGraph();
    const done = new Set<string>();
    while (done.size < graph.size) {
      const ready = [...graph].filter(([lib, deps]) => !done.has(lib) && deps.every((d) => done.has(d)));
      assert.ok(ready.length > 0, `a cycle among: ${[...graph.keys()].filter((l) => !done.has(l)).join(', ')}`);
      for (const [lib] of ready) done.add(lib);
    }
  });
});
