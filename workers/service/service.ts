import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { parseJson } from '../../core/index.ts';
import { Registry } from 'prom-client';
import type { JobBackend } from '../queue/job-backend.ts';
import { EmbeddedJobBackend } from '../queue/embedded-job-backend.ts';
import { registerDashboardRoutes } from '../dashboard/dashboard-routes.ts';
import { HttpError, sendError } from './api-error.ts';
import { BatchLog } from './batch-log.ts';
import { registerBatchRoutes } from './batch-routes.ts';
import { JobLog } from './job-log.ts';
import { QueueSampler } from './queue-sampler.ts';
import { registerMcpRoutes } from '../mcp/mcp-http.ts';
import { registerJobRoutes } from './job-routes.ts';
import { createTenantSubmit } from './job-submit.ts';
import { registerRunRoutes } from './run-routes.ts';
import { ServiceMetrics } from './service-metrics.ts';
import { registerServiceRoutes } from './service-routes.ts';
import { SessionRegistry } from './session-registry.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { registerTenantAuth } from './tenant-auth.ts';
import { TenantUsage } from './tenant-usage.ts';
import type { TenantsConfig } from './tenants.ts';
import { ApiKeys } from './tenants.ts';
import { OpenStreams } from './sse-stream.ts';
import { createWorkerCheck } from './worker-check.ts';

/** Where `lagent serve` listens by default: this machine only. */
export const DEFAULT_SERVICE_HOST = '127.0.0.1';
export const DEFAULT_SERVICE_PORT = 8080;
/**
 * Largest request body. Code is capped by the request limits (1 MiB by default, answered
 * 413 REQUEST_LIMIT_EXCEEDED); the body may be larger than its code (JSON escapes).
 */
export const DEFAULT_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
/** How long a stop waits for open event streams to end on their own before ending them. */
export const DEFAULT_STREAM_GRACE_MS = 10_000;

export interface CreateServiceOptions {
  jobs: JobBackend;
  /** @default DEFAULT_BODY_LIMIT_BYTES */
  bodyLimitBytes?: number;
  /** @default DEFAULT_STREAM_GRACE_MS */
  streamGraceMs?: number;
  /** Fastify's logger (pino): false for none. @default false */
  logger?: boolean | { level: string };
  /**
   * Tenants and their API keys (hashed) and quotas. Without them every caller is one
   * anonymous tenant without quotas: only for a service on loopback (`lagent serve` refuses
   * another address without keys).
   */
  tenants?: TenantsConfig | undefined;
  /**
   * More metrics for `/metrics`, e.g. the job metrics of a worker in this process. The
   * embedded backend's job metrics are included without asking.
   */
  metricsRegistries?: readonly Registry[];
  /** MCP at /mcp: how long an idle MCP session, and an idle sandbox session of one, is kept. */
  mcp?: { idleTtlMs?: number; sandboxIdleTtlMs?: number };
  /** The dashboard at /ui/: how often its live view reads the queue. */
  dashboard?: { sampleIntervalMs?: number };
}

export interface StartServiceOptions extends CreateServiceOptions {
  /** @default DEFAULT_SERVICE_HOST */
  host?: string;
  /** 0 for any free port. @default DEFAULT_SERVICE_PORT */
  port?: number;
}

export interface RunningService {
  app: FastifyInstance;
  /** `http://host:port`, with the port actually bound. */
  url: string;
  /**
   * Stops taking requests, lets open event streams run for `streamGraceMs` and then ends
   * them (clients resume with Last-Event-ID), and waits for requests in flight. Jobs are
   * left to the workers. The job backend is the caller's to close.
   */
  close(): Promise<void>;
}

const OPENAPI_INFO = {
  title: 'lagent-ts',
  description:
    'Sandboxed code execution and tool calls for LLM agents: submit jobs, follow them, read their results.',
  version: '1',
};

const SHARED_REF = '#/components/schemas/__shared#/$defs/';

/**
 * The generated document, with the schemas zod shares between routes (recursive JSON values)
 * lifted to components of their own: the generator refers to them as
 * `#/components/schemas/__shared#/$defs/x`, which no JSON pointer resolves.
 */
