import { z } from 'zod';
import { JobRequestSchema } from '../queue/job-schema.ts';
import { JobSummarySchema } from './service-schemas.ts';

// Bodies of the batch routes (see service-schemas.ts for the jobs').

/** Most requests one `POST /v1/batches` may carry; a larger batch is sent in parts. */
export const MAX_BATCH_REQUESTS = 1_000;

export const BatchIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'use 1 to 100 letters, digits, _ - .');

export const BatchParamsSchema = z.object({ batchId: BatchIdSchema });

export const CreateBatchBodySchema = z
  .object({
    batchId: BatchIdSchema.optional().describe(
      'Yours to choose (the same id again adds to the batch); random when absent.',
    ),
    name: z.string().max(200).optional().describe('Shown on the dashboard, e.g. the dataset'),
    total: z
      .number()
      .int()
      .min(0)
      .max(10_000_000)
      .optional()
      .describe('How many jobs the batch will have, for its progress; else those submitted.'),
    requests: z
      .array(JobRequestSchema)
      .max(MAX_BATCH_REQUESTS)
      .optional()
      .describe(
        'Jobs to submit now, in the batch. More can be added later: POST /v1/jobs with `batchId`.',
      ),
    deadlineMs: z.number().int().positive().optional(),
  })
  .meta({ id: 'CreateBatch' });

export const BatchSchema = z
  .object({
    batchId: z.string(),
    name: z.string().nullable(),
    total: z.number(),
    submitted: z.number(),
    ended: z.number(),
    passed: z
      .number()
      .describe('Ended without a failure: completed, no error from the code or tool, in time'),
    failed: z.number(),
    passRate: z.number().nullable().describe('passed / ended; null before the first end'),
    createdAt: z.number(),
    endedAt: z.number().nullable().describe('Once all `total` jobs have ended'),
  })
  .meta({ id: 'Batch' });

export const CreatedBatchSchema = z
  .object({ batch: BatchSchema, jobIds: z.array(z.string()) })
  .meta({ id: 'CreatedBatch' });

export const BatchListSchema = z
  .object({ batches: z.array(BatchSchema) })
  .meta({ id: 'BatchList' });

export const BatchDetailSchema = BatchSchema.extend({
  jobs: z.array(JobSummarySchema).describe('Its jobs this process still lists, newest first'),
}).meta({ id: 'BatchDetail' });
