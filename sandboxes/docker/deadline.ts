import type { ExecutionStop } from '../../core/index.ts';
import { Deferred, settleWithin } from './deferred.ts';

/**
 * Waits for `done` until the deadline or an abort, then stops the code from outside the
 * container, one step at a time: interrupt the kernel; if it does not stop within
 * `interruptGraceMs`, restart it; if that fails, replace the container. Returns the step
 * that worked, or undefined when `done` came in time.
 */
export async function enforceDeadline({
  done,
  timeoutMs,
  signal,
  interruptGraceMs,
  interrupt,
  restartKernel,
  replaceContainer,
}: {
  done: Promise<unknown>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  interruptGraceMs: number;
  interrupt: () => void;
  restartKernel: () => Promise<boolean>;
  replaceContainer: () => Promise<void>;
}): Promise<ExecutionStop | undefined> {
  const abort = new Deferred<void>();
  const onAbort = () => abort.resolve();
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let finished: boolean;
  try {
    finished = await settleWithin({ promises: [done, abort.promise], timeoutMs });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (finished && !abort.settled) return undefined;
  interrupt();
  if (await settleWithin({ promises: [done], timeoutMs: interruptGraceMs })) return 'interrupted';
  if (await restartKernel()) return 'restarted';
  await replaceContainer();
  return 'killed';
}
