/** How a wait ended: with the job's result, at its deadline, or by the caller's signal. */
export type WaitEnding<T> = { kind: 'result'; value: T } | { kind: 'timeout' } | { kind: 'abort' };

/** Waits for `result` until `timeoutMs` or until `signal` aborts, whichever comes first. */
export async function waitWithDeadline<T>({
  result,
  timeoutMs,
  signal,
}: {
  result: Promise<T>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}): Promise<WaitEnding<T>> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<WaitEnding<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
    onAbort = () => resolve({ kind: 'abort' });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      result.then((value): WaitEnding<T> => ({ kind: 'result', value })),
      stop,
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
