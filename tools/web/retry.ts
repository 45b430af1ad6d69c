import { sleep } from '../../core/index.ts';
import { WebToolError } from './web-tool-error.ts';

/** Lagent's `max_retry=3`: up to three tries in all. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Pause before the first retry; it doubles for each further one. */
export const DEFAULT_RETRY_DELAY_MS = 1_000;

export interface RetryOptions {
  /** Tries in all, the first included. @default DEFAULT_MAX_ATTEMPTS */
  maxAttempts?: number;
  /** @default DEFAULT_RETRY_DELAY_MS */
  retryDelayMs?: number;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `operation` again while it fails with a retryable WebToolError (HTTP 5xx or 429, a
 * timeout, a dropped connection), with a doubling pause. Other failures are thrown at once.
 */
export async function withRetries<RESULT>({
  operation,
  maxAttempts = DEFAULT_MAX_ATTEMPTS,
  retryDelayMs = DEFAULT_RETRY_DELAY_MS,
  signal,
}: RetryOptions & { operation: () => Promise<RESULT> }): Promise<RESULT> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      const retryable = WebToolError.isInstance(error) && error.isRetryable;
      if (!retryable || attempt >= maxAttempts || signal?.aborted) throw error;
      await sleep(retryDelayMs * 2 ** (attempt - 1), signal);
    }
  }
}
