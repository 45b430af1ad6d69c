// Turns how one run ended (the prelude's answer, or what isolated-vm threw, and why the
// runner stopped it) into the Execution the caller gets. Every ending after the code started
// is data: a stop, a dead isolate or a broken value is the call's `error`, with `stateLost`
// when the isolate went with it, never a thrown platform error a caller would retry.
import { parseJson } from '../../core/internal/json.ts';
import type { ExecutionError } from '../../core/sandbox/execution.ts';
import { sanitizeText } from '../shared/output-sanitizer.ts';
import type { RunOutcome } from './js-host-protocol.ts';
import type { JsLimits } from './js-sandbox-options.ts';
import type { IsolateOutput } from './isolate-output.ts';
import type { PreludeFinished } from './isolate-prelude.ts';

/** Why the runner stopped a run: its CPU budget, its wall clock, or an abort. */
export type StopReason = 'cpu' | 'wall' | 'abort';

export interface RunEnding {
  /** What the prelude's `finish` gave back, when the run got that far. */
  finished: unknown;
  /** What isolated-vm threw instead. */
  thrown: unknown;
  stop: StopReason | undefined;
  /** The isolate is gone (a stop, or its memory limit). */
  disposed: boolean;
  output: IsolateOutput;
  /** This run's limits (its wall clock may be shorter than the configured one). */
  limits: JsLimits;
  executionCount: number;
}

const STATE_LOST =
  'the isolate was disposed and its state is lost; the next call runs on a fresh one';

/** The notice a run gets when isolated-vm's own timeout stopped its code. */
export function isIsolateTimeout(thrown: unknown): boolean {
  return thrown instanceof Error && /^Script execution timed out\.?$/.test(thrown.message);
}

export function runOutcome(ending: RunEnding): RunOutcome {
  const { finished, thrown, stop, disposed, output, executionCount } = ending;
  const outcome: RunOutcome = {
    results: [],
    logs: { stdout: [], stderr: [] },
    error: null,
    executionCount,
    stateLost: disposed,
  };
  if (stop === 'abort') {
    outcome.aborted = 'during';
    outcome.error = {
      name: 'Interrupted',
      value: `the execution was stopped${disposed ? `: ${STATE_LOST}` : ''}`,
      traceback: '',
    };
  } else if (stop !== undefined || isIsolateTimeout(thrown)) {
    Object.assign(outcome, timeoutOf(ending));
  } else if (disposed) {
    outcome.error = {
      name: 'OutOfMemoryError',
      value: `the execution passed its memory limit of ${String(ending.limits.memoryLimitMb)} MB: ${STATE_LOST}`,
      traceback: thrown instanceof Error ? thrown.message : '',
    };
  } else if (thrown !== undefined) {
    outcome.error = describeThrown(thrown);
  } else {
    const answer = readFinished(finished);
    if (!answer) {
      outcome.error = {
        name: 'ResultError',
        value: 'the value of the last expression could not be copied out of the isolate',
        traceback: '',
      };
    } else if (answer.ok) {
      if (answer.truncated) output.markTruncated();
      if (answer.text !== undefined) {
        outcome.results.push({
          text: sanitizeText(answer.text),
          ...(answer.json === undefined ? {} : { json: parseJson(answer.json) }),
          isMainResult: true,
        });
      }
    } else {
      outcome.error = answer.error ?? null;
    }
  }
  if (outcome.error) outcome.error = sanitizeError(outcome.error);
  outcome.logs = output.logs();
  if (output.truncated) outcome.truncated = true;
  return outcome;
}

function timeoutOf({ stop, disposed, limits }: RunEnding): Partial<RunOutcome> {
  // isolated-vm's timeout is the shorter of the CPU budget and the wall clock: name the
  // one that was set.
  const wallFirst =
    stop === 'wall' || (stop === undefined && limits.wallTimeLimitMs <= limits.cpuTimeLimitMs);
  const what = wallFirst ? 'wall-clock' : 'CPU-time';
  const limit = wallFirst ? limits.wallTimeLimitMs : limits.cpuTimeLimitMs;
  const how = disposed ? STATE_LOST : "the code was stopped and the session's state is kept";
  return {
    timedOut: disposed ? 'restarted' : 'interrupted',
    error: {
      name: 'TimeoutError',
      value: `the execution passed its ${what} limit of ${String(limit)} ms; ${how}`,
      traceback: '',
    },
  };
}

/** The prelude's answer, checked: it crossed from the isolate, so its shape is not trusted. */
function readFinished(value: unknown): PreludeFinished | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const answer = value as Record<string, unknown>;
  const optionalString = (key: string): boolean =>
    answer[key] === undefined || typeof answer[key] === 'string';
  if (typeof answer['ok'] !== 'boolean' || !optionalString('text') || !optionalString('json')) {
    return undefined;
  }
  const error = answer['error'] as Record<string, unknown> | undefined;
  if (!answer['ok']) {
    if (
      typeof error !== 'object' ||
      error === null ||
      typeof error['name'] !== 'string' ||
      typeof error['value'] !== 'string' ||
      typeof error['traceback'] !== 'string'
    ) {
      return undefined;
    }
  }
  return answer as unknown as PreludeFinished;
}

function sanitizeError(error: ExecutionError): ExecutionError {
  return {
    name: sanitizeText(error.name),
    value: sanitizeText(error.value),
    traceback: sanitizeText(error.traceback),
  };
}

/** The stack as the code saw it: frames past isolated-vm's boundary are the host's. */
function sandboxStack(stack: string): string {
  const lines = stack.split('\n');
  const boundary = lines.findIndex((line) => line.includes('<isolated-vm boundary>'));
  return (boundary === -1 ? lines : lines.slice(0, boundary)).join('\n');
}

/** What isolated-vm threw: a syntax error, or a rejection no code handled. */
export function describeThrown(thrown: unknown): ExecutionError {
  if (thrown instanceof Error) {
    return {
      name: thrown.name,
      value: thrown.message,
      traceback: sandboxStack(thrown.stack ?? thrown.message),
    };
  }
  return { name: 'Uncaught', value: String(thrown), traceback: `Uncaught ${String(thrown)}` };
}
