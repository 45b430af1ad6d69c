// The steps that stop code from outside the container, with fakes for the container.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Deferred } from '../../../sandboxes/docker/deferred.ts';
import { enforceDeadline, INTERRUPT_REPEAT_MS } from '../../../sandboxes/docker/deadline.ts';

function fakeContainer({ stopsAfterInterrupts }: { stopsAfterInterrupts: number }) {
  const done = new Deferred<void>();
  const calls = { interrupts: 0, restarts: 0, replaced: 0 };
  return {
    done,
    calls,
    steps: {
      done: done.promise,
      interrupt: () => {
        calls.interrupts += 1;
        if (calls.interrupts === stopsAfterInterrupts) done.resolve();
      },
      restartKernel: () => {
        calls.restarts += 1;
        return Promise.resolve(true);
      },
      replaceContainer: () => {
        calls.replaced += 1;
        return Promise.resolve();
      },
    },
  };
}

describe('enforceDeadline', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('code that ends in time is left alone', async () => {
    const container = fakeContainer({ stopsAfterInterrupts: 1 });
    container.done.resolve();
    const stopped = await enforceDeadline({
      ...container.steps,
      timeoutMs: 60_000,
      interruptGraceMs: 60_000,
    });
    expect(stopped).toBeUndefined();
    expect(container.calls).toEqual({ interrupts: 0, restarts: 0, replaced: 0 });
  });

  test('the interrupt is sent again until the code stops (a SIGINT can land just before a blocking call)', async () => {
    const container = fakeContainer({ stopsAfterInterrupts: 3 });
    const stopped = await enforceDeadline({
      ...container.steps,
      timeoutMs: 0,
      interruptGraceMs: 60_000,
    });
    expect(stopped).toBe('interrupted');
    expect(container.calls).toEqual({ interrupts: 3, restarts: 0, replaced: 0 });
  });

  test('an abort stops the code the same way, and the repeats end with it', async () => {
    vi.useFakeTimers();
    const container = fakeContainer({ stopsAfterInterrupts: 2 });
    const controller = new AbortController();
    const stopping = enforceDeadline({
      ...container.steps,
      timeoutMs: 60_000,
      signal: controller.signal,
      interruptGraceMs: 60_000,
    });
    controller.abort();
    await vi.advanceTimersByTimeAsync(INTERRUPT_REPEAT_MS);
    expect(await stopping).toBe('interrupted');
    expect(container.calls.interrupts).toBe(2);
    // The clock runs on past where a repeat would come: none is sent.
    await vi.advanceTimersByTimeAsync(INTERRUPT_REPEAT_MS * 10);
    expect(container.calls.interrupts).toBe(2);
  });

  test('code that ignores every interrupt: the kernel is restarted after the grace', async () => {
    vi.useFakeTimers();
    const container = fakeContainer({ stopsAfterInterrupts: Number.POSITIVE_INFINITY });
    const stopping = enforceDeadline({
      ...container.steps,
      timeoutMs: 0,
      interruptGraceMs: 1_000,
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await stopping).toBe('restarted');
    // One at once, then one per interval until the grace ends (the last falls with it).
    expect(container.calls.interrupts).toBe(1_000 / INTERRUPT_REPEAT_MS);
    expect(container.calls.restarts).toBe(1);
    expect(container.calls.replaced).toBe(0);
    await vi.advanceTimersByTimeAsync(INTERRUPT_REPEAT_MS * 10);
    expect(container.calls.interrupts).toBe(1_000 / INTERRUPT_REPEAT_MS);
  });
});
