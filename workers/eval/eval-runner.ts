import type { JobBackend } from '../queue/job-backend.ts';
import type { JobResult } from '../queue/job-schema.ts';
import type { EvalItem } from './eval-dataset.ts';

/** Time each program may run by default. */
export const DEFAULT_EVAL_TIMEOUT_MS = 10_000;
/** Programs in flight at once by default. */
export const DEFAULT_EVAL_CONCURRENCY = 8;

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
 * Runs each program as a fresh run-code job, at most `concurrency` in flight (they spread
 * over every worker serving the queue), and calls `onResult` as each ends, in the order
 * they end. A program that hangs is stopped at `timeoutMs` and fails alone.
 */
export async function runEval({
  jobs,
  items,
  timeoutMs = DEFAULT_EVAL_TIMEOUT_MS,
  concurrency = DEFAULT_EVAL_CONCURRENCY,
  signal,
  onResult,
  batchId,
}: {
  jobs: JobBackend;
  items: AsyncIterable<EvalItem> | Iterable<EvalItem>;
  timeoutMs?: number;
  concurrency?: number;
  /** Counts every program into this batch of the HTTP service (its dashboard shows it). */
  batchId?: string;
  signal?: AbortSignal;
  onResult: (result: EvalItemResult) => void | Promise<void>;
}): Promise<EvalSummary> {
  const started = performance.now();
  let passed = 0;
  let total = 0;
  const inFlight = new Set<Promise<void>>();
  const runOne = async (item: EvalItem): Promise<void> => {
    const submittedAt = performance.now();
    const jobId = await jobs.submit({
      request: { kind: 'run-code', code: item.program, fresh: true, timeoutMs },
      ...(batchId === undefined ? {} : { batchId }),
      ...(signal ? { signal } : {}),
    });
    // The wait covers time queued behind other programs as well as the run itself.
    const result = await jobs.wait({ jobId, ...(signal ? { signal } : {}) });
    const outcome = itemResult({ item, result, timeMs: performance.now() - submittedAt });
    total += 1;
    if (outcome.passed) passed += 1;
    await onResult(outcome);
  };
  for await (const item of items) {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    const running = runOne(item).finally(() => inFlight.delete(running));
    running.catch(() => undefined); // raced (and so thrown) below; never unhandled
    inFlight.add(running);
  }
  await Promise.all(inFlight);
  return {
    total,
    passed,
    failed: total - passed,
    passAt1: total === 0 ? 0 : passed / total,
    elapsedMs: performance.now() - started,
  };
}
