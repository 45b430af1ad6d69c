import { useEffect, useRef, useState } from 'preact/hooks';
import type { StreamEvent } from './api.ts';
import { api, followEvents } from './api.ts';

/** What a read of the API gave: its value, its error, and a way to read it again. */
export interface Loaded<T> {
  value: T | undefined;
  error: Error | undefined;
  reload: () => void;
}

/** Reads `path` (again whenever it or `every` changes; every `everyMs` when given). */
export function useApi<T>(path: string | null, { everyMs }: { everyMs?: number } = {}): Loaded<T> {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return undefined;
    const controller = new AbortController();
    api<T>(path, { signal: controller.signal }).then(
      (read) => {
        setValue(read);
        setError(undefined);
      },
      (failed: unknown) => {
        if (!controller.signal.aborted) setError(failed as Error);
      },
    );
    const timer = everyMs ? setTimeout(() => setRound((count) => count + 1), everyMs) : undefined;
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [path, round, everyMs]);
  return { value, error, reload: () => setRound((count) => count + 1) };
}

/** Follows an SSE route while mounted, reconnecting a second after it drops. */
export function useEventStream(
  path: string,
  onEvent: (event: StreamEvent) => void,
): Error | undefined {
  const [error, setError] = useState<Error | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    const follow = async () => {
      while (!controller.signal.aborted) {
        try {
          await followEvents(path, {
            signal: controller.signal,
            onOpen: () => setError(undefined),
            onEvent,
          });
        } catch (failed) {
          if (controller.signal.aborted) return;
          setError(failed as Error);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    };
    void follow();
    return () => controller.abort();
    // The handler is the caller's state setter: a new one does not mean following again.
  }, [path]);
  return error;
}

/**
 * Calls `refresh` when the caller's jobs change (`GET /v1/job-events`: a job submitted or
 * ended), at most once every `minGapMs`, so a batch's flood of ends costs a few reads.
 */
export function useJobFeed(refresh: () => void, minGapMs = 500): Error | undefined {
  const latest = useRef(refresh);
  latest.current = refresh;
  const last = useRef(0);
  const pending = useRef<number | undefined>(undefined);
  useEffect(() => () => clearTimeout(pending.current), []);
  return useEventStream('/v1/job-events', () => {
    if (pending.current !== undefined) return;
    const waitMs = Math.max(0, last.current + minGapMs - Date.now());
    pending.current = window.setTimeout(() => {
      pending.current = undefined;
      last.current = Date.now();
      latest.current();
    }, waitMs);
  });
}
