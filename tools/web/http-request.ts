import type { Dispatcher } from 'undici';
import { Agent, fetch } from 'undici';
import { safeParseJson, throwIfAborted } from '../../core/index.ts';
import type { AddressPolicy } from './address-guard.ts';
import { WebToolError } from './web-tool-error.ts';

/** Lagent's `timeout=5` (seconds), for one request including its redirects and body. */
export const DEFAULT_WEB_TIMEOUT_MS = 5_000;
/** Redirect hops followed before giving up. */
export const DEFAULT_MAX_REDIRECTS = 5;
/** Largest response body read (after decompression). */
export const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
export const DEFAULT_USER_AGENT = 'Mozilla/5.0 (compatible; lagent-ts web tools)';

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const errorBodyChars = 300;

/** Checks every hop's address and pins each connection to the address it checked. */
export interface AddressGuard {
  policy: AddressPolicy;
  /** An undici Agent whose `connect.lookup` is the policy's. */
  dispatcher: Dispatcher;
}

/** An undici Agent that connects only to addresses `policy` allows. Close it when done. */
export function createGuardedAgent(policy: AddressPolicy): Agent {
  return new Agent({ connect: { lookup: policy.lookup } });
}

export interface HttpRequestOptions {
  url: string | URL;
  /** @default 'GET' */
  method?: 'GET' | 'POST';
  headers?: Readonly<Record<string, string>>;
  body?: string;
  /** Whole request: every hop and the body. @default DEFAULT_WEB_TIMEOUT_MS */
  timeoutMs?: number;
  /** @default DEFAULT_MAX_RESPONSE_BYTES */
  maxBytes?: number;
  /** @default DEFAULT_MAX_REDIRECTS */
  maxRedirects?: number;
  signal?: AbortSignal | undefined;
  /** For URLs a model chose: refuse non-public addresses, on every hop. */
  guard?: AddressGuard | undefined;
  /** Throw HTTP_STATUS for status 400 and above; false returns the response. @default true */
  throwOnErrorStatus?: boolean;
}

export interface HttpResponse {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/**
 * One HTTP request with limits: a total time, a body size cap, a redirect cap, and (with
 * `guard`) the address check on every hop. Redirects are followed by hand so that each
 * hop is checked; caller headers (API keys) are dropped when a hop changes origin.
 * Status 400 and above throws HTTP_STATUS, with the start of the body in the message.
 * An abort by `signal` is rethrown as is; the time limit throws TIMEOUT.
 */
export async function httpRequest({
  url,
  method = 'GET',
  headers = {},
  body,
  timeoutMs = DEFAULT_WEB_TIMEOUT_MS,
  maxBytes = DEFAULT_MAX_RESPONSE_BYTES,
  maxRedirects = DEFAULT_MAX_REDIRECTS,
  signal,
  guard,
  throwOnErrorStatus = true,
}: HttpRequestOptions): Promise<HttpResponse> {
  throwIfAborted(signal, `The request to ${String(url)}`);
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  let current = parseHttpUrl(url);
  const origin = current.origin;
  let currentMethod = method;
  let currentBody = body;
  try {
    for (let hop = 0; ; hop += 1) {
      if (guard !== undefined) await guard.policy.resolveAllowed(current.hostname);
      const response = await fetch(current, {
        method: currentMethod,
        headers: {
          'user-agent': DEFAULT_USER_AGENT,
          ...(current.origin === origin ? headers : {}),
        },
        ...(currentBody === undefined ? {} : { body: currentBody }),
        redirect: 'manual',
        signal: combined,
        ...(guard === undefined ? {} : { dispatcher: guard.dispatcher }),
      });
      const location = response.headers.get('location');
      if (redirectStatuses.has(response.status) && location !== null) {
        await response.body?.cancel();
        if (hop >= maxRedirects) {
          throw new WebToolError({
            code: 'TOO_MANY_REDIRECTS',
            message: `More than ${maxRedirects} redirects, starting at ${String(url)}`,
          });
        }
        current = parseHttpUrl(new URL(location, current));
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) && currentMethod === 'POST')
        ) {
          currentMethod = 'GET';
          currentBody = undefined;
        }
        continue;
      }
      const bytes = await readLimited({ response, maxBytes, url: current.href });
      if (throwOnErrorStatus && response.status >= 400) {
        throw new WebToolError({
          code: 'HTTP_STATUS',
          message: `HTTP ${response.status} from ${current.href}: ${excerpt(bytes)}`,
          httpStatus: response.status,
          isRetryable: isRetryableStatus(response.status),
        });
      }
      return { url: current.href, status: response.status, headers: response.headers, body: bytes };
    }
  } catch (error) {
    throw toWebToolError({ error, signal, timeout, timeoutMs, url: current.href });
  }
}

/** Whether a failed request may succeed when retried: 408, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The start of a body, on one line, for error messages. */
export function excerpt(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes).replace(/\s+/g, ' ').trim();
  if (text === '') return '(empty body)';
  return text.length > errorBodyChars ? `${text.slice(0, errorBodyChars)}…` : text;
}

/** Parses a response body as JSON; BAD_RESPONSE when it is not JSON. */
export function parseJsonBody(response: HttpResponse, what: string): unknown {
  const parsed = safeParseJson(new TextDecoder().decode(response.body));
  if (!parsed.success) {
    throw new WebToolError({
      code: 'BAD_RESPONSE',
      message: `${what} did not answer with JSON: ${excerpt(response.body)}`,
    });
  }
  return parsed.value;
}

/** Only http(s) URLs; anything else is INVALID_URL. */
export function parseHttpUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebToolError({ code: 'INVALID_URL', message: `Not a valid URL: ${String(url)}` });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new WebToolError({
      code: 'INVALID_URL',
      message: `Only http and https URLs can be opened, not ${parsed.protocol}`,
    });
  }
  return parsed;
}

async function readLimited({
  response,
  maxBytes,
  url,
}: {
  response: { headers: Headers; body: ReadableStream<Uint8Array> | null };
  maxBytes: number;
  url: string;
}): Promise<Uint8Array> {
  const tooLarge = () =>
    new WebToolError({
      code: 'TOO_LARGE',
      message: `The response from ${url} is larger than the ${maxBytes}-byte limit`,
    });
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function toWebToolError({
  error,
  signal,
  timeout,
  timeoutMs,
  url,
}: {
  error: unknown;
  signal: AbortSignal | undefined;
  timeout: AbortSignal;
  timeoutMs: number;
  url: string;
}): unknown {
  if (signal?.aborted) return error;
  if (WebToolError.isInstance(error)) return error;
  if (timeout.aborted) {
    return new WebToolError({
      code: 'TIMEOUT',
      message: `No complete answer from ${url} within ${timeoutMs} ms`,
      cause: error,
      isRetryable: true,
    });
  }
  // undici wraps connection failures (and our lookup's refusal) as TypeError('fetch failed').
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (WebToolError.isInstance(cause)) return cause;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return new WebToolError({
    code: 'NETWORK_FAILED',
    message: `Request to ${url} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause: error,
    isRetryable: true,
  });
}
