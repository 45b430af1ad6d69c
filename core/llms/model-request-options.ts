/** Retries after a 408, 409, 429, 5xx or a connection failure, with backoff. */
export const DEFAULT_MODEL_MAX_RETRIES = 2;
/** Per attempt. */
export const DEFAULT_MODEL_TIMEOUT_MS = 120_000;

/** How every model client reaches its server. */
export interface ModelRequestOptions {
  apiKey?: string;
  baseURL?: string;
  /** @default DEFAULT_MODEL_MAX_RETRIES */
  maxRetries?: number;
  /** @default DEFAULT_MODEL_TIMEOUT_MS */
  timeoutMs?: number;
  /** Extra request body fields for this server (e.g. `{chat_template_kwargs: {...}}`). */
  extraBody?: Readonly<Record<string, unknown>>;
  /** For tests and proxies: the fetch the client uses. */
  fetch?: typeof fetch;
}

/** An SDK call's request options for the caller's signal. */
export function signalOption(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
