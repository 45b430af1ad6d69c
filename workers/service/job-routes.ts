import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AbortedError } from '../../core/index.ts';
import type { JobBackend } from '../queue/job-backend.ts';
import { ApiErrorSchema, HttpError } from './api-error.ts';
import type { JobLog } from './job-log.ts';
import type { TenantSubmit } from './job-submit.ts';
import { clientGone, streamJobEvents } from './job-submit.ts';
import {
  CancelBodySchema,
  CancelledSchema,
  FailedJobSchema,
  FailedJobsQuerySchema,
  JobInfoSchema,
  JobListSchema,
  JobParamsSchema,
  ListJobsQuerySchema,
  MAX_FAILED_JOBS_READ,
  ReadJobQuerySchema,
  SubmitJobBodySchema,
  SubmittedJobSchema,
} from './service-schemas.ts';
import type { OpenStreams } from './sse-stream.ts';
import { parseLastEventId, serveFeed } from './sse-stream.ts';

export interface JobRoutesOptions {
  jobs: JobBackend;
  /** Every open event stream, so the service can end them when it stops. */
  streams: OpenStreams;
  submit: TenantSubmit;
  log: JobLog;
  /** Aborted when the service stops: the job feed's streams end at once. */
  feedsClosed: AbortSignal;
}

// Results hold JSON typed `unknown` in TypeScript; the serializer checks each answer against
// its schema, so the cast claims nothing that is not checked.
type Body<Schema extends z.ZodType> = z.output<Schema>;

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ApiErrorSchema]));

/** Jobs: submit, list, read (with a long-poll), follow as events, cancel, list the failed. */
export function registerJobRoutes(
  root: FastifyInstance,
  { jobs, streams, submit, log, feedsClosed }: JobRoutesOptions,
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
      const { request: jobRequest, jobId, deadlineMs, batchId } = request.body;
      const queueId = await submit(request.scope, { jobRequest, jobId, deadlineMs, batchId });
      return reply.code(202).send({ jobId: request.scope.publicId(queueId) ?? queueId });
    },
  );

  app.get(
    '/v1/jobs',
    {
      schema: {
        summary: 'List recent jobs',
        description:
          'The run-code and tool-call jobs this service process took for the caller, newest first (at most the last 1,000), with their state and, once ended, status, duration and failure.',
        tags: ['jobs'],
        querystring: ListJobsQuerySchema,
        response: { 200: JobListSchema, ...errors(400) },
      },
    },
    async (request) => {
      const { limit, state, status, kind, sessionId, batchId, failed } = request.query;
      const listed = await log.list({
        scope: request.scope,
        limit,
        filter: (job) =>
          (kind === undefined || job.kind === kind) &&
          (sessionId === undefined || job.sessionId === sessionId) &&
          (batchId === undefined || job.batchId === batchId) &&
          (status === undefined || job.status === status) &&
          (failed === undefined || (job.failure !== null) === failed),
      });
      // The state is read as the list is made: filtered after it.
      return { jobs: state === undefined ? listed : listed.filter((job) => job.state === state) };
    },
  );

  app.get(
    '/v1/job-events',
    {
      schema: {
        summary: 'Follow the caller’s jobs',
        description:
          'Server-Sent Events: a `job` event (a JobSummary) for each job the caller submits through this service process, and again when it ends (its batch already counted). For live lists: read `GET /v1/jobs` or `GET /v1/batches` again on an event.',
        tags: ['jobs'],
        response: { 200: z.string().describe('text/event-stream; each `data` is a JobSummary') },
      },
    },
    async (request, reply) => {
      reply.hijack();
      await serveFeed({
        response: reply.raw,
        streams,
        closed: feedsClosed,
        subscribe: (send) => log.subscribe(request.scope, (job) => send('job', job)),
      });
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
      const { scope } = request;
      const jobId = scope.jobId(request.params.jobId);
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
      const info = await jobs.getJob({ jobId });
      const logged = log.entry(scope, jobId);
      return {
        ...info,
        jobId: request.params.jobId,
        ...(info.result ? { result: scope.result(info.result) } : {}),
        ...(logged ? { request: logged.request, submittedAt: logged.submittedAt } : {}),
      } as Body<typeof JobInfoSchema>;
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
      const jobId = request.scope.jobId(request.params.jobId);
      const lastSeen = parseLastEventId(request.headers['last-event-id']);
      if (lastSeen === null) {
        throw new HttpError({
          code: 'INVALID_ARGUMENT',
          message: 'Last-Event-ID must be the number of an event this stream sent',
        });
      }
      await jobs.getJob({ jobId }); // an unknown id is a 404, before the stream starts
      await streamJobEvents({ request, reply, jobs, streams, jobId, lastSeen });
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
        body: CancelBodySchema,
        response: { 200: CancelledSchema, ...errors(400, 404, 503) },
      },
    },
    async (request) => {
      const jobId = request.scope.jobId(request.params.jobId);
      const { reason = 'cancelled', waitedMs } = request.body ?? {};
      await jobs.getJob({ jobId });
      const cancelled = await jobs.cancel({
        jobId,
        reason,
        ...(waitedMs === undefined ? {} : { waitedMs }),
      });
      return { cancelled };
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
    async (request) => {
      const { scope } = request;
      // Other tenants' failures are dropped from what is read: read the most kept.
      const read = await jobs.listFailed({
        limit: scope.tenant.id ? MAX_FAILED_JOBS_READ : request.query.limit,
      });
      return read
        .flatMap((failed) => {
          const jobId = scope.publicId(failed.jobId);
          return jobId === undefined ? [] : [{ ...failed, jobId }];
        })
        .slice(0, request.query.limit);
    },
  );
}
