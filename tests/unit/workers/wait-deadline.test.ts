import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { waitWithDeadline } from '../../../workers/queue/wait-deadline.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const never = new Promise<string>(() => undefined);

test('the result wins when it comes before the deadline', async () => {
  const ending = waitWithDeadline({ result: Promise.resolve('done'), timeoutMs: 1_000 });
  await expect(ending).resolves.toEqual({ kind: 'result', value: 'done' });
  expect(vi.getTimerCount()).toBe(0);
});

test('the deadline ends a wait for a result that never comes', async () => {
  const ending = waitWithDeadline({ result: never, timeoutMs: 1_000 });
  await vi.advanceTimersByTimeAsync(999);
  let settled = false;
  void ending.then(() => (settled = true));
  await vi.advanceTimersByTimeAsync(0);
  expect(settled).toBe(false);
  await vi.advanceTimersByTimeAsync(1);
  await expect(ending).resolves.toEqual({ kind: 'timeout' });
});

test('an abort ends the wait, and the listener is removed afterwards', async () => {
  const controller = new AbortController();
  const remove = vi.spyOn(controller.signal, 'removeEventListener');
  const ending = waitWithDeadline({ result: never, timeoutMs: 60_000, signal: controller.signal });
  controller.abort();
  await expect(ending).resolves.toEqual({ kind: 'abort' });
  expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
  expect(vi.getTimerCount()).toBe(0);
});

test('a signal aborted before the wait ends it at once', async () => {
  const ending = waitWithDeadline({
    result: never,
    timeoutMs: 60_000,
    signal: AbortSignal.abort(),
  });
  await expect(ending).resolves.toEqual({ kind: 'abort' });
});
