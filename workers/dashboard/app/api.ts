import { EventSourceParserStream } from 'eventsource-parser/stream';

// The dashboard is a client of the public API, like any other: the same routes, the same
// API key (kept for this tab only), the same tenant rules.

const KEY_STORAGE = 'lagent-api-key';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor({ status, code, message }: { status: number; code: string; message: string }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
  window.dispatchEvent(new Event('lagent-key'));
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = apiKey();
  return { ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra };
}

async function failure(response: Response): Promise<ApiError> {
  let code = 'HTTP_ERROR';
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // not a JSON error body: the status says it
  }
  if (response.status === 401) window.dispatchEvent(new Event('lagent-unauthorized'));
  return new ApiError({ status: response.status, code, message });
}

export async function api<T>(
  path: string,
  { method = 'GET', body, signal }: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** A file's bytes, for a download (a link cannot carry the API key). */
export async function apiBlob(path: string): Promise<Blob> {
  const response = await fetch(path, { headers: headers() });
  if (!response.ok) throw await failure(response);
  return response.blob();
}

export interface StreamEvent {
  type: string;
  data: unknown;
}

/**
 * Server-Sent Events read with fetch (EventSource cannot send the API key). Calls `onOpen`
 * with the response (its headers) and `onEvent` for each event, until the stream ends or
 * `signal` aborts.
 */
export async function followEvents(
  path: string,
  {
    method = 'GET',
    body,
    signal,
    onOpen,
    onEvent,
  }: {
    method?: string;
    body?: unknown;
    signal: AbortSignal;
    onOpen?: (response: Response) => void;
    onEvent: (event: StreamEvent) => void;
  },
): Promise<void> {
  const response = await fetch(path, {
    method,
    headers: headers({
      accept: 'text/event-stream',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal,
  });
  if (!response.ok || !response.body) throw await failure(response);
  onOpen?.(response);
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onEvent({ type: value.event ?? 'message', data: JSON.parse(value.data) as unknown });
    }
  } finally {
    reader.releaseLock();
  }
}
