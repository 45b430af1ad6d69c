import { z } from 'zod';
import type { ActionReturn, Execution, RequestLimits } from '../../core/index.ts';
import {
  ActionReturnSchema,
  checkArguments,
  checkCode,
  checkEnvs,
  checkSessionId,
  checkTimeout,
  ExecutionSchema,
  isPlainObject,
  resolveRequestLimits,
  ValidationError,
} from '../../core/index.ts';

// Everything that crosses the queue is plain JSON, validated where it is read: a worker
// validates the jobs it takes, a submitter the results and events it receives.
// A request is also checked against the request limits (core's RequestLimits): by the
// submitter with its own, by the worker with its runner's; sizes and depth before the schema
// walks the value (it recurses), the rest after.

/** A tool's name as a call gives it (`Tool`, `Tool.api`). */
export const MAX_TOOL_NAME_LENGTH = 256;
/** A model's id for a tool call. */
export const MAX_TOOL_CALL_ID_LENGTH = 256;
/** `<scope>:<sessionId>` of an envelope. */
export const MAX_SESSION_KEY_LENGTH = 1024;

/** A tool call, routed by name like the ActionExecutor routes it. */
export const ToolCallRequestSchema = z.object({
  kind: z.literal('tool-call'),
  call: z.object({
    name: z.string().min(1).max(MAX_TOOL_NAME_LENGTH),
    parameters: z.json(),
    id: z.string().max(MAX_TOOL_CALL_ID_LENGTH).optional(),
  }),
  sessionId: z.string().optional(),
  timeoutMs: z.number().int().positive().optional(),
});

/** Code for a sandbox session, answered with an Execution. */
export const RunCodeRequestObjectSchema = z.object({
  kind: z.literal('run-code'),
  code: z.string(),
  language: z.literal('python').default('python'),
  sessionId: z.string().optional(),
  /**
   * Run on fresh state: a new interpreter process that sees nothing an earlier run left,
   * without a session (evaluation at scale; SandboxProvider.runFresh).
   */
  fresh: z.boolean().optional(),
  timeoutMs: z.number().int().positive().optional(),
  envs: z.record(z.string(), z.string()).optional(),
  /**
   * Output (stdout and stderr) a fresh run keeps, below the worker's own limit: a caller that
   * reads only pass or fail (lagent eval) saves carrying the rest through the queue.
   */
  maxOutputBytes: z.number().int().nonnegative().optional(),
});
/**
 * A fresh run has no session, and only a fresh run takes `maxOutputBytes`: the refinements
 * of run-code requests (the queue's and the API's).
 */
export function freshWithoutSession<
  T extends z.ZodType<{
    fresh?: boolean | undefined;
    sessionId?: string | undefined;
    maxOutputBytes?: number | undefined;
  }>,
>(schema: T): T {
  return schema
    .refine((request) => !(request.fresh === true && request.sessionId !== undefined), {
      message: 'a fresh run has no session: give fresh or sessionId, not both',
      path: ['fresh'],
    })
    .refine((request) => request.maxOutputBytes === undefined || request.fresh === true, {
      message: 'maxOutputBytes is for fresh runs: a session keeps its own output limit',
      path: ['maxOutputBytes'],
    });
}
export const RunCodeRequestSchema = freshWithoutSession(RunCodeRequestObjectSchema);

/** Programs one run-batch job carries at most. */
export const MAX_BATCH_PROGRAMS = 64;

/**
 * Many programs, each run on fresh state (as run-code with `fresh: true`), answered with one
 * Execution per program in order. One job for many small programs: evaluation at scale pays
 * the queue's cost once per batch, not per program. The programs together are within
 * `maxCodeBytes`; `timeoutMs` and `envs` hold for each of them.
 */
export const RunBatchRequestSchema = z.object({
  kind: z.literal('run-batch'),
  programs: z.array(z.string()).min(1).max(MAX_BATCH_PROGRAMS),
  /** Fresh runs have no session: refused when given. */
  sessionId: z.never().optional(),
  language: z.literal('python').default('python'),
  timeoutMs: z.number().int().positive().optional(),
  envs: z.record(z.string(), z.string()).optional(),
  /** Output each program keeps, below the worker's own limit (as run-code's). */
  maxOutputBytes: z.number().int().nonnegative().optional(),
});

/** Largest file a write-file job carries (its bytes; the request holds them as base64). */
export const MAX_JOB_FILE_BYTES = 8 * 1024 * 1024;
/** A file path inside a session's working directory, as a job names it. */
const FilePathSchema = z.string().min(1).max(1024);

/**
 * A session's own operations: they go to the worker that owns the session, in line with its
 * other calls. `open-session` starts it (a first run-code would too); `close-session` ends it.
 */
export const SessionRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('open-session'),
    sessionId: z.string(),
    timeoutMs: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('close-session'),
    sessionId: z.string(),
    timeoutMs: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('write-file'),
    sessionId: z.string(),
    path: FilePathSchema,
    dataBase64: z.base64().max(Math.ceil(MAX_JOB_FILE_BYTES / 3) * 4),
    timeoutMs: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('read-file'),
    sessionId: z.string(),
    path: FilePathSchema,
    timeoutMs: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('list-files'),
    sessionId: z.string(),
    path: FilePathSchema.optional(),
    timeoutMs: z.number().int().positive().optional(),
  }),
  /** Reads the session's sandbox (runtime, memory); it does not start one. */
  z.object({
    kind: z.literal('session-stats'),
    sessionId: z.string(),
    timeoutMs: z.number().int().positive().optional(),
  }),
]);
export type SessionRequest = z.output<typeof SessionRequestSchema>;
export const SESSION_REQUEST_KINDS = [
  'open-session',
  'close-session',
  'write-file',
  'read-file',
  'list-files',
  'session-stats',
] as const;

