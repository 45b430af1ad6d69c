import type { ActionReturn } from '../../core/index.ts';
import {
  ActionStatusCode,
  codeProblem,
  createActionReturn,
  InvalidArgumentError,
  timeoutProblem,
} from '../../core/index.ts';

export interface InterpreterLimits {
  maxCodeBytes: number;
  maxExecutionTimeoutMs: number;
}

/**
 * The answer to a call over the interpreter's limits (code too large, a `timeout` longer
 * than allowed): an ARGS_ERROR the model can act on, with the code not echoed back when it
 * is the problem. Undefined when the call may run.
 */
export function refusedCall({
  name,
  command,
  timeoutMs,
  limits,
}: {
  name: string;
  command: string;
  timeoutMs: number;
  limits: InterpreterLimits;
}): ActionReturn | undefined {
  const tooLarge = codeProblem({ code: command, maxCodeBytes: limits.maxCodeBytes });
  const tooLong = timeoutProblem({
    timeoutMs,
    maxExecutionTimeoutMs: limits.maxExecutionTimeoutMs,
  });
  const errmsg = tooLarge ?? tooLong;
  if (errmsg === undefined) return undefined;
  return createActionReturn({
    args: tooLarge ? {} : { text: command },
    type: name,
    errmsg,
    state: ActionStatusCode.ARGS_ERROR,
  });
}

/** InvalidArgumentError when the tool's own default timeout is over its maximum. */
export function checkDefaultTimeout({
  timeoutMs,
  maxExecutionTimeoutMs,
}: {
  timeoutMs: number;
  maxExecutionTimeoutMs: number;
}): void {
  if (timeoutMs > maxExecutionTimeoutMs) {
    throw new InvalidArgumentError({
      message: `timeoutMs (${timeoutMs}) is longer than maxExecutionTimeoutMs (${maxExecutionTimeoutMs})`,
    });
  }
}
