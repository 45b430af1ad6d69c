import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AbortedError } from '../../core/index.ts';
import type { JobBackend } from '../queue/job-backend.ts';
import { ApiErrorSchema, HttpError } from './api-error.ts';
import {
  CancelledSchema,
  FailedJobSchema,
  FailedJobsQuerySchema,
  JobInfoSchema,
  JobParamsSchema,
  ReadJobQuerySchema,
  RunCodeBodySchema,
  StoredJobResultSchema,
  SubmitJobBodySchema,
  SubmittedJobSchema,
} from './service-schemas.ts';
import type { ServiceMetrics } from './service-metrics.ts';
import type { OpenStreams } from './sse-stream.ts';
import { openSseStream, parseLastEventId } from './sse-stream.ts';

export interface JobRoutesOptions {
  jobs: JobBackend;
  metrics: ServiceMetrics;
  /** NoWorkerError when no worker serves the queue (see createWorkerCheck). */
  requireWorker: () => Promise<void>;
  /** Every open event stream, so the service can end them when it stops. */
  streams: OpenStreams;
}

// Results hold JSON typed `unknown` in TypeScript; the serializer checks each answer against
// its schema, so the cast claims nothing that is not checked.
type Body<Schema extends z.ZodType> = z.output<Schema>;

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ApiErrorSchema]));

/** Aborted when the client goes away before its answer was sent. */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client went away'));
  });
  return controller.signal;
}

/** Jobs: submit, read (with a long-poll), follow as events, cancel; and run-code in one call. */
export function registerJobRoutes(
  root: FastifyInstance,
  { jobs, streams, metrics, requireWorker }: JobRoutesOptions,
) {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/v1/jobs',
    {
      schema: {
        summary: 'Submit a job',
        description:
          'Queues a run-code or tool-call job. Submitting an id again does not run it again: the answer names the same job.',
        tags: ['jobs'],
        body: SubmitJobBodySchema,
        response: { 202: SubmittedJobSchema, ...errors(400, 413, 503) },
      },
    },
    async (request, reply) => {
      const { request: jobRequest, jobId, deadlineMs } = request.body;
      await requireWorker();
      const submitted = await jobs.submit({
        request: jobRequest,
        ...(jobId === undefined ? {} : { jobId }),
        ...(deadlineMs === undefined ? {} : { deadlineMs }),
      });
      metrics.jobSubmitted(jobRequest.kind);
      return reply.code(202).send({ jobId: submitted });
    },
  );

  app.get(
    '/v1/jobs/:jobId',
    {
      schema: {
        summary: 'Read a job',
        description:
          'Where the job is, and its result once it has one. With `waitMs`, answers as soon as the job ends or when `waitMs` has passed, whichever is first; the job is never cancelled by this.',
        tags: ['jobs'],
        params: JobParamsSchema,
        querystring: ReadJobQuerySchema,
        response: { 200: JobInfoSchema, ...errors(400, 404, 503) },
      },
    },
    async (request, reply) => {
      const { jobId } = request.params;
      const { waitMs } = request.query;
      if (waitMs > 0) {
        try {
          await jobs.awaitResult({ jobId, waitMs, signal: clientGone(reply) });
        } catch (error) {
          if (!(error instanceof AbortedError)) throw error;
          reply.hijack(); // the client went away: nobody is left to answer
          return;
        }
      }
      return (await jobs.getJob({ jobId })) as Body<typeof JobInfoSchema>;
    },
  );

  app.get(
    '/v1/jobs/:jobId/events',
    {
      schema: {
        summary: 'Follow a job',
        description:
          'Server-Sent Events: `started`, `stdout`, `stderr`, `result`, then `end` with the job result. Events are numbered from 0; a client that reconnects with `Last-Event-ID` gets only the events after that one.',
        tags: ['jobs'],
        params: JobParamsSchema,
        headers: z.object({ 'last-event-id': z.string().optional() }),
        response: {
          200: z.string().describe('text/event-stream; each `data` is a JobEvent'),
          ...errors(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { jobId } = request.params;
      const lastSeen = parseLastEventId(request.headers['last-event-id']);
      if (lastSeen === null) {
        throw new HttpError({
          code: 'INVALID_ARGUMENT',
          message: 'Last-Event-ID must be the number of an event this stream sent',
        });
      }
      await jobs.getJob({ jobId }); // an unknown id is a 404, before the stream starts
      reply.hijack();
      const stream = openSseStream({ response: reply.raw });
      streams.add(stream);
      try {
        let id = 0;
        for await (const event of jobs.events({ jobId, signal: stream.signal })) {
          if (id > lastSeen) await stream.send({ id, type: event.type, data: event });
          id += 1;
        }
      } catch (error) {
        if (!stream.signal.aborted) request.log.warn({ err: error, jobId }, 'event stream failed');
      } finally {
        streams.delete(stream);
        stream.end();
      }
    },
  );

  app.post(
    '/v1/jobs/:jobId/cancel',
    {
      schema: {
        summary: 'Cancel a job',
        description:
          'Stops a queued or running job (a running kernel is interrupted); its result says `cancelled`.',
        tags: ['jobs'],
        params: JobParamsSchema,
        response: { 200: CancelledSchema, ...errors(400, 404, 503) },
      },
    },
    async (request) => {
      const { jobId } = request.params;
      await jobs.getJob({ jobId });
      return { cancelled: await jobs.cancel({ jobId }) };
    },
  );

  app.get(
    '/v1/failed-jobs',
    {
      schema: {
        summary: 'Jobs the platform failed',
        description:
          'Jobs that ended because a worker or the queue failed, newest first (failures of the code are results, not here).',
        tags: ['jobs'],
        querystring: FailedJobsQuerySchema,
        response: { 200: z.array(FailedJobSchema), ...errors(400, 503) },
      },
    },
    async (request) => jobs.listFailed({ limit: request.query.limit }),
  );

  app.post(
    '/v1/run-code',
    {
      schema: {
        summary: 'Run code and wait for its result',
        description:
          'Submits a run-code job and answers with its result. Leaving (closing the connection) or reaching `waitMs` cancels the job.',
        tags: ['jobs'],
        body: RunCodeBodySchema,
        response: { 200: StoredJobResultSchema, ...errors(400, 413, 503) },
      },
    },
    async (request, reply) => {
      const { waitMs, ...code } = request.body;
      await requireWorker();
      const jobId = await jobs.submit({ request: { kind: 'run-code', ...code } });
      metrics.jobSubmitted('run-code');
      try {
        return (await jobs.wait({
          jobId,
          signal: clientGone(reply),
          ...(waitMs === undefined ? {} : { timeoutMs: waitMs }),
        })) as Body<typeof StoredJobResultSchema>;
      } catch (error) {
        if (!(error instanceof AbortedError)) throw error;
        reply.hijack();
        return;
      }
    },
  );
}
