import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { JobBackend } from '../queue/job-backend.ts';
import { ApiErrorSchema, describeError } from './api-error.ts';
import type { QueueSampler, StatusSample } from './queue-sampler.ts';
import type { OpenStreams } from './sse-stream.ts';
import { serveFeed } from './sse-stream.ts';
import {
  HealthSchema,
  QueueStatusSchema,
  ReadinessSchema,
  ToolDescriptorSchema,
} from './service-schemas.ts';

/** Tools, workers (read once or followed), liveness and readiness. */
export function registerServiceRoutes(
  root: FastifyInstance,
  {
    jobs,
    sampler,
    streams,
    feedsClosed,
  }: {
    jobs: JobBackend;
    sampler: QueueSampler;
    streams: OpenStreams;
    /** Aborted when the service stops: the feeds end at once (they never end otherwise). */
    feedsClosed: AbortSignal;
  },
) {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/v1/tools',
    {
      schema: {
        summary: 'The tools workers serve',
        description: 'What a tool-call job can name, with each API and its parameters.',
        tags: ['tools'],
        response: { 200: z.array(ToolDescriptorSchema), 503: ApiErrorSchema },
      },
    },
    async () =>
      (await jobs.toolDescriptors()).map((tool) => ({
        ...tool,
        description: { ...tool.description },
        apis: tool.apis.map((api) => ({ ...api })),
      })),
  );

  app.get(
    '/v1/workers',
    {
      schema: {
        summary: 'Live workers and the queue',
        description: "Each live worker's last health report, and the jobs and sessions held.",
        tags: ['workers'],
        response: { 200: QueueStatusSchema, 503: ApiErrorSchema },
      },
    },
    async () => jobs.queueStatus(),
  );

  app.get(
    '/v1/workers/events',
    {
      schema: {
        summary: 'Follow the workers and the queue',
        description:
          'Server-Sent Events: first `history` (`{intervalMs, samples}`: the samples of the last 10 minutes, oldest first), then a `status` sample every interval: jobs waiting and running, sessions, jobs finished per second, and each live worker with its own rate and heartbeat. Queue-wide, as `/v1/workers`.',
        tags: ['workers'],
        response: { 200: z.string().describe('text/event-stream; each `data` is JSON') },
      },
    },
    async (_request, reply) => {
      reply.hijack();
      await serveFeed({
        response: reply.raw,
        streams,
        closed: feedsClosed,
        subscribe: (send) => {
          send('history', { intervalMs: sampler.intervalMs, samples: sampler.history() });
          return sampler.subscribe((sample: StatusSample) => send('status', sample));
        },
      });
    },
  );

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness',
        description: 'The service process answers.',
        tags: ['health'],
        response: { 200: HealthSchema },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness',
        description:
          'Jobs submitted now would run: the queue (Redis) answers and a worker serves it. 503 otherwise.',
        tags: ['health'],
        response: { 200: ReadinessSchema, 503: ReadinessSchema },
      },
    },
    async (_request, reply) => {
      try {
        const status = await jobs.queueStatus();
        // The embedded backend is its own worker.
        const workers = jobs.mode === 'embedded' ? 1 : status.workers.length;
        if (workers === 0) {
          return reply.code(503).send({
            status: 'not-ready',
            backend: jobs.mode,
            workers,
            reason: 'no worker serves the queue',
          });
        }
        return { status: 'ready' as const, backend: jobs.mode, workers };
      } catch (error) {
        return reply.code(503).send({
          status: 'not-ready',
          backend: jobs.mode,
          workers: 0,
          reason: describeError(error).body.error.message,
        });
      }
    },
  );
}
