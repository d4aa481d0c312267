import { readFileSync } from 'node:fs';

/** How the service runs in production: the environment and node flags of `npm run start:prod`. */
export interface ProductionRuntime {
  env: Record<string, string>;
  nodeFlags: string[];
  entry: string;
}

/**
 * Reads `start:prod` from package.json (`VAR=value … node --flag … entry.js`), so the benchmark
 * measures the server as it is deployed; the image's ENV and ENTRYPOINT are held to the same by a test.
 */
export function productionRuntime(packageJsonPath = 'package.json'): ProductionRuntime {
  const pkg = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts['start:prod'].trim().split(/\s+/);
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]); i++) {
    const [name, ...value] = words[i].split('=');
    env[name] = value.join('=');
  }
  if (words[i] !== 'node')
    throw new Error(`start:prod must be [VAR=value …] node [--flag …] entry: ${words.join(' ')}`);
  const rest = words.slice(i + 1);
  const nodeFlags = rest.filter((w) => w.startsWith('--'));
  const entry = rest.filter((w) => !w.startsWith('--'));
  if (entry.length !== 1 || rest.indexOf(entry[0]) !== rest.length - 1)
    throw new Error(`start:prod must end with the entry point: ${words.join(' ')}`);
  return { env, nodeFlags, entry: entry[0] };
}
