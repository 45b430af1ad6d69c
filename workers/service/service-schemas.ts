import { z } from 'zod';
import { isValidJobId, JOB_ID_PATTERN } from '../queue/job-backend.ts';
import {
  JobEventSchema,
  JobRequestSchema,
  JobResultSchema,
  JobStatusSchema,
  freshWithoutSession,
  RunCodeRequestObjectSchema,
  ToolCallRequestSchema,
} from '../queue/job-schema.ts';

// The API's request and response bodies. The same schemas validate requests, check what the
// service answers, and become the OpenAPI document (each `id` is a named component there).

/** Longest long-poll a client may ask for; a longer one is a validation error. */
export const MAX_LONG_POLL_MS = 120_000;

const JobIdSchema = z
  .string()
  .regex(JOB_ID_PATTERN, 'use letters, digits, _ - . (at most 200)')
  .refine(isValidJobId, 'a job id cannot be only digits');

export const JobParamsSchema = z.object({ jobId: JobIdSchema });

export const SubmitJobBodySchema = z
  .object({
    request: JobRequestSchema,
    jobId: JobIdSchema.optional().describe(
      'Submitting the same id again answers with the first run (idempotent); random when absent.',
    ),
    deadlineMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('The job must start within this long, or it ends `expired` without running.'),
    batchId: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,100}$/)
      .optional()
      .describe('Counts the job into this batch (GET /v1/batches), opening it when new.'),
  })
  .meta({ id: 'SubmitJob' });

export const SubmittedJobSchema = z.object({ jobId: z.string() }).meta({ id: 'SubmittedJob' });

export const StoredJobResultSchema = JobResultSchema.meta({ id: 'JobResult' });

export const JobInfoSchema = z
  .object({
    jobId: z.string(),
    state: z.enum(['queued', 'running', 'ended']),
    workerId: z.string().nullable(),
    result: StoredJobResultSchema.optional(),
    request: JobRequestSchema.optional().describe(
      'The request as it was submitted, when this service process took it (code over 64 KiB is cut)',
    ),
    submittedAt: z.number().optional().describe('Epoch milliseconds, with `request`'),
  })
  .meta({ id: 'JobInfo' });

/** The most jobs one list answers. */
export const MAX_JOBS_LISTED = 1_000;

export const ListJobsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_JOBS_LISTED).default(100),
  state: z.enum(['queued', 'running', 'ended']).optional(),
  status: JobStatusSchema.optional(),
  kind: z.enum(['run-code', 'tool-call']).optional(),
  sessionId: z.string().max(128).optional(),
  batchId: z.string().max(100).optional(),
  failed: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('true: only jobs that did not succeed; false: only those that did'),
});

export const JobSummarySchema = z
  .object({
    jobId: z.string(),
    tenant: z.string().nullable().describe("The API key's tenant; null without keys"),
    kind: z.string(),
    state: z.enum(['queued', 'running', 'ended']),
    status: JobStatusSchema.nullable(),
    title: z.string().describe("The code's first line, or the tool's name"),
    sessionId: z.string().nullable(),
    batchId: z.string().nullable(),
    submittedAt: z.number(),
    endedAt: z.number().nullable(),
    durationMs: z.number().nullable().describe('From submit to end, queue time included'),
    workerId: z.string().nullable(),
    failure: z
      .string()
      .nullable()
      .describe("Why it did not succeed: the code's error, the tool's errmsg, or the status"),
  })
  .meta({ id: 'JobSummary' });

export const JobListSchema = z.object({ jobs: z.array(JobSummarySchema) }).meta({ id: 'JobList' });

export const ReadJobQuerySchema = z.object({
  waitMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_LONG_POLL_MS)
    .default(0)
    .describe(
      'Wait up to this long for the job to end (long-poll). Reaching it changes nothing: the job goes on.',
    ),
});

export const CancelBodySchema = z
  .object({
    reason: z
      .enum(['cancelled', 'timed-out'])
      .default('cancelled')
      .describe(
        'What the result says: `timed-out` when the caller gave up waiting at its deadline.',
      ),
    waitedMs: z.number().int().nonnegative().optional(),
  })
  // No body at all is a plain cancel (Fastify reads it as null).
  .nullish()
  .meta({ id: 'Cancel' });

export const CancelledSchema = z
  .object({
    cancelled: z.boolean().describe('False when the job had already ended.'),
  })
  .meta({ id: 'Cancelled' });

export const JobEventDocSchema = JobEventSchema.meta({ id: 'JobEvent' });

const WaitMsSchema = z
  .number()
  .int()
  .positive()
  .optional()
  .describe('Longest wait for the result; then the job is cancelled and answers `timed-out`.');

export const RunCodeBodySchema = freshWithoutSession(
  RunCodeRequestObjectSchema.omit({ kind: true }).extend({ waitMs: WaitMsSchema }),
).meta({ id: 'RunCode' });

export const ToolCallBodySchema = z
  .object({
    name: ToolCallRequestSchema.shape.call.shape.name.describe('`Tool` or `Toolkit.api`'),
    parameters: ToolCallRequestSchema.shape.call.shape.parameters,
    id: ToolCallRequestSchema.shape.call.shape.id,
    sessionId: ToolCallRequestSchema.shape.sessionId,
    timeoutMs: ToolCallRequestSchema.shape.timeoutMs,
    waitMs: WaitMsSchema,
  })
  .meta({ id: 'ToolCall' });

/** The most failed jobs one read lists. */
export const MAX_FAILED_JOBS_READ = 1_000;

export const FailedJobsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_FAILED_JOBS_READ).default(100),
});

export const FailedJobSchema = z
  .object({
    jobId: z.string(),
    reason: z.string(),
    attempts: z.number(),
    failedAt: z.number().nullable(),
    queue: z.string(),
  })
  .meta({ id: 'FailedJob' });

export const ToolDescriptorSchema = z
  .object({
    name: z.string(),
    isToolkit: z.boolean(),
    description: z.record(z.string(), z.unknown()),
    apis: z.array(z.record(z.string(), z.unknown())),
  })
  .meta({ id: 'ToolDescriptor' });

export const QueueStatusSchema = z
  .object({
    queue: z.string(),
    workers: z.array(z.object({ workerId: z.string(), health: z.record(z.string(), z.unknown()) })),
    waiting: z.number(),
    active: z.number(),
    sessions: z.number(),
  })
  .meta({ id: 'QueueStatus' });

export const HealthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'not-ready']),
    backend: z.enum(['redis', 'embedded', 'http']),
    workers: z.number(),
    reason: z.string().optional(),
  })
  .meta({ id: 'Readiness' });

export { JobRequestSchema };
