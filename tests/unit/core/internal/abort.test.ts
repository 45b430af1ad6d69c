// The one race of work against a deadline and an AbortSignal: every ending, one error type
// per ending, and nothing (timer, listener) left behind.
import { expect, test, vi } from 'vitest';
import {
  AbortedError,
  DeadlineExceededError,
  onAbort,
  raceDeadline,
  sleep,
  withDeadline,
} from '../../../../core/index.ts';

const never = new Promise<never>(() => undefined);

test('the promise settles first: its value, or its error as data', async () => {
  expect(await raceDeadline({ promise: Promise.resolve(7), timeoutMs: 1_000 })).toEqual({
    kind: 'value',
    value: 7,
  });
  const error = new Error('boom');
  expect(await raceDeadline({ promise: Promise.reject(error), timeoutMs: 1_000 })).toEqual({
    kind: 'error',
    error,
  });
});

test('the deadline passes first; no deadline means none', async () => {
  vi.useFakeTimers();
  try {
    const racing = raceDeadline({ promise: never, timeoutMs: 50 });
    await vi.advanceTimersByTimeAsync(50);
    expect(await racing).toEqual({ kind: 'timeout' });
    expect(vi.getTimerCount()).toBe(0);
    void raceDeadline({ promise: never });
    expect(vi.getTimerCount()).toBe(0);
  } finally {
    vi.useRealTimers();
  }
});

test('the signal aborts first (or had already): the reason comes back, the listener goes', async () => {
  const controller = new AbortController();
  const reason = new Error('stop');
  const racing = raceDeadline({ promise: never, signal: controller.signal, timeoutMs: 60_000 });
  controller.abort(reason);
  expect(await racing).toEqual({ kind: 'abort', reason });
  expect(await raceDeadline({ promise: never, signal: controller.signal })).toEqual({
    kind: 'abort',
    reason,
  });
  const settled = new AbortController();
  const remove = vi.spyOn(settled.signal, 'removeEventListener');
  await raceDeadline({ promise: Promise.resolve(1), signal: settled.signal });
  expect(remove).toHaveBeenCalledTimes(1);
});

test('withDeadline throws one typed error per ending', async () => {
  const controller = new AbortController();
  controller.abort();
  await expect(
    withDeadline({ promise: never, signal: controller.signal, what: 'Starting' }),
  ).rejects.toThrow(new AbortedError({ message: 'Starting was aborted' }));
  await expect(withDeadline({ promise: never, timeoutMs: 1 })).rejects.toBeInstanceOf(
    DeadlineExceededError,
  );
  await expect(
    withDeadline({ promise: never, timeoutMs: 1, onTimeout: () => new RangeError('late') }),
  ).rejects.toBeInstanceOf(RangeError);
  await expect(withDeadline({ promise: Promise.resolve('ok'), timeoutMs: 1_000 })).resolves.toBe(
    'ok',
  );
});

test('onAbort runs once (at once when already aborted) and can be removed', () => {
  const calls: string[] = [];
  const controller = new AbortController();
  const remove = onAbort(controller.signal, () => calls.push('removed'));
  remove();
  onAbort(controller.signal, () => calls.push('kept'));
  controller.abort();
  controller.abort();
  onAbort(controller.signal, () => calls.push('late'));
  expect(calls).toEqual(['kept', 'late']);
});

test('sleep ends early with AbortedError', async () => {
  const controller = new AbortController();
  const sleeping = sleep(60_000, controller.signal);
  controller.abort();
  await expect(sleeping).rejects.toBeInstanceOf(AbortedError);
});
