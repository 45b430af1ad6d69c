import { constants } from 'node:os';
import type { ExecutionError, ExecutionStop } from '../../core/index.ts';

const signalNames = new Map<number, string>(
  Object.entries(constants.signals).map(([name, number]) => [number, name]),
);

/**
 * When a kernel death or container loss happened, relative to the call that reports it:
 * `during` its code; `idle` between calls (this call's code is not run, so the loss is not
 * hidden by a fresh kernel that answers); `before` its code began, after it was sent (the
 * code then ran on the fresh kernel).
 */
export type LossTiming = 'during' | 'idle' | 'before';

function deathCause(code: number | null | undefined, signal: number | null | undefined): string {
  return signal !== null && signal !== undefined
    ? `killed by ${signalNames.get(signal) ?? `signal ${signal}`}`
    : `exit code ${code ?? 'unknown'}`;
}

/** A few words on a loss, before the engine's OOM report is known: "the kernel died (exit code 0)". */
export function describeLossCause(
  loss:
    { kind: 'died'; code: number | null; signal: number | null } | { kind: 'lost'; reason: string },
): string {
  return loss.kind === 'died'
    ? `the kernel died (${deathCause(loss.code, loss.signal)})`
    : `the sandbox container stopped (${loss.reason})`;
}

/**
 * The error an execution reports when its kernel or container died, naming the cause: out
 * of memory, a signal (SIGSEGV, SIGKILL), an exit code, or the container lost; and, for a
 * loss between calls, that its state is gone and whether this call's code ran.
 */
export function describeKernelDeath({
  memoryMb,
  outOfMemory,
  code,
  signal,
  lostReason,
  timing = 'during',
}: {
  memoryMb: number;
  outOfMemory: boolean;
  code?: number | null;
  signal?: number | null;
  lostReason?: string;
  timing?: LossTiming;
}): ExecutionError {
  const idle = timing === 'during' ? '' : ' while idle';
  const [name, what, fresh] = outOfMemory
    ? [
        'OutOfMemoryError',
        `The kernel ran out of memory${idle} (limit ${memoryMb} MB) and was killed`,
        'kernel',
      ]
    : lostReason !== undefined
      ? ['SandboxCrashed', `The sandbox container stopped${idle} (${lostReason})`, 'sandbox']
      : ['KernelDied', `The kernel died${idle} (${deathCause(code, signal)})`, 'kernel'];
  const rest = {
    during: `; its state is lost and a fresh ${fresh} is ${fresh === 'kernel' ? 'ready' : 'started'}.`,
    idle: ` after the previous call; its state is lost. This code was not run; a fresh ${fresh} is ready.`,
    before: ` just before this code began; its state is lost. This code ran on a fresh ${fresh}.`,
  }[timing];
  return { name, value: `${what}${rest}`, traceback: '' };
}

/** The error of an execution stopped at its deadline (or by an abort), saying how. */
export function describeTimeout({
  stopped,
  timeoutMs,
  aborted,
  kernelError,
}: {
  stopped: ExecutionStop;
  timeoutMs: number;
  aborted: boolean;
  kernelError: ExecutionError | null;
}): ExecutionError {
  const how = {
    interrupted: 'the kernel was interrupted; its state is kept',
    restarted: 'the code ignored the interrupt, so the kernel was restarted; its state is lost',
    killed: 'the kernel did not restart, so the container was replaced; its state is lost',
  }[stopped];
  return {
    name: 'TimeoutError',
    value: aborted
      ? `The execution was cancelled: ${how}`
      : `The execution exceeded ${timeoutMs} ms: ${how}`,
    traceback: kernelError?.traceback ?? '',
  };
}
