import { AbortedError } from '../errors/aborted-error.ts';
import { DeadlineExceededError } from '../errors/deadline-exceeded-error.ts';

// The platform's one way to race work against a deadline and an AbortSignal. Every wait
// with a time limit or a cancel goes through `raceDeadline`, so aborts always surface as
// AbortedError and deadlines as DeadlineExceededError (or an error the caller names).

/** `signal.throwIfAborted()`, but with the platform's typed AbortedError. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'The operation'): void {
  if (signal?.aborted)
    throw new AbortedError({ message: `${what} was aborted`, cause: signal.reason });
}

/**
 * Calls `listener` once when `signal` aborts (at once if it already has). Returns the
 * function that removes it; call it when the work is done so the signal holds no closure.
 */
export function onAbort(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    listener();
    return () => undefined;
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/** The longest delay `setTimeout` honours (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How a race ended: the promise settled, the deadline passed, or the signal aborted. */
export type DeadlineRace<T> =
  | { kind: 'value'; value: T }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'abort'; reason: unknown };

export interface RaceDeadlineOptions<T> {
  promise: PromiseLike<T>;
  /** No deadline when undefined (or Infinity). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Waits for `promise` until `timeoutMs` passes or `signal` aborts, whichever comes first.
 * Never rejects; the promise itself goes on (stopping the real resource is the caller's
 * job: interrupt the kernel, dispose the isolate). The timer and listener never outlive it.
 */
export async function raceDeadline<T>({
  promise,
  timeoutMs,
  signal,
}: RaceDeadlineOptions<T>): Promise<DeadlineRace<T>> {
  let timer: NodeJS.Timeout | undefined;
  let removeListener: () => void = () => undefined;
  const stopped = new Promise<DeadlineRace<T>>((resolve) => {
    removeListener = onAbort(signal, () => resolve({ kind: 'abort', reason: signal?.reason }));
    // Node fires a timer longer than 2^31-1 ms at once: such a deadline is none at all.
    if (timeoutMs !== undefined && timeoutMs <= MAX_TIMER_MS) {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), Math.max(0, timeoutMs));
    }
  });
  try {
    return await Promise.race([
      Promise.resolve(promise).then(
        (value): DeadlineRace<T> => ({ kind: 'value', value }),
        (error: unknown): DeadlineRace<T> => ({ kind: 'error', error }),
      ),
      stopped,
    ]);
  } finally {
    clearTimeout(timer);
    removeListener();
  }
}

export interface WithDeadlineOptions<T> extends RaceDeadlineOptions<T> {
  /** Names the work in error messages: "Starting the sandbox". @default 'The operation' */
  what?: string;
  /** The error for a passed deadline. @default a DeadlineExceededError */
  onTimeout?: () => Error;
}

/**
 * `promise`'s value; an AbortedError when `signal` aborts first, the deadline's error when
 * `timeoutMs` passes first. The promise's own rejection passes through unchanged.
 */
export async function withDeadline<T>({
  what = 'The operation',
  onTimeout,
  ...race
}: WithDeadlineOptions<T>): Promise<T> {
  const ending = await raceDeadline(race);
  switch (ending.kind) {
    case 'value':
      return ending.value;
    case 'error':
      throw ending.error;
    case 'abort':
      throw new AbortedError({ message: `${what} was aborted`, cause: ending.reason });
    case 'timeout':
      throw (
        onTimeout?.() ??
        new DeadlineExceededError({ message: `${what} did not finish within ${race.timeoutMs} ms` })
      );
  }
}

/** Resolves after `ms`, or rejects with AbortedError as soon as `signal` aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const ending = await raceDeadline({
    promise: new Promise<never>(() => undefined),
    timeoutMs: ms,
    signal,
  });
  if (ending.kind === 'abort')
    throw new AbortedError({ message: 'The wait was aborted', cause: ending.reason });
}
