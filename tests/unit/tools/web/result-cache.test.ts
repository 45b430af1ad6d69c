import { describe, expect, it } from 'vitest';
import { ResultCache, withRetries, WebToolError } from '../../../../tools/index.ts';

describe('ResultCache', () => {
  it('serves an entry until its TTL has passed', () => {
    let now = 1_000;
    const cache = new ResultCache<string>({ ttlMs: 500, now: () => now });
    cache.set('a', 'value');
    now = 1_499;
    expect(cache.get('a')).toBe('value');
    now = 1_500;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the oldest entry past maxEntries', () => {
    const cache = new ResultCache<number>({ maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3);
    cache.set('c', 4);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([3, undefined, 4]);
  });

  it('keeps nothing when ttlMs is 0', () => {
    const cache = new ResultCache<number>({ ttlMs: 0 });
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
  });
});

describe('withRetries', () => {
  const retryable = () =>
    new WebToolError({ code: 'HTTP_STATUS', message: 'HTTP 500', isRetryable: true });

  it('retries retryable failures up to maxAttempts', async () => {
    let calls = 0;
    const value = await withRetries({
      operation: () => (++calls < 3 ? Promise.reject(retryable()) : Promise.resolve('ok')),
      retryDelayMs: 0,
    });
    expect([value, calls]).toEqual(['ok', 3]);
    calls = 0;
    await expect(
      withRetries({
        operation: () => (++calls, Promise.reject(retryable())),
        maxAttempts: 2,
        retryDelayMs: 0,
      }),
    ).rejects.toThrow('HTTP 500');
    expect(calls).toBe(2);
  });

  it('does not retry other failures', async () => {
    let calls = 0;
    const missingKey = new WebToolError({ code: 'MISSING_API_KEY', message: 'no key' });
    await expect(
      withRetries({ operation: () => (++calls, Promise.reject(missingKey)), retryDelayMs: 0 }),
    ).rejects.toBe(missingKey);
    expect(calls).toBe(1);
  });
});
