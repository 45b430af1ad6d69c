import type { JobBackend } from '../queue/job-backend.ts';
import { InvalidArgumentError } from '../../core/index.ts';
import type { JobRequest, JobResult } from '../queue/job-schema.ts';
import { MAX_BATCH_PROGRAMS } from '../queue/job-schema.ts';
import type { EvalItem } from './eval-dataset.ts';

/** Time each program may run by default. */
export const DEFAULT_EVAL_TIMEOUT_MS = 10_000;
/** Jobs in flight at once by default. */
export const DEFAULT_EVAL_CONCURRENCY = 8;
/**
 * Programs one job carries by default (a run-batch job; 1: a run-code job each). The queue's
 * cost (a few Redis round trips on each side) is paid once per job: for small programs it
 * is as large as a fresh run itself. 32 measured 5-10% more programs/s than 8 here; results
 * (and the progress) then come back 32 at a time.
 */
export const DEFAULT_EVAL_PROGRAMS_PER_JOB = 32;
/**
 * Output (stdout and stderr) each program keeps by default. An evaluation reads pass or fail
 * only; a program that floods its output would otherwise carry up to the worker's limit (1 MB
 * by default) through Docker, the worker, Redis and back. Enough to read why one failed (the
 * dashboard's job page shows it).
 */
export const DEFAULT_EVAL_MAX_OUTPUT_BYTES = 64 * 1024;
/** A job's programs together stay within this (the request limit is 1 MiB by default). */
export const EVAL_JOB_MAX_CODE_BYTES = 256 * 1024;

/** One program's outcome, as a line of the results file. */
export interface EvalItemResult {
  id: string;
  passed: boolean;
  /** The job's status: `completed`, `timed-out`, ... */
  status: JobResult['status'];
  /** Why it failed: the Python exception's name (AssertionError, TimeoutError, ...), else null. */
  error: string | null;
  /** From submission to result, in milliseconds. */
  timeMs: number;
  /** The dataset's expected outcome, when it gives one. */
  expected?: string;
}

export interface EvalSummary {
  total: number;
  passed: number;
  failed: number;
  /** passed / total. */
  passAt1: number;
  elapsedMs: number;
}

/** Passed: the job completed and the program ran to its end without an exception or a stop. */
export function itemResult({
  item,
  result,
  timeMs,
}: {
  item: EvalItem;
  result: JobResult;
  timeMs: number;
}): EvalItemResult {
  const execution = result.execution;
  const error =
    result.status !== 'completed'
      ? result.status
      : execution === undefined
        ? 'NoExecution'
        : (execution.error?.name ?? (execution.timedOut ? 'TimeoutError' : null));
  return {
    id: item.id,
    passed: error === null,
    status: result.status,
    error,
    timeMs: Math.round(timeMs * 10) / 10,
    ...(item.expected === undefined ? {} : { expected: item.expected }),
  };
}

/**
 * Runs the programs on fresh state, `programsPerJob` to a job (a run-batch job; a run-code
 * job each when 1), at most `concurrency` jobs in flight (they spread over every worker
 * serving the queue), and calls `onResult` for each program as its job ends, in the order
 * they end. A program that hangs is stopped at `timeoutMs` and fails alone.
 */
export async function runEval({
  jobs,
  items,
  timeoutMs = DEFAULT_EVAL_TIMEOUT_MS,
  concurrency = DEFAULT_EVAL_CONCURRENCY,
  programsPerJob = DEFAULT_EVAL_PROGRAMS_PER_JOB,
  maxOutputBytes = DEFAULT_EVAL_MAX_OUTPUT_BYTES,
  signal,
  onResult,
  batchId,
}: {
  jobs: JobBackend;
  items: AsyncIterable<EvalItem> | Iterable<EvalItem>;
  timeoutMs?: number;
  /** Jobs in flight at once. @default DEFAULT_EVAL_CONCURRENCY */
  concurrency?: number;
  /** @default DEFAULT_EVAL_PROGRAMS_PER_JOB */
  programsPerJob?: number;
  /** Output each program keeps (never more than the worker's own limit). @default DEFAULT_EVAL_MAX_OUTPUT_BYTES */
  maxOutputBytes?: number;
  /** Counts every program into this batch of the HTTP service (its dashboard shows it). */
  batchId?: string;
  signal?: AbortSignal;
  onResult: (result: EvalItemResult) => void | Promise<void>;
}): Promise<EvalSummary> {
  if (
    !Number.isInteger(programsPerJob) ||
    programsPerJob < 1 ||
    programsPerJob > MAX_BATCH_PROGRAMS
  )
    throw new InvalidArgumentError({
      message: `programsPerJob must be a whole number from 1 to ${MAX_BATCH_PROGRAMS}`,
    });
  if (!Number.isInteger(maxOutputBytes) || maxOutputBytes < 0)
    throw new InvalidArgumentError({ message: 'maxOutputBytes must be a whole number, 0 or more' });
  const started = performance.now();
  let passed = 0;
  let total = 0;
  const inFlight = new Set<Promise<void>>();
  const runJob = async (chunk: EvalItem[]): Promise<void> => {
    const submittedAt = performance.now();
    const request: JobRequest =
      programsPerJob === 1
        ? {
            kind: 'run-code',
            code: (chunk[0] as EvalItem).program,
            fresh: true,
            timeoutMs,
            maxOutputBytes,
          }
        : {
            kind: 'run-batch',
            programs: chunk.map((item) => item.program),
            timeoutMs,
            maxOutputBytes,
          };
    const jobId = await jobs.submit({
      request,
      ...(batchId === undefined ? {} : { batchId }),
      ...(signal ? { signal } : {}),
    });
    // The wait covers time queued behind other jobs as well as the runs themselves.
    const result = await jobs.wait({ jobId, ...(signal ? { signal } : {}) });
    const timeMs = performance.now() - submittedAt;
    for (const [index, item] of chunk.entries()) {
      const outcome = itemResult({ item, result: programResult(result, index, request), timeMs });
      total += 1;
      if (outcome.passed) passed += 1;
      await onResult(outcome);
    }
  };
  const dispatch = async (chunk: EvalItem[]): Promise<void> => {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    const running = runJob(chunk).finally(() => inFlight.delete(running));
    running.catch(() => undefined); // raced (and so thrown) below; never unhandled
    inFlight.add(running);
  };
  let chunk: EvalItem[] = [];
  let chunkBytes = 0;
  for await (const item of items) {
    const bytes = Buffer.byteLength(item.program);
    if (chunk.length > 0 && chunkBytes + bytes > EVAL_JOB_MAX_CODE_BYTES) {
      await dispatch(chunk);
      chunk = [];
      chunkBytes = 0;
    }
    chunk.push(item);
    chunkBytes += bytes;
    if (chunk.length >= programsPerJob) {
      await dispatch(chunk);
      chunk = [];
      chunkBytes = 0;
    }
  }
  if (chunk.length > 0) await dispatch(chunk);
  await Promise.all(inFlight);
  return {
    total,
    passed,
    failed: total - passed,
    passAt1: total === 0 ? 0 : passed / total,
    elapsedMs: performance.now() - started,
  };
}

/** One program's part of its job's result: its own execution, or the job's status for all. */
function programResult(result: JobResult, index: number, request: JobRequest): JobResult {
  if (request.kind !== 'run-batch') return result;
  const { executions, ...rest } = result;
  const execution = executions?.[index];
  return execution === undefined ? rest : { ...rest, execution };
}
