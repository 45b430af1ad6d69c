import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';

/**
 * Checks a call's `timeoutMs` (RunCodeOptions): a number above 0, or Infinity for none.
 * Returns the deadline in whole milliseconds, or undefined for none. Every backend checks
 * it the same way, so a bad value is an InvalidArgumentError everywhere (the contract).
 */
export function checkTimeoutMs(timeoutMs: number): number | undefined {
  if (timeoutMs === Number.POSITIVE_INFINITY) return undefined;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new InvalidArgumentError({
      message: `timeoutMs must be a number above 0, not ${String(timeoutMs)}`,
    });
  }
  return Math.ceil(timeoutMs);
}
