import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './api-error.ts';
import { ANONYMOUS_TENANT, TenantScope } from './tenant-scope.ts';
import type { TenantUsage } from './tenant-usage.ts';
import type { ApiKeys } from './tenants.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's tenant and how its ids map into the queue (set for every `/v1` route). */
    scope: TenantScope;
  }
}

/** Routes behind the API keys: the API. Health, metrics and the API's description are open. */
const PROTECTED_PREFIXES = ['/v1/', '/mcp'];

const ANONYMOUS_SCOPE = new TenantScope(ANONYMOUS_TENANT);

function bearerKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

/**
 * Sets `request.scope` from the `Authorization: Bearer` key (401 without a valid one) and
 * counts the request against its tenant's rate (429). Without keys every caller is the one
 * anonymous tenant, unlimited: the service then listens on loopback only.
 */
export function registerTenantAuth(
  app: FastifyInstance,
  { apiKeys, usage }: { apiKeys: ApiKeys | undefined; usage: TenantUsage },
): void {
  const scopes = new Map(apiKeys?.tenants.map((tenant) => [tenant.id, new TenantScope(tenant)]));
  app.decorateRequest('scope', null as unknown as TenantScope);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url;
    if (!PROTECTED_PREFIXES.some((prefix) => path.startsWith(prefix))) return;
    if (!apiKeys) {
      request.scope = ANONYMOUS_SCOPE;
      return;
    }
    const key = bearerKey(request);
    const tenant = key === undefined ? undefined : apiKeys.authenticate(key);
    if (!tenant) {
      void reply.header('www-authenticate', 'Bearer');
      throw new HttpError({
        code: 'UNAUTHORIZED',
        message:
          key === undefined
            ? 'Send an API key: Authorization: Bearer <key>'
            : 'This API key is not valid',
      });
    }
    usage.takeRequest(tenant);
    request.scope = scopes.get(tenant.id) as TenantScope;
  });
}
