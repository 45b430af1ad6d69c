import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DashboardAssets } from './dashboard-bundle.ts';
import { buildDashboard } from './dashboard-bundle.ts';

/** Where the dashboard is served. */
export const DASHBOARD_PATH = '/ui/';

/**
 * The dashboard's pages run only the app's own script. What user code printed is text in the
 * page (never markup); an HTML result is shown in a sandboxed iframe without scripts, and the
 * srcdoc document inherits this policy too. Figures are data: URLs.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function secured(reply: FastifyReply, type: string): FastifyReply {
  return reply
    .type(type)
    .header('content-security-policy', DASHBOARD_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store');
}

/**
 * The web dashboard: one page and its script and style, all public. The page is an API
 * client: it reads and acts through `/v1` with the caller's API key (asked for when the API
 * answers 401), so it sees exactly what the key's tenant sees.
 */
export function registerDashboardRoutes(app: FastifyInstance): void {
  let assets: Promise<DashboardAssets> | undefined;
  const load = () => {
    assets ??= buildDashboard();
    // A failed build is tried again on the next request, not kept.
    assets.catch(() => (assets = undefined));
    return assets;
  };
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect(DASHBOARD_PATH));
  app.get('/ui', { schema: { hide: true } }, (_request, reply) => reply.redirect(DASHBOARD_PATH));
  app.get(DASHBOARD_PATH, { schema: { hide: true } }, async (_request, reply) =>
    secured(reply, 'text/html; charset=utf-8').send((await load()).html),
  );
  app.get(`${DASHBOARD_PATH}app.js`, { schema: { hide: true } }, async (_request, reply) =>
    secured(reply, 'text/javascript; charset=utf-8').send((await load()).js),
  );
  app.get(`${DASHBOARD_PATH}app.css`, { schema: { hide: true } }, async (_request, reply) =>
    secured(reply, 'text/css; charset=utf-8').send((await load()).css),
  );
}
