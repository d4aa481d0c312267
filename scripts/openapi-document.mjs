// The OpenAPI document exactly as the built service serves it: boots dist/ on an in-memory SQLite
// database, listening on 127.0.0.1, and fetches /openapi.json. Used by `npm run lint` (Redocly and the
// OpenAPI 3.1 schema validator) and by the SDK's type generation and drift check.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url);

/** The served document; `env` adds configuration (PUBLIC_URL, …). */
export async function servedOpenApiDocument(env = {}) {
  const dist = (path) => new URL(`dist/${path}`, root);
  if (!existsSync(dist('apps/api/src/create-app.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const { loadConfig } = await import(dist('libs/config/src/index.js'));
  const { createApp } = await import(dist('apps/api/src/create-app.js'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'sqlite::memory:',
    AUTH_JWT_SECRET: 'openapi-document-only-0123456789abcdef',
    HOST: '127.0.0.1',
    PORT: '0',
    ...env,
  });
  const { app } = await createApp(config);
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address();
    const res = await fetch(`http://127.0.0.1:${port}/openapi.json`);
    if (!res.ok) throw new Error(`/openapi.json answered ${res.status}`);
    return await res.json();
  } finally {
    await app.close();
  }
}

/**
 * Redocly CLI's recommended ruleset (redocly.yaml) on a document file. Offline: telemetry and the
 * update check are off. Returns the problem totals and the human-readable report.
 */
export function redoclyLint(file) {
  const cli = new URL('node_modules/@redocly/cli/bin/cli.js', root).pathname;
  const args = [cli, 'lint', file, '--config', new URL('redocly.yaml', root).pathname];
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  const json = spawnSync(process.execPath, [...args, '--format', 'json'], { env, encoding: 'utf8' });
  let totals;
  try {
    totals = JSON.parse(json.stdout).totals;
  } catch {
    throw new Error(`redocly lint did not report: ${json.stderr || json.stdout}`);
  }
  const report =
    totals.errors + totals.warnings > 0
      ? spawnSync(process.execPath, [...args, '--format', 'stylish'], { env, encoding: 'utf8' }).stdout
      : '';
  return { errors: totals.errors, warnings: totals.warnings, report };
}