export const JobRequestSchema = z.discriminatedUnion('kind', [
  ToolCallRequestSchema,
  RunCodeRequestSchema,
  RunBatchRequestSchema,
  ...SessionRequestSchema.options,
]);
export type JobRequest = z.input<typeof JobRequestSchema>;
export type ParsedJobRequest = z.output<typeof JobRequestSchema>;

/** What a worker finds in a job: the request plus routing facts set by the submitter. */
export const JobEnvelopeSchema = z.object({
  request: JobRequestSchema,
  /** The session's key across submitters: `<scope>:<sessionId>`. */
  sessionKey: z.string().max(MAX_SESSION_KEY_LENGTH).optional(),
  submittedAt: z.number(),
  /** The submitter's clock: the job must start by then, or it ends `expired` unrun. */
  deadlineAt: z.number().optional(),
  /** Its place among its session's calls (1, 2, ...): they run in this order. */
  seq: z.number().int().positive().optional(),
});
export type JobEnvelope = z.output<typeof JobEnvelopeSchema>;

/** What a session job did; `error` when it could not (a missing file: the caller's mistake). */
export const SessionOutcomeSchema = z.object({
  /** open-session: true; close-session: whether the session was open. */
  open: z.boolean().optional(),
  /** write-file, read-file. */
  path: z.string().optional(),
  sizeBytes: z.number().int().nonnegative().optional(),
  /** read-file: the file's bytes. */
  dataBase64: z.string().optional(),
  /** list-files: regular files under the path, sorted. */
  files: z
    .array(z.object({ path: z.string(), sizeBytes: z.number().int().nonnegative() }))
    .optional(),
  /** list-files: more files were there than a listing holds. */
  truncated: z.boolean().optional(),
  /** session-stats: null where the sandbox (or a session the worker has no sandbox for) tells nothing. */
  stats: z
    .object({
      runtime: z.string().nullable(),
      memoryBytes: z.number().nonnegative().nullable(),
      memoryLimitBytes: z.number().nonnegative().nullable(),
      pids: z.number().int().nonnegative().nullable(),
    })
    .optional(),
  error: z.object({ name: z.string(), value: z.string() }).optional(),
});
export type SessionOutcome = z.output<typeof SessionOutcomeSchema>;

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
  executions: z.array(ExecutionSchema).optional(),
  session: SessionOutcomeSchema.optional(),
});
export interface JobResult {
  jobId: string;
  status: JobStatus;
  workerId: string | null;
  /** For tool-call jobs. */
  actionReturn?: ActionReturn;
  /** For run-code jobs. */
  execution?: Execution;
  /** For run-batch jobs: one per program, in order. */
  executions?: Execution[];
  /** For session jobs (open-session, write-file, ...). */
  session?: SessionOutcome;
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

/** Sizes and depth of a request not yet validated: cheap, and safe on any value. */
function checkRawRequestLimits(value: unknown, limits: RequestLimits): void {
  if (!isPlainObject(value)) return;
  if (typeof value['code'] === 'string') checkCode({ code: value['code'], ...limits });
  // A batch's programs together: one job holds them all.
  if (Array.isArray(value['programs']) && value['programs'].every((p) => typeof p === 'string'))
    checkCode({ code: value['programs'].join(''), ...limits });
  if (isPlainObject(value['call'])) {
    checkArguments({ value: value['call']['parameters'], limits, what: 'The call arguments' });
  }
  // Counted before the schema walks a record of any size.
  if (isPlainObject(value['envs'])) checkEnvs(value['envs']);
}

/**
 * Checks a valid request against the limits: RequestLimitError for code, arguments, envs
 * or a timeout over them, InvalidArgumentError for a bad session id or envs name.
 */
export function checkJobRequestLimits(
  request: ParsedJobRequest,
  limits: RequestLimits = resolveRequestLimits(),
): void {
  checkRawRequestLimits(request, limits);
  checkRequestFields(request, limits);
}

function checkRequestFields(request: ParsedJobRequest, limits: RequestLimits): void {
  if (request.sessionId !== undefined) checkSessionId(request.sessionId);
  if (request.timeoutMs !== undefined) checkTimeout({ timeoutMs: request.timeoutMs, ...limits });
}

/**
 * A request, validated: ValidationError when it is not a request; RequestLimitError or
 * InvalidArgumentError when it is one over the limits (see checkJobRequestLimits).
 */
export function parseJobRequest(
  value: unknown,
  limits: Partial<RequestLimits> = {},
): ParsedJobRequest {
  const resolved = resolveRequestLimits(limits);
  checkRawRequestLimits(value, resolved);
  const parsed = JobRequestSchema.safeParse(value);
  if (!parsed.success)
    throw new ValidationError({ subject: 'job request', issues: issues(parsed.error) });
  checkRequestFields(parsed.data, resolved);
  return parsed.data;
}

/** A job as a worker reads it, its request checked like parseJobRequest's. */
export function parseJobEnvelope(value: unknown, limits: Partial<RequestLimits> = {}): JobEnvelope {
  const resolved = resolveRequestLimits(limits);
  if (isPlainObject(value)) checkRawRequestLimits(value['request'], resolved);
  const parsed = JobEnvelopeSchema.safeParse(value);
  if (!parsed.success) throw new ValidationError({ subject: 'job', issues: issues(parsed.error) });
  checkRequestFields(parsed.data.request, resolved);
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
