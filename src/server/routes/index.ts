import { readFileSync } from 'node:fs';
import type { App } from '../app.ts';
import { ApiIndex } from '../schemas.ts';

/** One registered /v1 route, as GET /v1 lists it. */
export interface Endpoint {
  readonly method: string;
  readonly path: string;
  readonly summary?: string;
}

/** The package's version, read once from the package.json beside src/. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return String(pkg.version);
}

/**
 * GET /v1 (no key needed): name, version, links and the endpoint list. `endpoints` is read when
 * asked, so it holds every route registered by then (app.ts collects them with an onRoute hook).
 */
export function indexRoutes(app: App, endpoints: readonly Endpoint[]): void {
  const version = packageVersion();
  app.get(
    '/',
    { schema: { summary: 'This index: version, links and the endpoint list (no key needed)', response: { 200: ApiIndex } } },
    async () => ({
      name: 'Glass API',
      version,
      links: { openapi: '/v1/openapi.json', health: '/v1/health', dashboard: '/' },
      endpoints: [...endpoints],
    }),
  );
}
