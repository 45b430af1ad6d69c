import { constants } from 'node:os';
import type { ExecutionError, ExecutionStop } from '../../core/index.ts';

const signalNames = new Map<number, string>(
  Object.entries(constants.signals).map(([name, number]) => [number, name]),
);

/**
 * The error an execution reports when its kernel or container died under it, naming the
 * cause: out of memory, a signal (SIGSEGV, SIGKILL), an exit code, or the container lost.
 */
export function describeKernelDeath({
  memoryMb,
  outOfMemory,
  code,
  signal,
  lostReason,
}: {
  memoryMb: number;
  outOfMemory: boolean;
  code?: number | null;
  signal?: number | null;
  lostReason?: string;
}): ExecutionError {
  if (outOfMemory) {
    return {
      name: 'OutOfMemoryError',
      value: `The kernel ran out of memory (limit ${memoryMb} MB) and was killed; its state is lost and a fresh kernel is ready.`,
      traceback: '',
    };
  }
  if (lostReason !== undefined) {
    return {
      name: 'SandboxCrashed',
      value: `The sandbox container stopped (${lostReason}); its state is lost and a fresh sandbox is started.`,
      traceback: '',
    };
  }
  const cause =
    signal !== null && signal !== undefined
      ? `killed by ${signalNames.get(signal) ?? `signal ${signal}`}`
      : `exit code ${code ?? 'unknown'}`;
  return {
    name: 'KernelDied',
    value: `The kernel died (${cause}); its state is lost and a fresh kernel is ready.`,
    traceback: '',
  };
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