function openApiDocument(generated: object): object {
  const document = structuredClone(generated) as {
    components?: { schemas?: Record<string, { $defs?: Record<string, unknown> }> };
  };
  const schemas = document.components?.schemas;
  const shared = schemas?.['__shared']?.$defs;
  if (!schemas || !shared) return document;
  delete schemas['__shared'];
  for (const [name, schema] of Object.entries(shared)) {
    schemas[`Shared_${name}`] = schema as { $defs?: Record<string, unknown> };
  }
  return parseJson(
    JSON.stringify(document).replaceAll(SHARED_REF, '#/components/schemas/Shared_'),
  ) as object;
}

/** The HTTP API in front of a job backend, not yet listening. */
export async function createService({
  jobs,
  bodyLimitBytes = DEFAULT_BODY_LIMIT_BYTES,
  streamGraceMs = DEFAULT_STREAM_GRACE_MS,
  logger = false,
  tenants,
  metricsRegistries = [],
  mcp = {},
  dashboard = {},
}: CreateServiceOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Keys are never logged, whatever a serializer or a level would print.
    logger:
      logger === false
        ? false
        : {
            ...(logger === true ? {} : logger),
            redact: { paths: ['req.headers.authorization'], censor: '[key]' },
          },
    bodyLimit: bodyLimitBytes,
    // Graceful stop: idle keep-alive connections are closed at once, busy ones after their answer.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(sendError);
  // A JSON API: a body of any other type is a 415, not a string that fails validation.
  app.removeContentTypeParser(['text/plain']);
  app.setNotFoundHandler((request, reply) => {
    const message = `No route ${request.method} ${request.url.split('?')[0] ?? ''}`;
    sendError(new HttpError({ code: 'NOT_FOUND', message }), request, reply);
  });
  await app.register(fastifySwagger, {
    openapi: { openapi: '3.1.0', info: OPENAPI_INFO },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // A page to read and try the API in (Swagger UI, its assets served from the package).
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    transformSpecification: (generated) => openApiDocument(generated) as typeof generated,
    transformSpecificationClone: true,
  });
  const streams = new OpenStreams();
  const metrics = new ServiceMetrics({ jobs });
  metrics.instrument(app);
  const usage = new TenantUsage({ jobs });
  const sessions = new SessionRegistry({ jobs, log: app.log });
  registerTenantAuth(app, {
    apiKeys: tenants === undefined ? undefined : new ApiKeys({ config: tenants }),
    usage,
  });
  const requireWorker = createWorkerCheck({ jobs });
  const batches = new BatchLog();
  const log = new JobLog({ jobs, batches });
  const sampler = new QueueSampler({
    jobs,
    ...(dashboard.sampleIntervalMs === undefined ? {} : { intervalMs: dashboard.sampleIntervalMs }),
  });
  const submit = createTenantSubmit({ jobs, metrics, requireWorker, usage, sessions, log });
  // The feeds (SSE streams that never end on their own) end as soon as the service stops.
  const feeds = new AbortController();
  registerJobRoutes(app, { jobs, streams, submit, log, feedsClosed: feeds.signal });
  registerRunRoutes(app, { jobs, streams, submit });
  registerBatchRoutes(app, { batches, log, submit, usage });
  registerSessionRoutes(app, { jobs, sessions, metrics, requireWorker });
  registerServiceRoutes(app, { jobs, sampler, streams, feedsClosed: feeds.signal });
  registerDashboardRoutes(app);
  registerMcpRoutes(app, { jobs, submit, registry: sessions, ...mcp });
  // Built on the first request, once every route is registered; the routes never change.
  let document: object | undefined;
  app
    .withTypeProvider<ZodTypeProvider>()
    .get(
      '/openapi.json',
      { schema: { hide: true } },
      () => (document ??= openApiDocument(app.swagger())),
    );
  const scraped = Registry.merge([
    metrics.registry,
    ...(jobs instanceof EmbeddedJobBackend ? [jobs.metrics.registry] : []),
    ...metricsRegistries,
  ]);
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(scraped.contentType).send(await scraped.metrics()),
  );
  app.addHook('preClose', () => {
    // The feeds end now; a job's own event stream gets its grace to reach its end.
    feeds.abort(new Error('the service is stopping'));
    sampler.close();
    return streams.drain(streamGraceMs);
  });
  app.addHook('onClose', () => {
    usage.close();
    sessions.close();
    log.close();
  });
  return app;
}

/** Starts the service; `close()` stops it. */
export async function startService({
  host = DEFAULT_SERVICE_HOST,
  port = DEFAULT_SERVICE_PORT,
  ...options
}: StartServiceOptions): Promise<RunningService> {
  const app = await createService(options);
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${shown}:${bound}`, close: () => app.close() };
}
