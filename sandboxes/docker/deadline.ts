import type { ExecutionStop } from '../../core/index.ts';
import { raceDeadline } from '../../core/index.ts';

/** How often an interrupt is sent again while the code has not stopped. */
export const INTERRUPT_REPEAT_MS = 100;

/**
 * Waits for `done` until the deadline or an abort, then stops the code from outside the
 * container, one step at a time: interrupt the kernel (repeatedly); if it does not stop within
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
  const ending = await raceDeadline({ promise: done, timeoutMs, signal });
  // An abort that lands with the result still stops the kernel: the caller asked for it.
  if ((ending.kind === 'value' || ending.kind === 'error') && !signal?.aborted) return undefined;
  interrupt();
  // Again until the code stops: a SIGINT that lands just before the code blocks (a sleep, a
  // read), after Python last looked for one, waits for that call to return. The kernel
  // ignores the repeats once the code has had its KeyboardInterrupt.
  const repeat = setInterval(interrupt, INTERRUPT_REPEAT_MS);
  const grace = await raceDeadline({ promise: done, timeoutMs: interruptGraceMs }).finally(() =>
    clearInterval(repeat),
  );
  if (grace.kind !== 'timeout') return 'interrupted';
  if (await restartKernel()) return 'restarted';
  await replaceContainer();
  return 'killed';
}
