import type { INestApplication } from '@nestjs/common';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  match(path: string): boolean;
}

/**
 * Which methods the registered routes accept for a path, so an unknown method on a known path
 * answers 405 with Allow, not 404. Read once from the router after the routes are mounted.
 */
export function buildRouteIndex(app: INestApplication): (path: string) => string[] {
  const instance = app.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
  const layers = (instance.router ?? instance._router)?.stack.filter((l) => l.route) ?? [];
  return (path: string) => {
    const methods = new Set<string>();
    for (const layer of layers) {
      if (layer.match(path))
        for (const m of Object.keys(layer.route!.methods)) if (m !== '_all') methods.add(m.toUpperCase());
    }
    return [...methods].sort();
  };
}
