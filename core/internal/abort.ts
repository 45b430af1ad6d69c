import { AbortedError } from '../errors/aborted-error.ts';

/** `signal.throwIfAborted()`, but with the platform's typed AbortedError. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'The operation'): void {
  if (signal?.aborted)
    throw new AbortedError({ message: `${what} was aborted`, cause: signal.reason });
}
