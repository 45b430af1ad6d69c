import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ApiErrorSchema, HttpError } from './api-error.ts';
import type { BatchLog } from './batch-log.ts';
import {
  BatchDetailSchema,
  BatchListSchema,
  BatchParamsSchema,
  CreateBatchBodySchema,
  CreatedBatchSchema,
} from './batch-schemas.ts';
import type { JobLog } from './job-log.ts';
import type { TenantSubmit } from './job-submit.ts';
import type { TenantUsage } from './tenant-usage.ts';
import { MAX_JOBS_LISTED } from './service-schemas.ts';

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ApiErrorSchema]));

/** Submissions in flight at once while a batch's requests are queued. */
const BATCH_SUBMIT_CONCURRENCY = 8;

/** Batches: many jobs counted together (an evaluation), their progress and pass rate. */
export function registerBatchRoutes(
  root: FastifyInstance,
  {
    batches,
    log,
    submit,
    usage,
  }: { batches: BatchLog; log: JobLog; submit: TenantSubmit; usage: TenantUsage },
) {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/v1/batches',
    {
      schema: {
        summary: 'Open a batch, and submit its jobs',
        description:
          'Opens a batch (201; 200 when the id was open) and queues the `requests` given, each its own job, so the batch spreads over every worker. The tenant’s job quota counts each: a batch larger than the places left is a 429 before anything is queued (a job that takes a place meanwhile may still stop it part way, and the jobs queued before stay in the batch). Jobs submitted later with `batchId` count into it too.',
        tags: ['batches'],
        body: CreateBatchBodySchema,
        response: {
          200: CreatedBatchSchema,
          201: CreatedBatchSchema,
          ...errors(400, 413, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { scope } = request;
      const { batchId = randomUUID(), name, total, requests = [], deadlineMs } = request.body;
      const places = scope.tenant.quotas.maxConcurrentJobs - usage.runningJobs(scope.tenant);
      if (requests.length > places) {
        throw new HttpError({
          code: 'RATE_LIMITED',
          message: `This API key has room for ${Math.max(0, places)} more jobs now: send the batch in parts`,
          retryAfterS: 1,
        });
      }
      const { created } = batches.open({ scope, batchId, name, total });
      const jobIds: string[] = new Array<string>(requests.length);
      let next = 0;
      const submitSome = async () => {
        while (next < requests.length) {
          const index = next++;
          const queueId = await submit(scope, {
            jobRequest: requests[index] as (typeof requests)[number],
            batchId,
            deadlineMs,
          });
          jobIds[index] = scope.publicId(queueId) ?? queueId;
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(BATCH_SUBMIT_CONCURRENCY, requests.length) }, submitSome),
      );
      const batch = batches.get(scope, batchId);
      if (!batch) throw new Error(`batch ${batchId} was forgotten while it was submitted`);
      return reply.code(created ? 201 : 200).send({ batch, jobIds });
    },
  );

  app.get(
    '/v1/batches',
    {
      schema: {
        summary: 'List batches',
        description: 'The caller’s batches this service process holds, newest first (at most 100).',
        tags: ['batches'],
        response: { 200: BatchListSchema },
      },
    },
    (request) => ({ batches: batches.list(request.scope) }),
  );

  app.get(
    '/v1/batches/:batchId',
    {
      schema: {
        summary: 'Read a batch',
        description: 'Its progress and pass rate, and its jobs with their state and failure.',
        tags: ['batches'],
        params: BatchParamsSchema,
        response: { 200: BatchDetailSchema, ...errors(400, 404) },
      },
    },
    async (request) => {
      const { scope } = request;
      const { batchId } = request.params;
      const batch = batches.get(scope, batchId);
      if (!batch) {
        throw new HttpError({ code: 'NOT_FOUND', message: `No batch ${batchId} for this API key` });
      }
      const jobs = await log.list({
        scope,
        limit: MAX_JOBS_LISTED,
        filter: (job) => job.batchId === batchId,
      });
      return { ...batch, jobs };
    },
  );
}
