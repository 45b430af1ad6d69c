import { z } from 'zod';
import type { ActionReturn, Execution } from '../../core/index.ts';
import { ActionReturnSchema, ExecutionSchema, ValidationError } from '../../core/index.ts';

// Everything that crosses the queue is plain JSON, validated where it is read: a worker
// validates the jobs it takes, a submitter the results and events it receives.

/** A tool call, routed by name like the ActionExecutor routes it. */
export const ToolCallRequestSchema = z.object({
  kind: z.literal('tool-call'),
  call: z.object({ name: z.string().min(1), parameters: z.json(), id: z.string().optional() }),
  sessionId: z.string().optional(),
  timeoutMs: z.number().int().positive().optional(),
});

/** Code for a sandbox session, answered with an Execution. */
export const RunCodeRequestSchema = z.object({
  kind: z.literal('run-code'),
  code: z.string(),
  language: z.literal('python').default('python'),
  sessionId: z.string().optional(),
  timeoutMs: z.number().int().positive().optional(),
  envs: z.record(z.string(), z.string()).optional(),
});

export const JobRequestSchema = z.discriminatedUnion('kind', [
  ToolCallRequestSchema,
  RunCodeRequestSchema,
]);
export type JobRequest = z.input<typeof JobRequestSchema>;
export type ParsedJobRequest = z.output<typeof JobRequestSchema>;

/** What a worker finds in a job: the request plus routing facts set by the submitter. */
export const JobEnvelopeSchema = z.object({
  request: JobRequestSchema,
  /** The session's key across submitters: `<scope>:<sessionId>`. */
  sessionKey: z.string().optional(),
  submittedAt: z.number(),
  /** The submitter's clock: the job must start by then, or it ends `expired` unrun. */
  deadlineAt: z.number().optional(),
  /** Its place among its session's calls (1, 2, ...): they run in this order. */
  seq: z.number().int().positive().optional(),
});
export type JobEnvelope = z.output<typeof JobEnvelopeSchema>;

/**
 * How a job ended. Every outcome carries a result the caller can use as is: failures of
 * the user's code, of the session or of the worker are data, as for a local call.
 */
export const JobStatusSchema = z.enum([
  'completed',
  'session-lost',
  'worker-lost',
  'cancelled',
  'timed-out',
  'expired',
  'lost',
  'failed',
]);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const JobResultSchema = z.object({
  jobId: z.string(),
  status: JobStatusSchema,
  workerId: z.string().nullable(),
  actionReturn: ActionReturnSchema.optional(),
  execution: ExecutionSchema.optional(),
});
export interface JobResult {
  jobId: string;
  status: JobStatus;
  workerId: string | null;
  /** For tool-call jobs. */
  actionReturn?: ActionReturn;
  /** For run-code jobs. */
  execution?: Execution;
}

export const JobEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), workerId: z.string() }),
  z.object({ type: z.enum(['stdout', 'stderr']), text: z.string() }),
  z.object({ type: z.literal('result'), result: z.record(z.string(), z.json()) }),
  z.object({ type: z.literal('end'), result: JobResultSchema }),
]);
/** What a job reports while it runs, ending with its result. */
export type JobEvent =
  | { type: 'started'; workerId: string }
  | { type: 'stdout' | 'stderr'; text: string }
  | { type: 'result'; result: Record<string, unknown> }
  | { type: 'end'; result: JobResult };

function issues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

export function parseJobRequest(value: unknown): ParsedJobRequest {
  const parsed = JobRequestSchema.safeParse(value);
  if (!parsed.success)
    throw new ValidationError({ subject: 'job request', issues: issues(parsed.error) });
  return parsed.data;
}

export function parseJobEnvelope(value: unknown): JobEnvelope {
  const parsed = JobEnvelopeSchema.safeParse(value);
  if (!parsed.success) throw new ValidationError({ subject: 'job', issues: issues(parsed.error) });
  return parsed.data;
}

export function parseJobResult(value: unknown): JobResult {
  const parsed = JobResultSchema.safeParse(value);
  if (!parsed.success)
    throw new ValidationError({ subject: 'job result', issues: issues(parsed.error) });
  return parsed.data as JobResult;
}

export function parseJobEvent(value: unknown): JobEvent {
  const parsed = JobEventSchema.safeParse(value);
  if (!parsed.success)
    throw new ValidationError({ subject: 'job event', issues: issues(parsed.error) });
  return parsed.data as JobEvent;
}
