import type { ActionReturn, Execution } from '../../core/index.ts';
import {
  ActionStatusCode,
  ActionValidCode,
  argumentsProblem,
  createActionReturn,
  DEFAULT_MAX_ARGUMENT_DEPTH,
} from '../../core/index.ts';
import type { JobResult, JobStatus, ParsedJobRequest } from './job-schema.ts';

/**
 * A call's arguments are repeated in its outcome's `args` up to this size; larger ones are
 * not (the outcome names the tool only), so a result is never a copy of a large request.
 */
export const MAX_ECHOED_ARGUMENT_BYTES = 16 * 1024;

/** The `args` of an outcome: the call's name, and its arguments when they are small. */
function echoedArgs(request: ParsedJobRequest | undefined): Record<string, unknown> {
  if (request?.kind !== 'tool-call') return {};
  const { name, parameters } = request.call;
  const large = argumentsProblem({
    value: parameters,
    limits: {
      maxArgumentBytes: MAX_ECHOED_ARGUMENT_BYTES,
      maxArgumentDepth: DEFAULT_MAX_ARGUMENT_DEPTH,
    },
  });
  return large ? { name } : { name, parameters };
}

/** What the caller (and the model) reads for each way a job can end other than completing. */
export const OUTCOME_MESSAGES: Readonly<Record<Exclude<JobStatus, 'completed'>, string>> = {
  'session-lost':
    "The session's worker stopped, so the session and its state are gone. The next call starts a new session.",
  'worker-lost':
    'The worker running this call stopped before it finished. The call was not run again; it may have run in part.',
  cancelled: 'The call was cancelled.',
  'timed-out': 'The call did not finish in time.',
  expired: 'The call was not run: its deadline passed before a worker could start it.',
  lost: "The queue lost this call's record (its Redis restarted without persistence or was flushed). The call may or may not have run.",
  failed: 'The call could not be run.',
};

const errorNames: Readonly<Record<Exclude<JobStatus, 'completed'>, string>> = {
  'session-lost': 'SessionLost',
  'worker-lost': 'WorkerLost',
  cancelled: 'Cancelled',
  'timed-out': 'TimeoutError',
  expired: 'Expired',
  lost: 'JobLost',
  failed: 'JobFailed',
};

/**
 * A result for a job that did not complete, in the shape its kind calls for; with both
 * shapes when the request is not known (its record is all that is left).
 */
export function outcomeResult({
  jobId,
  request,
  status,
  detail,
  workerId = null,
}: {
  jobId: string;
  request: ParsedJobRequest | undefined;
  status: Exclude<JobStatus, 'completed'>;
  detail?: string;
  workerId?: string | null;
}): JobResult {
  const message = detail ? `${OUTCOME_MESSAGES[status]} ${detail}` : OUTCOME_MESSAGES[status];
  const actionReturn = (): ActionReturn =>
    createActionReturn({
      args: echoedArgs(request),
      type: request?.kind === 'tool-call' ? request.call.name : null,
      errmsg: message,
      state: ActionStatusCode.API_ERROR,
      valid: ActionValidCode.OPEN,
      ...(request?.kind === 'tool-call' && request.call.id !== undefined
        ? { toolCallId: request.call.id }
        : {}),
    });
  const execution = (): Execution => ({
    results: [],
    logs: { stdout: [], stderr: [] },
    error: { name: errorNames[status], value: message, traceback: '' },
    executionCount: null,
  });
  if (request?.kind === 'tool-call')
    return { jobId, status, workerId, actionReturn: actionReturn() };
  if (request?.kind === 'run-code') return { jobId, status, workerId, execution: execution() };
  if (request?.kind === 'run-batch')
    return { jobId, status, workerId, executions: request.programs.map(execution) };
  if (request !== undefined) {
    return {
      jobId,
      status,
      workerId,
      session: { error: { name: errorNames[status], value: message } },
    };
  }
  return { jobId, status, workerId, actionReturn: actionReturn(), execution: execution() };
}

/** The result a cancel stores: `cancelled`, or `timed-out` for a caller's wait that ran out. */
export function cancelVerdict({
  jobId,
  request,
  reason,
  waitedMs,
}: {
  jobId: string;
  request: ParsedJobRequest | undefined;
  reason: 'cancelled' | 'timed-out';
  waitedMs: number | undefined;
}): JobResult {
  return outcomeResult({
    jobId,
    request,
    status: reason,
    ...(reason === 'timed-out' && waitedMs !== undefined
      ? { detail: `(waited ${waitedMs} ms)` }
      : {}),
  });
}
