import { z } from 'zod';
import { safeParseJson } from '../../core/index.ts';
import type { JobResult } from './job-schema.ts';
import { parseJobResult } from './job-schema.ts';

// A job's record in Redis, as the scripts in redis-lua.ts write it.
const RecordFieldsSchema = z.object({
  owner: z.string().optional(),
  worker: z.string().optional(),
  session: z.string().optional(),
  epoch: z.string().optional(),
  seq: z.number().optional(),
  deadline: z.number().optional(),
  ttl: z.number().optional(),
  at: z.number().optional(),
});

const ActiveRecordSchema = RecordFieldsSchema.extend({
  status: z.enum(['queued', 'running']),
  startedAt: z.number().optional(),
});

const DoneRecordSchema = z.object({
  status: z.literal('done'),
  result: z.unknown(),
  meta: RecordFieldsSchema.optional(),
});

/** Where a job is, as far as Redis knows. */
export type JobState =
  | {
      status: 'queued' | 'running';
      /** The worker whose own queue holds the job; '' for the shared queue. */
      owner: string;
      /** The worker running it. */
      worker: string | undefined;
      sessionKey: string | undefined;
      /** Its place among its session's calls. */
      seq: number | undefined;
      /** Redis time (ms) by which the job must start. */
      deadline: number | undefined;
      /** Redis time (ms) it was submitted. */
      submittedAt: number | undefined;
    }
  | { status: 'done'; result: JobResult; worker: string | undefined };

/** Reads a job's record; null when there is none (or it cannot be read). */
export function parseJobState(text: string | null): JobState | null {
  if (text === null) return null;
  const parsed = safeParseJson(text);
  if (!parsed.success) return null;
  const done = DoneRecordSchema.safeParse(parsed.value);
  if (done.success) {
    return {
      status: 'done',
      result: parseJobResult(done.data.result),
      worker: done.data.meta?.worker,
    };
  }
  const active = ActiveRecordSchema.safeParse(parsed.value);
  if (!active.success) return null;
  return {
    status: active.data.status,
    owner: active.data.owner ?? '',
    worker: active.data.worker,
    sessionKey: active.data.session,
    seq: active.data.seq,
    deadline: active.data.deadline,
    submittedAt: active.data.at,
  };
}
