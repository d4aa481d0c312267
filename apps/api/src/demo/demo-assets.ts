import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DemoAsset {
  body: Buffer;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Where `npm run build` puts the page (apps/demo-web/build.mjs): dist/apps/demo-web beside dist/apps/api. */
export const DEMO_WEB_DIR = fileURLToPath(new URL('../../../demo-web/', import.meta.url));

/**
 * The built page, read once into memory and served from this map only: a request path is a key
 * lookup, never a file-system path, so nothing outside the build output can be reached.
 */
export function loadDemoAssets(dir = DEMO_WEB_DIR): Map<string, DemoAsset> {
  const assets = new Map<string, DemoAsset>();
  if (!existsSync(dir)) return assets;
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const contentType = CONTENT_TYPES[extname(name)];
      if (contentType) assets.set(relative(dir, path).split(sep).join('/'), { body: readFileSync(path), contentType });
    }
  };
  walk(dir);
  return assets;
}
